"""The short answer read from a record's field: "Who holds transit permit TP-88-0102?" is answered by the permit's
line "Holder: Kestrel Logistics Sdn Bhd", quoted alone rather than with the whole record, when the question names
the record by its identifier and a word of the question is the field's name or its stem ("holds" / "Holder",
"route" / "Route")."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context
from assistant.engines.bottom_line import RECORD_ID
from assistant.engines.framing import ShortAnswer, source
from assistant.models import Unit
from assistant.terms import CALENDAR, stem, words
from assistant.verify import Passage, framed

_FIELD = re.compile(r"(?m)^[ \t]*(?P<key>[A-Z][\w /()-]{1,30}?)[ \t]*:[ \t]+(?P<value>\S[^\n]{0,160}?)[ \t]*$")
_AS_WRITTEN = frozenset(stem(w) for w in ("status", "state"))


# what a question asks and the field that answers it under another name: "When does it expire?" / "Valid until:"
_ASKED_AS = {stem("expire"): {stem("valid"), stem("until"), stem("expiry"), stem("expires")},
             stem("expiry"): {stem("valid"), stem("until")},
             **dict.fromkeys([stem(w) for w in ("wrote", "write", "written", "sent", "signed")],  # "Who wrote memo
                             {stem("from"), stem("author"), stem("signed")})}  # EC-2026-007?": "From: Dana Whitfield"


def _matches(term: str, key: set[str]) -> bool:
    """A question term names a field: the same stem, one the other begins with ("hold" / "holder"), or a field
    name that answers it ("expire" / "Valid until")."""
    return bool(_ASKED_AS.get(term, set()) & key) or any(
        term == k or (min(len(term), len(k)) >= 4 and (k.startswith(term) or term.startswith(k))) for k in key)


def records_named(q) -> list[str]:
    """The record identifiers the question or its conversation names ("TP-88-0102", "D-554321")."""
    return [n for n in (*q.names, *q.context_names) if RECORD_ID.fullmatch(n) and any(c.isdigit() for c in n)]


def part_of(u: Unit, start: int, end: int) -> Unit:
    """The part of unit `u` from `start` to `end` (offsets in its text) as a unit of its own: a record's line."""
    return replace(u, start=u.start + start, end=u.start + end, text=u.text[start:end])


def field_answer(ctx: Context) -> ShortAnswer | None:
    """The field of the record the question names whose name the question asks for, as a short answer quoting its
    line; None when the question names no record identifier or no top unit of that record has such a field."""
    q = ctx.question
    records = records_named(q)
    if not records or q.kind not in ("person", "fact", "date", "number", "place"):
        return None
    named = {stem(w) for n in (*q.names, *q.context_names) for w in words(n)}
    terms = [t for t in q.terms if t not in named and t not in {"who", "what", "when", "which", "where"}]
    fields = [(u, m, {stem(w.lower()) for w in words(m.group("key"))}) for u in ctx.units[:5]
              if u.hit.doc_id not in ctx.superseded
              and any(r in u.hit.text + " " + str(u.hit.meta.get("title") or "") for r in records)
              for m in _FIELD.finditer(u.text)]
    # a field named by the question's very word first, then for "how many" one whose value counts ("How many units
    # does it authorise?": "Authorised quantity: 12 units", not "Issuing authority", stemmed alike); else in order
    fields.sort(key=lambda f: (not any(t in f[2] or _ASKED_AS.get(t, set()) & f[2] for t in terms),
                               q.kind == "number" and not re.search(r"\d", f[1].group("value"))))
    for u, m, key in fields:
        if key & _AS_WRITTEN:
            continue  # "Status: Active" is what the record said the day it was written (engines/status.py)
        if not any(_matches(t, key) for t in terms) or any(r in m.group("value") for r in records):
            continue
        line = part_of(u, m.start("key"), m.end("value"))
        value = m.group("value").strip()
        shown = f"On {value}" if q.kind == "date" and CALENDAR.search(value) else value  # "On 3 March 2025"
        text = f"{shown}, per {source(line)}: “{line.text}” [n]."
        if framed(text.replace(" [n].", "."), Passage(1, line.hit, line.start, line.end, line.text)) is None:
            continue
        return ShortAnswer(value, line, text, "field")
    return None
