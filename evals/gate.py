"""The CI gate: compare a suite's summary with the floors in evals/floors.json."""

from __future__ import annotations

import json
from pathlib import Path

FLOORS = Path(__file__).parent / "floors.json"


def floors(suite: str, engine: str, path: Path = FLOORS) -> dict:
    return json.loads(path.read_text())[suite][engine]


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
