"""A record's own correction of one of its fields: classification record CR-2026-0112 reads "ECCN: 3A090.a", and
further down its correction entry

    CORRECTION ENTRY 1
    Date of correction: 2 June 2026
    Entered by: Joanna Okafor, Trade Compliance Analyst
    Approved by: Dana Whitfield, Head of Trade Compliance
    Field corrected: ECCN
    Previous value: 3A090.a
    Corrected value: EAR99

An answer that quoted the "ECCN:" line alone would give a classification the record itself has withdrawn (stop 24's
trial: "What is the ECCN of the MX-220?" -> "3A090.a"). The corrected value leads the answer and the field as first
written follows it ("Before that, …"). Corrections are read once, when the index opens, from every chunk that writes
a "Field corrected:" line (or "Field amended:", "Field changed:"); an entry is the lines from its date line, when
one comes at most six lines before, to its "Corrected value:" (or "New value:", "Amended value:", "Revised
value:") line. Another document that changes a statement is engines/amendments.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.models import Hit, Unit
from assistant.record_fields import FIELD, key_stems

_CORRECTED = re.compile(r"(?im)^[ \t]*(?:field|item|entry)s?[ \t]+(?:corrected|amended|changed)[ \t]*:[ \t]*"
                        r"(?P<field>\S[^\n]*?)[ \t]*$")
_VALUE = re.compile(r"(?im)^[ \t]*(?:corrected|new|amended|revised)[ \t]+value[ \t]*:[ \t]*(?P<value>\S[^\n]*?)[ \t]*$")
_DATED = re.compile(r"(?im)^[ \t]*(?:date[ \t]+of[ \t]+(?:correction|amendment|change)|(?:corrected|amended|changed)"
                    r"[ \t]+on|effective(?:[ \t]+from)?)[ \t]*:[ \t]*(?P<date>\S[^\n]*?)[ \t]*$")
_LOOK_BACK = 6  # lines before the "Field corrected:" line where the entry's date line may stand


@dataclass(frozen=True)
class Correction:
    """One corrected field of a record: the field's name as stems ({"eccn"}), the corrected value ("EAR99"), the
    date written for it ("2 June 2026", "" when none), and the entry quoted (a unit in document offsets)."""

    field: frozenset[str]
    value: str
    date: str
    unit: Unit


def _entries(text: str) -> Iterable[tuple[int, int, str, str, str]]:
    """(start, end, field, value, date) of each correction entry of a chunk's text."""
    marks = list(_CORRECTED.finditer(text))
    for i, m in enumerate(marks):
        stop = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        v = _VALUE.search(text, m.end(), stop)
        if v is None:
            continue
        before = text[:m.start()].split("\n")[-_LOOK_BACK - 1:]
        back = m.start() - len("\n".join(before))
        d = max(_DATED.finditer(text, back, m.start()), key=lambda x: x.start(), default=None)  # the nearest
        start = d.start() if d is not None else m.start()
        start += len(text[start:]) - len(text[start:].lstrip())
        yield start, v.end(), m.group("field"), v.group("value"), d.group("date") if d is not None else ""


def collect(rows: Iterable[dict], docs: dict[str, dict]) -> tuple[Correction, ...]:
    """Every correction entry of the index's documents (module docstring), read over each document's chunks joined
    in order, since an entry may straddle two chunks. `rows`: chunk rows (doc_id, chunk_id, start, end, text; start
    and end in document offsets); `docs`: {doc_id: metadata}. Read once when the index opens."""
    by_doc: dict[str, list[dict]] = {}
    for r in rows:
        by_doc.setdefault(r["doc_id"], []).append(r)
    out = []
    for doc in sorted(d for d, rs in by_doc.items() if any(_CORRECTED.search(r["text"]) for r in rs)):
        chunks = sorted(by_doc[doc], key=lambda r: r["start"])
        base = chunks[0]["start"]
        text = ["\n"] * (max(r["end"] for r in chunks) - base)
        for r in chunks:
            text[r["start"] - base:r["start"] - base + len(r["text"])] = r["text"]
        joined = "".join(text)
        for a, b, name, value, date in _entries(joined):
            first = next(r for r in reversed(chunks) if r["start"] - base <= a)
            hit = Hit(chunk_id=first["chunk_id"], doc_id=doc, text=joined[first["start"] - base:b],
                      start=first["start"], end=base + b, score=0.0, meta=docs.get(doc, {}))
            unit = Unit(hit=hit, start=base + a, end=base + b, text=joined[a:b])
            out.append(Correction(key_stems(name), value.rstrip(" ."), date.rstrip(" ."), unit))
    return tuple(out)


def correction(corrections: Iterable[Correction], u: Unit) -> Correction | None:
    """The last correction of the field that record unit `u` quotes (`u`'s first `Label: value` line, of the same
    document, and not itself a correction entry), or None."""
    m = FIELD.search(u.text)
    if m is None or _CORRECTED.search(u.text) or _VALUE.search(u.text):
        return None
    key = key_stems(m.group("key"))
    found = [c for c in corrections if c.unit.hit.doc_id == u.hit.doc_id and c.field == key and c.unit.start > u.start]
    return max(found, key=lambda c: c.unit.start) if found else None
