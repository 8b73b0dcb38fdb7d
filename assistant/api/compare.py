"""The `comparisons` field of an answer: which cited sources word one claim differently, read off the answer.

The engines write a difference between sources into the answer's text only, in three forms, and this module
recognises exactly those (an answer without them has no comparisons):

- a bottom line's "CGTN (date not given) words it as a possibility: “…” [3]." after the line that states the rule
  firmly, [1] (kind `hedged`);
- a threshold's "S2, 2024-01-01 sets another threshold: “…” [2]." after the lead's [1], usually followed by
  "The sources conflict on the threshold; …" (kind `conflict`);
- an evidence note "A and B word this differently: …" (kind `worded_differently`) or "The sources conflict: …"
  (kind `conflict`), on the line after the two quotes it compares, one quote a line.

`comparisons(answer)` gives them as data, so a client shows the two sources side by side without parsing the text:
each comparison names its two `sources` (which source, its date, its wording: the citation's verbatim quote);
`with_comparisons` adds them to a /v1/ask object.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\d+)\]")
HEDGED = re.compile(r"\bwords it as a possibility\b")
ANOTHER = re.compile(r"\bsets another threshold\b")
DIFFER = re.compile(r"\bword this differently:")
CONFLICT = re.compile(r"^The sources conflict:")
THRESHOLD_NOTE = re.compile(r"^The sources conflict on the threshold\b")
KINDS = ("hedged", "worded_differently", "conflict")


def _markers(line: str, ids: set[int]) -> list[int]:
    return [int(m) for m in MARKER.findall(line) if int(m) in ids]


def _name(citation: dict) -> str:
    return citation.get("publisher") or citation.get("title") or citation.get("doc_id") or "a source"


def _source(citation: dict) -> dict:
    """One side of a comparison: which source (citation id, document, name), its date, its wording."""
    return {"citation": int(citation["id"]), "doc_id": citation.get("doc_id"), "source": _name(citation),
            "published": citation.get("published"), "wording": citation.get("quote")}


def _pair(cites: dict[int, dict], first: int, second: int, kind: str, note: str) -> dict:
    return {"citations": [first, second], "kind": kind, "note": note,
            "sources": [_source(cites[first]), _source(cites[second])]}


def comparisons(answer: dict) -> list[dict]:
    """The differently-worded pairs of a /v1/ask object (its `answer` text and `citations`).

    Returns a list of `{"citations": [first_id, second_id], "kind": "hedged" | "worded_differently" | "conflict",
    "note": str, "sources": [first, second]}`, in the order of the text; the ids are citation ids of the answer (the
    first is the firm or the newer wording, as the engine put it first), `note` says how they differ in one sentence
    and each of `sources` is `{"citation", "doc_id", "source" (publisher, else title), "published" (ISO date or
    None), "wording" (the citation's verbatim quote)}`, in the order of `citations`. [] for an abstained answer or
    one without such lines. Never raises on a well-formed answer; a malformed one (no `citations` list) gives [].
    """
    if answer.get("abstained"):
        return []
    try:
        cites = {int(c["id"]): c for c in answer.get("citations") or []}
    except (KeyError, TypeError, ValueError):
        return []
    ids = set(cites)
    lines = [line.strip() for line in str(answer.get("answer") or "").splitlines()]
    lead = next((m for line in lines[:1] for m in _markers(line, ids)), None)
    out: list[dict] = []
    for i, line in enumerate(lines):
        marks = _markers(line, ids)
        if HEDGED.search(line) and marks and lead is not None and marks[0] != lead:
            firm, hedged = cites[lead], cites[marks[0]]
            note = f"{_name(hedged)} words it as a possibility (“may”); {_name(firm)} states it firmly."
            out.append(_pair(cites, lead, marks[0], "hedged", note))
        elif ANOTHER.search(line) and marks and lead is not None and marks[0] != lead:
            following = lines[i + 1] if i + 1 < len(lines) else ""
            note = following if THRESHOLD_NOTE.search(following) else (
                f"{_name(cites[marks[0]])} sets another threshold than {_name(cites[lead])}.")
            out.append(_pair(cites, lead, marks[0], "conflict", note))
        elif (DIFFER.search(line) or CONFLICT.search(line)) and i >= 2:
            a, b = _markers(lines[i - 2], ids), _markers(lines[i - 1], ids)
            if a and b and a[0] != b[0]:
                kind = "conflict" if CONFLICT.search(line) else "worded_differently"
                out.append(_pair(cites, a[0], b[0], kind, line))
    return out


def with_comparisons(answer: dict) -> dict:
    """The /v1/ask object `answer` with its `comparisons` field set (the same dict, changed in place)."""
    answer["comparisons"] = comparisons(answer)
    return answer
