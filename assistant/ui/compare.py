"""Which cited sources word a claim differently, read off an answer, so the UI can show them side by side.

The engines say it in the answer's text and nowhere else (the `/v1/ask` object has no field for it yet): a
bottom line's "CGTN (date not given) words it as a possibility: “…” [3]." differs from the rule it follows, [1];
an evidence note "A and B word this differently: …" or "The sources conflict: …" follows the two quotes it compares,
one per line. This module recognises exactly those two forms; an answer without them has no comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"\[(\d+)\]")
HEDGED = re.compile(r"\bwords it as a possibility\b")
DIFFER = re.compile(r"\bword this differently:|^The sources conflict:")


@dataclass(frozen=True)
class Comparison:
    """Two citation ids whose sources word one claim differently, and how (one line)."""

    first: int
    second: int
    how: str


def _markers(line: str, ids: set[int]) -> list[int]:
    return [int(m) for m in MARKER.findall(line) if int(m) in ids]


def comparisons(answer: dict) -> list[Comparison]:
    """The differently-worded pairs in a /v1/ask object (`answer`, `citations`); [] when there are none or the
    answer abstained."""
    if answer.get("abstained"):
        return []
    cites = {c["id"]: c for c in answer.get("citations") or []}
    ids = set(cites)
    lines = (answer.get("answer") or "").splitlines()
    lead = next((m for line in lines[:1] for m in _markers(line, ids)), None)
    out: list[Comparison] = []
    for i, line in enumerate(lines):
        marks = _markers(line, ids)
        if HEDGED.search(line) and marks and lead is not None and marks[0] != lead:
            firm, hedged = cites[lead], cites[marks[0]]
            how = (f"{_name(hedged)} words it as a possibility (“may”); {_name(firm)} states it firmly.")
            out.append(Comparison(lead, marks[0], how))
        elif DIFFER.search(line.strip()) and i >= 2:
            a, b = _markers(lines[i - 2], ids), _markers(lines[i - 1], ids)
            if a and b and a[0] != b[0]:
                out.append(Comparison(a[0], b[0], line.strip()))
    return out


def _name(citation: dict) -> str:
    return citation.get("publisher") or citation.get("title") or citation.get("doc_id") or "a source"
