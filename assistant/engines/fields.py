"""The short answer read from a record's field: "Who holds transit permit TP-88-0102?" is answered by the permit's
line "Holder: Kestrel Logistics Sdn Bhd", quoted alone rather than with the whole record, when the question names
the record by its identifier and a word of the question is the field's name or its stem ("holds" / "Holder",
"route" / "Route")."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context
from assistant.engines.cases import another_case
from assistant.engines.framing import BottomLine, ShortAnswer, flat, source
from assistant.evidence import identifiers
from assistant.models import Unit
from assistant.neighbours import next_chunk
from assistant.record_fields import (
    ASKED_AS,
    FIELD,
    LASTING,
    PRODUCT,
    asked_terms,
    key_of,
    matches,
    record_kinds,
    records_named,
)
from assistant.record_fields import lasting as asks_until
from assistant.terms import CALENDAR, DAY_WRITTEN, RECORD_ID, holds, stem, stem_set, words
from assistant.verify import Passage, framed
from kernel.sentences import sentences

FIELD_UNITS = 15  # how far down the ranked units a field of the named record is looked for (the whole record is read)
_AS_WRITTEN = frozenset(stem(w) for w in ("status", "state"))
_NO_FIELD = frozenset({stem("value")})  # "What TPP value …?" asks for a value, not for a "Previous value:" field
_COUNTED = frozenset(stem(w) for w in ("quantity", "qty", "number", "units", "count"))  # a field a "how many" reads


def part_of(u: Unit, start: int, end: int) -> Unit:
    """The part of unit `u` from `start` to `end` (offsets in its text) as a unit of its own: a record's line."""
    return replace(u, start=u.start + start, end=u.start + end, text=u.text[start:end])


_END = re.compile(r"(?<!\b[A-Z])(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z]{2})\.$")  # a sentence's full stop, not "Sdn. Bhd."
_LINE = re.compile(r"[^\n]*\S[^\n]*")
# asks whether a record is free of what a field states: "… fully authorised with no conditions?"
_NONE = re.compile(r"\b(?:with\s+no|without(?:\s+any)?|free\s+of)\s+(?P<what>[a-z][\w -]{2,30}?)\W*$", re.I)
_ANY = re.compile(r"^\W*(?:(?:are|is)\s+there\s+(?:any\s+)?(?P<what>[\w -]{3,40}?)\s+(?:on|in|for|under|of|attached\s+to)\s|"
                  r"(?:does|do|did|has)\s+(?:[\w.-]+\s+){1,4}?(?:have|carry|set|impose|attach|got)\s+(?:any\s+)?"
                  r"(?P<what2>[a-z][\w -]{2,30}?)\W*$)", re.I)  # "Does licence EL-2026-0417 have any conditions?"


def _whole_line(u: Unit, m: re.Match, hits=()) -> Unit:
    """The record line of FIELD match `m` (in `u.text`) as a unit, to its end though `u` ends before it, and into
    the next chunk among `hits` when the chunk ends inside the line: a field of two sentences ("Conditions: Units
    must be returned … Quarterly usage reports are due …") is split into two units, and the first alone would hide
    the second condition."""
    h = u.hit
    text = h.text
    a = u.start - h.start + m.start("key")
    if "\n" not in text[a:] and (after := next_chunk(h, hits)) is not None:
        text += " " * (after.start - h.end) + after.text  # the chunk boundary fell inside the line
    end = text.find("\n", a)
    end = len(text) if end < 0 else end
    return Unit(hit=h, start=h.start + a, end=h.start + end, text=text[a:end].rstrip())


