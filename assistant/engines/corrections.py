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

An amendment record changes the fields of another record it names in a field line ("Licence amended: EL-2026-0417")
with change blocks, each under a heading that names the field:

    Change 2 - Valid until
    Previous value: 14 January 2027
    New value: 30 June 2027
    Effective date: 20 July 2026

Each block is read as a correction of that record's field (stop 25's second trial: "Until when is export licence
EL-2026-0417 valid?" got the licence's own "Valid until: 14 January 2027" though amendment EL-2026-0417-A1 had moved
it to 30 June 2027); the block runs from its heading to its "Effective date:" line when one follows the new value.

A correction may also be written as prose, in a paragraph that opens with "Correction" (stop 27's trial: the memo's
table gave SH-2026-0340 a net value of 18,600 and its section 6 corrected it):

    Correction of 19 August 2026 (Joanna Okafor): the net value of SH-2026-0340 was stated as USD 18,600 in the
    first issue of this memo. The correct net value is USD 21,400, per commercial invoice INV-MS-88213.

The field is the words between "The correct(ed)" and "is", the value what follows up to the clause's end, the date
the paragraph's, and the record the first identifier the paragraph names (`Correction.record`), so that a table
cell of that record's row under that field's column is read as corrected (engines/tables.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.models import Hit, Unit
from assistant.record_fields import FIELD, key_stems
from assistant.terms import DAY_WRITTEN

_CORRECTED = re.compile(r"(?im)^[ \t]*(?:field|item|entry)s?[ \t]+(?:corrected|amended|changed)[ \t]*:[ \t]*"
                        r"(?P<field>\S[^\n]*?)[ \t]*$")
_VALUE = re.compile(r"(?im)^[ \t]*(?:corrected|new|amended|revised)[ \t]+value[ \t]*:[ \t]*(?P<value>\S[^\n]*?)[ \t]*$")
_DATED = re.compile(r"(?im)^[ \t]*(?:date[ \t]+of[ \t]+(?:correction|amendment|change)|(?:corrected|amended|changed)"
                    r"[ \t]+on|effective(?:[ \t]+from)?)[ \t]*:[ \t]*(?P<date>\S[^\n]*?)[ \t]*$")
_LOOK_BACK = 6  # lines before the "Field corrected:" line where the entry's date line may stand
# a change block's heading: "Change 2 - Valid until", "Amendment 1: Named personnel"
_CHANGE = re.compile(r"(?im)^[ \t]*(?:change|amendment)[ \t]+(?:no\.?[ \t]*)?\d+[ \t]*[-–—:.)][ \t]*(?P<field>\S[^\n]*?)"
                     r"[ \t]*$")
# the record an amendment record amends: "Licence amended: EL-2026-0417", "Amends record: CR-2026-0112"
_AMENDS = re.compile(r"(?im)^[ \t]*(?:(?:licen[cs]e|record|permit|certificate|document)[ \t]+amended|amends"
                     r"(?:[ \t]+(?:licen[cs]e|record|permit|certificate))?)[ \t]*:[ \t]*(?P<id>[A-Z][A-Z0-9]*(?:[-/][A-Z0-9]+)+)")
# a correction written as prose (module docstring): its paragraph, then "The correct <field> is <value>"
_PROSE = re.compile(rf"(?m)^[ \t]*correction\b(?:[ \t]+(?:of|dated|on)[ \t]+(?P<date>{DAY_WRITTEN}))?[^:\n]{{0,80}}:"
                    rf"(?P<said>[^\n]*?)\bthe[ \t]+correct(?:ed)?[ \t]+(?P<field>[a-z][a-z \t-]{{1,40}}?)[ \t]+"
                    rf"(?:of[ \t]+\S+[ \t]+)?(?:is|was|should read|reads)[ \t]+(?P<value>(?:[A-Z]{{3}}[ \t]|[$€£][ \t]?)?"
                    rf"\d[\d,.]*\d|[^,;\n]+?)(?=[,;]|\.(?:\s|$)|$)", re.I)
_IDENTIFIER = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d[\w-]*")  # "SH-2026-0340", "EL-2026-0417"
_EFFECTIVE = re.compile(r"(?im)^[ \t]*effective(?:[ \t]+(?:date|from))?[ \t]*:[ \t]*(?P<date>\S[^\n]*?)[ \t]*$")


@dataclass(frozen=True)
class Correction:
    """One corrected field of a record: the field's name as stems ({"eccn"}), the corrected value ("EAR99"), the
    date written for it ("2 June 2026", "" when none), and the entry quoted (a unit in document offsets)."""

    field: frozenset[str]
    value: str
    date: str
    unit: Unit
    targets: frozenset[str] = frozenset()  # an amendment record's: the documents of the record it amends
    record: str = ""  # a prose correction's: the identifier of the record it corrects ("SH-2026-0340")


def _blocks(text: str, mark: re.Pattern) -> Iterable[tuple[re.Match, re.Match]]:
    """(the mark, its new-value line) of each block `mark` opens in `text`: a "Field corrected:" line or a change
    heading, and the first "Corrected value:" / "New value:" line before the next mark."""
    marks = list(mark.finditer(text))
    for i, m in enumerate(marks):
        v = _VALUE.search(text, m.end(), marks[i + 1].start() if i + 1 < len(marks) else len(text))
        if v is not None:
            yield m, v


def _changes(text: str) -> Iterable[tuple[int, int, str, str, str]]:
    """(start, end, field, value, date) of each change block of an amendment record's text (module docstring)."""
    for m, v in _blocks(text, _CHANGE):
        d = _EFFECTIVE.search(text, v.end())
        end = d.end() if d is not None and text.count("\n", v.end(), d.start()) <= 3 and not _CHANGE.search(
            text, v.end(), d.start()) else v.end()
        yield m.start(), end, m.group("field"), v.group("value"), d.group("date") if end > v.end() else ""


def _entries(text: str) -> Iterable[tuple[int, int, str, str, str]]:
    """(start, end, field, value, date) of each correction entry of a chunk's text."""
    for m, v in _blocks(text, _CORRECTED):
        before = text[:m.start()].split("\n")[-_LOOK_BACK - 1:]
        back = m.start() - len("\n".join(before))
        d = max(_DATED.finditer(text, back, m.start()), key=lambda x: x.start(), default=None)  # the nearest
        start = d.start() if d is not None else m.start()
        start += len(text[start:]) - len(text[start:].lstrip())
        yield start, v.end(), m.group("field"), v.group("value"), d.group("date") if d is not None else ""


def _prose(text: str) -> Iterable[tuple[int, int, str, str, str, str]]:
    """(start, end, field, value, date, record) of each correction written as prose in `text` (module docstring);
    the entry runs from "Correction" to the end of the sentence that gives the value."""
    for m in _PROSE.finditer(text):
        end = re.compile(r"\.(?=\s|$)|$", re.M).search(text, m.end("value"))
        record = _IDENTIFIER.search(m.group("said") + " " + m.group("field"))
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        yield start, end.end(), m.group("field"), m.group("value"), m.group("date") or "", \
            record.group(0) if record else ""


def collect(rows: Iterable[dict], docs: dict[str, dict]) -> tuple[Correction, ...]:
    """Every correction entry of the index's documents, and every change block of an amendment record (module
    docstring), read over each document's chunks joined in order, since an entry may straddle two chunks. `rows`:
    chunk rows (doc_id, chunk_id, start, end, text; start and end in document offsets); `docs`: {doc_id: metadata}.
    Read once when the index opens."""
    by_doc: dict[str, list[dict]] = {}
    for r in rows:
        by_doc.setdefault(r["doc_id"], []).append(r)
    out = []
    for doc in sorted(d for d, rs in by_doc.items()
                      if any(_CORRECTED.search(r["text"]) or _CHANGE.search(r["text"]) or _PROSE.search(r["text"])
                             for r in rs)):
        chunks = sorted(by_doc[doc], key=lambda r: r["start"])
        base = chunks[0]["start"]
        text = ["\n"] * (max(r["end"] for r in chunks) - base)
        for r in chunks:
            text[r["start"] - base:r["start"] - base + len(r["text"])] = r["text"]
        joined = "".join(text)
        amends = _AMENDS.search(joined)
        targets = _records(amends.group("id"), by_doc, docs, doc) if amends else frozenset()
        entries = [(*e, frozenset(), "") for e in _entries(joined)] + [
            (*e, targets, "") for e in (_changes(joined) if targets else ())] + [
            (*e[:5], frozenset(), e[5]) for e in _prose(joined)]
        for a, b, name, value, date, amended, record in entries:
            first = next(r for r in reversed(chunks) if r["start"] - base <= a)
            hit = Hit(chunk_id=first["chunk_id"], doc_id=doc, text=joined[first["start"] - base:b],
                      start=first["start"], end=base + b, score=0.0, meta=docs.get(doc, {}))
            unit = Unit(hit=hit, start=base + a, end=base + b, text=joined[a:b])
            out.append(Correction(key_stems(name), value.rstrip(" ."), date.rstrip(" ."), unit, amended, record))
    return tuple(out)


def _records(record_id: str, by_doc: dict[str, list[dict]], docs: dict[str, dict], own: str) -> frozenset[str]:
    """The documents (other than `own`) that are the record `record_id`: one of their field lines has it as its
    whole value ("Licence number: EL-2026-0417"), or their title names it."""
    out = set()
    for doc, rs in by_doc.items():
        if doc == own:
            continue
        title = str(docs.get(doc, {}).get("title") or "")
        if record_id in title or any(m.group("value").strip(" .") == record_id for r in rs
                                     for m in FIELD.finditer(r["text"])):
            out.add(doc)
    return frozenset(out)


def correction(corrections: Iterable[Correction], u: Unit) -> Correction | None:
    """The last correction of the field that record unit `u` quotes (`u`'s first `Label: value` line, not itself a
    correction entry): an entry further down the same document, or a change block of an amendment record of `u`'s
    document (that one ranks after the record's own entries); None when there is neither."""
    m = FIELD.search(u.text)
    if m is None or _CORRECTED.search(u.text) or _VALUE.search(u.text):
        return None
    key = key_stems(m.group("key"))
    found = [c for c in corrections if c.field == key and (
        c.unit.hit.doc_id == u.hit.doc_id and c.unit.start > u.start or u.hit.doc_id in c.targets)
        and (not c.record or c.record in u.text or c.record in str(u.hit.meta.get("title") or ""))]
    return max(found, key=lambda c: (bool(c.targets), c.unit.start)) if found else None


def cell_correction(corrections: Iterable[Correction], row: Unit, record: str, column: str) -> Correction | None:
    """The last prose correction, in the table row's own document, of the cell of `record`'s row (`row`, its
    first cell `record`) under the column headed `column` ("Net value (USD)" is corrected by "The correct net
    value is …": the field's stems are the header's, its bracketed unit aside); None when there is none."""
    head = key_stems(re.sub(r"\([^)]*\)", " ", column))
    found = [c for c in corrections if c.record and c.record == record.strip() and c.field and c.field == head
             and c.unit.hit.doc_id == row.hit.doc_id]
    return max(found, key=lambda c: c.unit.start) if found else None
