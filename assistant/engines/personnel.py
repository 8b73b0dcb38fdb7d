"""A rule that permits something only to the staff a licence names, held against the person the question names:
"Can John Smith test the 910C in the Penang lab?" under "Testing … is permitted only in the Penang lab, under export
licence EL-2026-0417, and only by staff named on that licence" is a "No." when the licence record's "Named
personnel: Aisha Rahman, Tan Wei Ling" leaves John Smith out, and keeps its conditional "Yes" for Tan Wei Ling; both
quote the record's field and label the comparison as the inference it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assistant.engines.base import Context
from assistant.engines.corrections import correction
from assistant.engines.fields import part_of
from assistant.engines.framing import flat, source
from assistant.engines.threshold import dates_in
from assistant.models import Unit
from assistant.terms import RECORD_ID

_NAMED_ONLY = re.compile(r"\bonly by (?:the\s+)?(?:staff|personnel|persons|people|employees|individuals|engineers)\s+"
                         r"(?:named|listed|identified)\s+(?:on|in)\s+(?:that|the|this|its|such)\s+(?:licen[cs]e|permit|"
                         r"authori[sz]ation|record)\b", re.I)
_STAFF_FIELD = re.compile(r"(?mi)^[ \t]*(?:named|authori[sz]ed|approved|listed)\s+(?:personnel|persons|staff|users|"
                          r"individuals|engineers)[ \t]*:[ \t]*(?P<value>[^\n]+?)[ \t]*$")
_ASKED_OF = re.compile(r"^\W*(?i:can|may|could|is|are|does|would|will|should|must)\s+(?P<who>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+)"
                       r"\s+(?!(?:and|or)\b)[a-z]")


_PRONOUN = re.compile(r"^\W*(?:can|may|could|is|does|would|will|should)\s+(?:he|she)\b", re.I)


@dataclass(frozen=True)
class Staffed:
    person: str    # as the question writes it ("John Smith")
    field: Unit    # the record's field that names the staff ("Named personnel: Aisha Rahman, Tan Wei Ling")
    listed: bool   # whether the field names the person


def asked_person(q, quote: str = "") -> str | None:
    """The person a yes/no question asks about: two or more capitalised words right after its verb, all names of
    the question and none a word of the rule `quote` ("Can John Smith test …?" -> "John Smith"; not "Is testing a
    Huawei Ascend 910C … allowed?", nor "Can Ascend Labs test …?" under a rule about Ascend chips); for "Can he / she
    …?" after a case, the person the case names ("We just hired Kevin Lee … Can he run the tests?"); or None."""
    names = set(q.names) - set(q.context_names)
    said = {w.lower() for w in re.findall(r"\w+", quote)}
    m = _ASKED_OF.match(q.ask or q.core)  # the one the question asks about: "Can John Smith test …?"
    run = m.group("who").split() if m else []
    if not run and _PRONOUN.match(q.ask or "") and q.ask != q.core:  # "Tan Wei Ling wants to test … Can she do
        told = q.core[:q.core.rfind(q.ask)]  # that?": the person the case told of, two of whose words are names
        names = set(q.context_names)
        run = next((r.split() for r in re.findall(r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2}", told)
                    if sum(w in names for w in r.split()) >= 2 and not {w.lower() for w in r.split()} & said), [])
        return " ".join(run) or None
    return " ".join(run) if all(w in names and w.lower() not in said for w in run) and len(run) >= 2 else None


def named_staff(ctx: Context, quote: str) -> Staffed | None:
    """The person the question names against the staff field of the record the rule `quote` requires, when the rule
    permits only staff named on a licence it identifies, and a retrieved unit of that record has such a field; None
    otherwise (no person asked about, no such rule, or the record not among the passages)."""
    person = asked_person(ctx.question, quote)
    ids = [m.group(0) for m in RECORD_ID.finditer(quote) if any(c.isdigit() for c in m.group(0))]
    if person is None or not ids or not _NAMED_ONLY.search(quote):
        return None
    for u in ctx.units[:40]:
        m = _STAFF_FIELD.search(u.text)
        if m and any(i in u.hit.text for i in ids) and u.hit.doc_id not in ctx.superseded:
            field = part_of(u, m.start(), m.end())
            field = part_of(field, len(field.text) - len(field.text.lstrip()), len(field.text))
            named, value = _in_force(ctx, field, m.group("value"))
            listed = bool(re.search(rf"(?<!\w){re.escape(person)}(?!\w)", value, re.I))
            return Staffed(person, named, listed)
    return None


def _in_force(ctx: Context, field: Unit, value: str) -> tuple[Unit, str]:
    """The staff field as in force on the day the question asks about (the first date it writes, else today): the
    record's own line, or an amendment's change of it once effective ("Change 1 - Named personnel … New value: Aisha
    Rahman, Kevin Lee Effective date: 1 August 2026"; engines/corrections.py). (the unit to quote, the names)."""
    c = correction(ctx.corrections, field)
    if c is None:
        return field, value
    effective = dates_in(c.date)
    asked = dates_in(ctx.question.core)
    day = asked[0][0] if asked else date.today()
    return (field, value) if effective and day < effective[0][0] else (c.unit, c.value)


def staff_lines(staffed: Staffed, marker: str) -> list[str]:
    """The record's staff field quoted with its `marker` ("[2]"), then whether the person is among them, labelled
    as the inference it is (the last line: the engine composed it)."""
    return [f"{source(staffed.field)} names the staff: “{flat(staffed.field.text).rstrip(' .')}” {marker}.",
            f"This is an inference the documents support but do not state: {staffed.person} is "
            f"{'' if staffed.listed else 'not '}among the staff it names."]


def staffed_verdict(ctx: Context, quote: str, verdict: str, restriction: bool) -> tuple[str, Staffed | None]:
    """The rule's `verdict`, turned when the rule `quote` permits it only to the staff a licence names and the
    person asked about is not among them ("No.", or "Yes." when the question asks whether it is a violation:
    `restriction`); and that comparison (None when there is none to make, `named_staff`)."""
    staffed = named_staff(ctx, quote)
    if staffed is not None and not staffed.listed:
        verdict = "Yes." if restriction else "No."
    return verdict, staffed
