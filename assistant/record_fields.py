"""The fields of a record ("Validity: …", "Holder: …", "Quantity: 40 units") and the question words that name them,
shared by the abstention rules (a named record's field that answers is evidence enough) and the short answer that
quotes the field (assistant.engines.fields)."""

from __future__ import annotations

import re

from assistant.terms import CALENDAR, RECORD_ID, stem, words

# a `Label: value` line of a record
FIELD = re.compile(r"(?m)^[ \t]*(?P<key>[A-Z][\w ./()-]{1,40}?)[ \t]*:[ \t]+(?P<value>\S[^\n]{0,160}?)[ \t]*$")

# what a question asks and the field that answers it under another name: "When does it expire?" / "Valid until:"
ASKED_AS = {stem("expire"): {stem("valid"), stem("until"), stem("expiry"), stem("expires")},
            stem("expiry"): {stem("valid"), stem("until")},
            **dict.fromkeys([stem(w) for w in ("wrote", "write", "written", "sent", "signed")],  # "Who wrote memo
                            {stem("from"), stem("author"), stem("signed")})}  # EC-2026-007?": "From: Dana Whitfield"
# asks how long something lasts: "Until when can we ship under EUC-2026-0088?", "How long is it valid?"
LASTING = re.compile(r"\b(?:until|till|through)\s+when\b|\bhow long\b", re.I)
_ASK_WORDS = frozenset({"who", "what", "when", "which", "where"})


def matches(term: str, key: set[str]) -> bool:
    """A question term names a field: the same stem, one the other begins with ("hold" / "holder"), or a field
    name that answers it ("expire" / "Valid until")."""
    return bool(ASKED_AS.get(term, set()) & key) or any(
        term == k or (min(len(term), len(k)) >= 4 and (k.startswith(term) or term.startswith(k))) for k in key)


def key_of(m: re.Match) -> set[str]:
    """The stems of a FIELD match's label ("Valid until" -> {"valid", "until"})."""
    return {stem(w.lower()) for w in words(m.group("key"))}


def records_named(q) -> list[str]:
    """The record identifiers the question or its conversation names ("TP-88-0102", "D-554321")."""
    return [n for n in (*q.names, *q.context_names) if RECORD_ID.fullmatch(n) and any(c.isdigit() for c in n)]


def asked_terms(q) -> list[str]:
    """The question's terms that may name a field: not the record's own words nor a wh-word; "expire" added for a
    question asking how long ("Until when …?": the "Validity:" line answers it)."""
    named = {stem(w) for n in (*q.names, *q.context_names) if not n.isupper() or any(c.isdigit() for c in n)
             for w in words(n)}  # an acronym is a field's name ("ECCN"), not the record's
    terms = [t for t in q.terms if t not in named and t not in _ASK_WORDS]
    if q.kind == "date" and LASTING.search(q.ask or q.core):
        terms.append(stem("expire"))
    return terms


def answering_field(q, text: str) -> re.Match | None:
    """The first field of record `text` that a date question's terms name and whose value writes a date ("Until
    when can we ship under EUC-2026-0088?" -> "Validity: … on or before 31 October 2026"), or None; other kinds of
    question get None (their fields are weighed by the answerability model)."""
    if q.kind != "date":
        return None
    terms = asked_terms(q)
    return next((m for m in FIELD.finditer(text) if CALENDAR.search(m.group("value"))
                 and any(matches(t, key_of(m)) for t in terms)), None)