def _fields(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each field of a record's text: a `Label: value` line with the lines that continue it."""
    out: list[list[int]] = []
    for m in _LINE.finditer(text):
        if out and not FIELD.match(m.group()):
            out[-1][1] = m.end()  # "Conditions: Units must be returned …" + "Quarterly usage reports are due …"
        else:
            out.append([m.start(), m.end()])
    return [(a, b) for a, b in out]


def field_of(u: Unit, span: str) -> Unit:
    """The field of record unit `u` that holds `span` ("12 units" -> its "Authorised quantity: 12 units" line), for
    a short answer to quote; `u` itself when it is no record or no one field holds the span."""
    spans = _fields(u.text)
    if len(spans) < 3 or sum(bool(FIELD.match(u.text[a:b])) for a, b in spans) < 3:
        return u
    held = [(a, b) for a, b in spans if span in u.text[a:b]]
    return part_of(u, *held[0]) if len(held) == 1 else u


def record_excerpt(u: Unit, q, quoted: set[tuple[str, int]], most: int = 4) -> Unit | None:
    """What of a record unit the evidence list quotes (a record: three or more `Label: value` fields).

    - The question names the record by its identifier: the fields that hold a word of the question other than the
      record's identifying words ("Are there any conditions on licence EL-2026-0417?" -> its "Conditions: …"
      field, not the whole 500-character record), as one contiguous quote of at most `most` fields (else the field
      that holds most of them); a record with another identifier of the same shape (EL-2025-0001 when EL-2025-0003 is asked
      about) is not quoted at all (None).
    - It does not, and asks which one ("Which licence authorises 2,500 units?": a word of the question names the
      record's identifying field, "Licence number"): which record it is belongs to the answer, so the quote runs from the record's first field to the last field that holds a word of the question that no field
      before it holds ("Authorised quantity: 12 units", not a later "Conditions: Units must be returned …").
      Otherwise, as for a named record.
    - No field holds one: None when an earlier line of the answer already quotes a field of it (`quoted`: (doc_id,
      start) of the units quoted), else the record's first three fields (what the record is).
    Any other unit comes back as it is."""
    spans = _fields(u.text)
    if len(spans) < 3 or sum(bool(FIELD.match(u.text[a:b])) for a, b in spans) < 3:
        return u
    named = records_named(q)
    ids = {m.group(0) for m in RECORD_ID.finditer(u.text) if any(c.isdigit() for c in m.group(0))}
    if named and not any(r in u.text for r in named) and set(identifiers(ids).values()) & set(identifiers(named).values()):
        return None
    own = {stem(w) for n in named for w in words(n)}
    own |= {t for a, b in spans if any(r in u.text[a:b] for r in named) for t in stem_set(u.text[a:b])}
    terms = [t for t in q.terms if t not in own]

    def bears(a: int, b: int) -> set[str]:
        m = FIELD.match(u.text[a:b])
        key = {stem(w.lower()) for w in words(m.group("key"))} if m else set()
        if m and RECORD_ID.fullmatch(m.group("value").strip()):
            return set()  # "Licence No.: EL-2026-0417" says which record it is, not what it holds
        return {t for t in terms if matches(t, key) or t in stem_set(u.text[a:b])}
    held = {(a, b): bears(a, b) for a, b in spans if (u.hit.doc_id, u.start + a) not in quoted}
    found = [f for f, ts in held.items() if ts]
    id_keys = {stem(w.lower()) for a, b in spans if (m := FIELD.match(u.text[a:b]))
               and RECORD_ID.fullmatch(m.group("value").strip()) for w in words(m.group("key"))}
    which = re.match(r"^\W*(?:which|what)\b", q.ask or q.core, re.I) and any(matches(t, id_keys) for t in q.terms)
    if found and not named and which:  # up to the last field that holds a word of the question no field before it holds
        seen: set[str] = set()
        last = [f for f in found if not held[f] <= seen and not seen.update(held[f])][-1]
        return part_of(u, spans[0][0], last[1])
    if found:
        a, b = (found[0][0], found[-1][1]) if len([s for s in spans if found[0][0] <= s[0] < found[-1][1]]) <= most \
            else max(found, key=lambda f: len(held[f]))
        return part_of(u, a, b)
    if any(doc == u.hit.doc_id and u.start <= at < u.end for doc, at in quoted):
        return None
    return part_of(u, spans[0][0], spans[2][1])


# a date with the words that say how it bounds the value: "on or before 31 October 2026", "until 1 July 2026"
_BOUNDED = re.compile(r"(?:\b(?:on or before|on or after|no later than|not later than|until|till|through|by|before|"
                      r"after|from|since|on|in)\s+)?(?:the\s+)?" + DAY_WRITTEN)


def dated(value: str) -> str:
    """A field's value as the line that answers a date question: "On 3 March 2026" for "3 March 2026"; for a value
    that is a sentence ("This certificate covers shipments dispatched on or before 31 October 2026."), its date
    with the words that bound it, "On or before 31 October 2026"; the value itself when it writes no whole date."""
    m = _BOUNDED.search(value)
    if m is None:
        return f"On {value}" if CALENDAR.search(value) else value
    bound = m.group(0)
    return bound[0].upper() + bound[1:] if bound[0].islower() else f"On {bound}"


def field_answer(ctx: Context) -> ShortAnswer | None:
    """The field of the record the question names whose name the question asks for, as a short answer quoting its
    line; None when the question names no record identifier or no top unit of that record has such a field."""
    q = ctx.question
    records, asked = records_named(q), q.ask or q.core
    any_of = (_ANY.match(asked) or _NONE.search(asked)) if q.kind == "yes_no" else None  # "Are there any
    # conditions on EL-…?"; "Is licence EL-… fully authorised with no conditions?" (then the answer is "No")
    if not records and q.kind in ("person", "date", "number") and q.language == "en":
        return titled_field(ctx)  # "When is the next Export Control Board meeting?": the minutes' "Next meeting:"
    if not records or (q.kind not in ("person", "fact", "date", "number", "place") and not any_of):
        return None  # (in another language, asked_terms gives only the field names its glossary knows)
    terms = [t for t in asked_terms(q) if t not in _NO_FIELD]
    if not terms:
        return None
    # an acronym the question asks about that a field's value writes: "What TPP value is the classification based
    # on?" -> "Technical basis: Total processing performance (TPP) of 4,960 …", not "Classified by: …"
    acronyms = {stem(n.lower()) for n in q.names if n.isupper() and n.isalpha() and len(n) > 1} & set(terms)
    fields = [(u, m, {stem(w.lower()) for w in words(m.group("key"))}) for u in ctx.units[:FIELD_UNITS]
              if u.hit.doc_id not in ctx.superseded
              and any(r in u.hit.text + " " + str(u.hit.meta.get("title") or "") for r in records)
              for m in FIELD.finditer(u.text)]
    # a field named by the question's very word first, then for "how many" one whose value counts ("How many units
    # does it authorise?": "Authorised quantity: 12 units", not "Issuing authority", stemmed alike); else in order
    said = stem_set(q.ask or q.core) - record_kinds(q)  # the question's words, the records' kinds aside
    fields.sort(key=lambda f: (bool(acronyms) and not acronyms & (f[2] | stem_set(f[1].group("value"))),  # "What
                               # is the ECCN … according to the certificate?": "Items: … (ECCN 3A090)", not "Certificate No."
                               not any(t in f[2] or ASKED_AS.get(t, set()) & f[2] for t in terms),
                               not f[2] <= said,  # its whole name asked: "Valid until", not "Date of amendment"
                               not acronyms & stem_set(f[1].group("value")),
                               q.kind == "number" and not re.search(r"\d", f[1].group("value"))))
    counting = q.kind == "number" and bool(re.match(r"^\W*how many\b", q.ask or q.core, re.I))
    for u, m, key in fields:
        if counting and key & _COUNTED and re.search(r"\d", m.group("value")):
            key = key | set(terms)  # "How many MX-400 cards does EUC-2026-0088 cover?": its "Quantity: 40 units"
        if key & _AS_WRITTEN or any(r in m.group("key") for r in records):  # "Status: Active" is what the record
            continue  # said the day it was written (engines/status.py); "Procedure TC-P-004: Escalation of …" is a
            # title line, not a field
        if not (any(matches(t, key) for t in terms) or acronyms & stem_set(m.group("value"))) \
                or any(r in m.group("value") for r in records if not PRODUCT.fullmatch(r)):  # "Items: MX-400 …"
            # answers "What is the ECCN of the MX-400 …?"; a record's own identifier field answers nothing
            continue
        line, value = _whole_line(u, m, ctx.hits), m.group("value").strip()
        if q.kind == "date" and not CALENDAR.search(value):
            continue  # "Until when can we export under EUC-…?" is not answered by its "Exporter:" line
        lasting = asks_until(q) and CALENDAR.search(value)  # "How long is it valid?", "Bis wann ist sie gültig?"
        shown = dated(value) if q.kind == "date" or lasting else _END.sub("", value)  # "On 3 March 2025"
        if any_of:
            what = any_of.group("what") or any_of.groupdict().get("what2") or ""
            if not any(matches(stem(w.lower()), key) for w in words(what)):
                continue
            shown = "No" if any_of.re is _NONE else "Yes"  # the record has the field asked about: "Yes, per EXPORT
            # LICENCE RECORD: “Conditions: …”"; "… with no conditions?": "No, per …"
        text = f"{shown}, per {source(line)}: “{line.text}” [n]."
        if not any_of and len(words(line.text[m.end("value") - m.start("key"):])) >= 3:  # "Conditions: Units must
            # be … Quarterly usage reports …": the line goes on past the unit's first sentence of it
            text = f"Per {source(line)}: “{line.text}” [n]."  # is the answer; its first sentence is not
        if framed(text.replace(" [n].", "."), Passage(1, line.hit, line.start, line.end, line.text)) is None:
            continue
        return ShortAnswer(value, line, text, "field")
    return None


def titled_field(ctx: Context) -> ShortAnswer | None:
    """The field that answers a who / when / how-many question naming no record: every word of its name is a term
    of the question, and its document's title holds all the others ("When is the next Export Control Board
    meeting?" -> "Next meeting: 22 July 2026" of "Minutes of the Export Control Board meeting ECB-2026-09"; stop
    24's trial got the minutes' "Place:" line); None otherwise."""
    q = ctx.question
    terms = {t for t in q.terms if t not in ("who", "when", "mani", "much")}
    for u in ctx.units[:FIELD_UNITS]:
        if u.hit.doc_id in ctx.superseded:
            continue
        title = stem_set(str(u.hit.meta.get("title") or ""))
        for m in FIELD.finditer(u.text):
            key = key_of(m)
            value = m.group("value").strip()
            if not key or not key <= terms or not terms - key <= title or \
                    (q.kind == "date" and not CALENDAR.search(value)) or (q.kind == "number" and not re.search(r"\d", value)):
                continue
            line = _whole_line(u, m, ctx.hits)
            shown = dated(value) if q.kind == "date" else _END.sub("", value)
            text = f"{shown}, per {source(line)}: “{line.text}” [n]."
            if framed(text.replace(" [n].", "."), Passage(1, line.hit, line.start, line.end, line.text)) is not None:
                return ShortAnswer(value, line, text, "field")
    return None


# asks when a document stops holding: "When does memo EC-2026-007 expire?", "Until when is it in force?"
_ENDS = re.compile(r"\b(?:expir(?:e|es|ed|y)|lapses?|run(?:s)? out|ceases?|in force|valid|end)\b", re.I)
# a sentence that says until when its document holds: "This memo remains in force until 31 December 2026."
_HOLDS_UNTIL = re.compile(r"\b(?:(?:in force|valid|effective|in effect|applicable|applies)\s+(?:until|till|through)|"
                          r"expires?\s+(?:on\s+)?|lapses?\s+(?:on\s+)?)\s*(?:the\s+)?" + DAY_WRITTEN, re.I)


def lasting(ctx: Context) -> ShortAnswer | None:
    """"Until 31 December 2026, per …: “This memo remains in force until 31 December 2026.”" for a date question
    asking when a document the question names by identifier expires or stops holding, from a sentence of that
    document that says so (in prose: a "Valid until:" field is `field_answer`'s); None otherwise (stop 24's trial
    answered "When does memo EC-2026-007 expire?" with the circular's sentences that amend the memo)."""
    q = ctx.question
    records = records_named(q)
    if q.kind != "date" or q.language != "en" or not records or not (_ENDS.search(q.ask or q.core) or
                                                                      LASTING.search(q.ask or q.core)):
        return None
    docs = {h.doc_id for h in ctx.hits if any(r in h.text or r in str(h.meta.get("title") or "") for r in records)}
    for u in ctx.units[:40]:
        if u.heading or u.hit.doc_id not in docs or u.hit.doc_id in ctx.superseded:
            continue
        for a, b in sentences(u.text):
            said = u.text[a:b].strip()
            if not _HOLDS_UNTIL.search(said):
                continue
            at = u.text.index(said, a)
            part = part_of(u, at, at + len(said))
            line = f"{dated(said)}, per {source(part)}: “{flat(said).rstrip(' .')}” [n]."
            if framed(line.replace(" [n].", "."), Passage(1, part.hit, part.start, part.end, part.text)) is not None:
                return ShortAnswer(said, part, line, "date")
    return None


# what a yes/no question asks to be required ("Are quarterly usage reports required under licence EL-2026-0417?")
_ASKS_DUTY = re.compile(r"\b(?:required|require[sd]?|need(?:ed|s)?|must|mandatory|have to|has to|due|obliged)\b", re.I)
_DUTY_WORDS = frozenset(stem(w) for w in ("required", "require", "need", "needed", "must", "mandatory", "due", "obliged",
                                          "under", "licence", "license", "record", "certificate"))
# a sentence of a record that states a duty: "Quarterly usage reports are due to the licensing officer."
DUTY = re.compile(r"\b(?:must|shall|(?:is|are) (?:due|required)|required to|needs? to|has to|have to)\b", re.I)


def record_duty(ctx: Context, first: int = 1) -> BottomLine | None:
    """"Yes." when a yes/no question asks whether something is required under a record it names, and a sentence of
    that record states the duty with every other word of the question ("Are quarterly usage reports required under
    licence EL-2026-0417?" and its "Conditions: … Quarterly usage reports are due to the licensing officer."; the
    trial of stop 24 got "No, as long as its conditions are met" from a memo's rule about testing); else None."""
    q = ctx.question
    records = [r for r in records_named(q) if not PRODUCT.fullmatch(r)]  # a record, not the model "MX-400"
    if q.kind != "yes_no" or q.language != "en" or not records or not _ASKS_DUTY.search(q.ask or q.core):
        return None
    own = {stem(w) for r in records for w in words(r)} | {r.lower() for r in records}
    wanted = {t for t in q.terms if t not in own and t not in _DUTY_WORDS}
    if len(wanted) < 2:
        return None
    named = {v.hit.doc_id for v in ctx.units if any(r in v.hit.text for r in records)}  # the record's documents
    for u in ctx.units[:10]:
        if u.heading or u.hit.doc_id not in named:
            continue
        for a, b in sentences(u.text):
            said = u.text[a:b].strip()
            if DUTY.search(said) and all(holds(t, stem_set(said)) for t in wanted) and not another_case(
                    said, {*q.names, *q.context_names}):  # "must report SH-2026-0322": not the SH-2026-0315 asked
                at = u.text.index(said, a)
                part = part_of(u, at, at + len(said))
                return BottomLine([f"Yes. {source(part)} reports: “{flat(said).rstrip(' .')}” [{first}]."], [part], [])
    return None
