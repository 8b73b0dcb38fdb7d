"""The CI gate: compare a suite's summary with the floors in evals/floors.json.

An entry of floors.json is `{suite name: {engine: {"min": {...}, "max": {...}, "cases": {...}}}}`. `cases` says which
of the suite's cases the floors were measured on: `{"with_tag": T}` or `{"without_tag": T}` (absent: all), so a
suite that grows keeps its old floors on its old cases (`golden`) and has separate floors on the new ones
(`golden/issue-9`). The entry name's part before `/` is the suite that runs.
"""

from __future__ import annotations

import json
from pathlib import Path

FLOORS = Path(__file__).parent / "floors.json"


def floors(suite: str, engine: str, path: Path = FLOORS) -> dict:
    return json.loads(path.read_text())[suite][engine]


def gates(engine: str, path: Path = FLOORS) -> dict[str, dict]:
    """Every floors.json entry for `engine`, by entry name (`golden`, `golden/issue-9`, `compliance_docs`)."""
    data = json.loads(path.read_text())
    return {name: by_engine[engine] for name, by_engine in data.items()
            if not name.startswith("_") and engine in by_engine}


def select(rows: list[dict], limits: dict) -> list[dict]:
    """The rows (per-case results with `tags`) that the floors' `cases` selection names."""
    chosen = limits.get("cases") or {}
    if "with_tag" in chosen:
        return [r for r in rows if chosen["with_tag"] in (r.get("tags") or ())]
    if "without_tag" in chosen:
        return [r for r in rows if chosen["without_tag"] not in (r.get("tags") or ())]
    return rows


def failures(summary: dict, limits: dict) -> list[str]:
    """Each metric past its floor, as 'name: value < floor' (a missing metric fails too)."""
    out = []
    for name, floor in limits.get("min", {}).items():
        value = summary.get(name)
        if value is None or value < floor:
            out.append(f"{name}: {value} < {floor}")
    for name, ceiling in limits.get("max", {}).items():
        value = summary.get(name)
        if value is None or value > ceiling:
            out.append(f"{name}: {value} > {ceiling}")
    return out
