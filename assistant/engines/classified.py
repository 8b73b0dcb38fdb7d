"""Whether the product a case names is in the class of items a rule covers, by the product's classification record
when that record has corrected it out of the class since.

Memo EC-2026-007's rule 3 covers "items classified under ECCN 3A090"; classification record CR-2026-0112 first put
the MX-220 under "ECCN: 3A090.a", then corrected it ("Field corrected: ECCN … Corrected value: EAR99", 2 June 2026).
Stop 24's trial asked "We plan to ship 50 MX-220 modules to Vietnam next month. Do we need a licence determination?"
and got "Yes." from the rule alone. The bottom line is now that the rule does not reach the product, with the
correction and the rule quoted, and the field as first written after them. A case dated before the correction keeps
the rule (None here). A record that still classifies the product in the rule's class is no concern of this module.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context
from assistant.engines.corrections import correction
from assistant.engines.framing import BottomLine, Rule, flat, source
from assistant.engines.threshold import dates_in
from assistant.models import Unit
from assistant.record_fields import FIELD, PRODUCT

# a classification code: an ECCN ("3A090", "3A090.a", "5A992.c") or EAR99
CODE = re.compile(r"(?<![\w.])(?:\d[A-E]\d{3}(?:\.[a-z0-9]+)*|EAR99)(?![\w])")



def products(q) -> list[str]:
    """The product model numbers the question or the case told before it names ("MX-220"), in order."""
    return [n for n in dict.fromkeys((*q.names, *q.context_names)) if PRODUCT.fullmatch(n)]


def _named(item: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(item)}(?!\w)", text, re.I) is not None


def reclassified(ctx: Context, lead: Rule, items: list[str], first: int = 1) -> BottomLine | None:
    """The bottom line for a case whose product (`items`: the model numbers the question names, "MX-220") a record
    classified under a code the rule names and has corrected to a code it does not (module docstring), or None.
    Lines: the composed verdict, the correction quoted [first], the rule [first + 1], the field as first written."""
    codes = set(CODE.findall(lead.quote))
    if not codes or not items:
        return None
    case_day = next(iter(dates_in(ctx.question.core)), None)  # the case told: "We shipped … on 15 April 2026."
    for item in items:
        docs = {h.doc_id for h in ctx.hits if _named(item, h.text)} - {lead.unit.hit.doc_id}
        for field, c in _corrected(ctx, docs, codes):
            if any(c.value.startswith(code) for code in codes):
                return None  # corrected within the rule's class
            days = dates_in(c.date)
            if case_day is not None and days and case_day[0] < days[0][0]:
                return None  # a case before the correction: the classification then in force stands
            since = f" since {c.date}" if c.date else ""
            verdict = (f"Not under this rule: it is about {' and '.join(sorted(codes))}, and the {item} has "
                       f"been classified {c.value}{since}.")
            lines = [verdict, f"{source(c.unit)} records the correction: “{flat(c.unit.text).rstrip(' .')}” [{first}].",
                     f"{source(lead.unit)} reports: “{flat(lead.quote)}” [{first + 1}]."]
            if field is not None:
                lines.append(f"Before the correction, the record read: “{flat(field.text).rstrip(' .')}” [{first + 2}].")
            return BottomLine(lines, [c.unit, lead.unit, *([field] if field is not None else [])], [verdict])
    return None


_PREVIOUS = re.compile(r"(?im)^[ \t]*(?:previous|old|original|former)[ \t]+value[ \t]*:[ \t]*(?P<value>\S[^\n]*)$")


def _corrected(ctx: Context, docs: set[str], codes: set[str]):
    """(the field as first written or None, its correction) for each classification the records `docs` give under a
    code of `codes` and have corrected: through a retrieved field line ("ECCN: 3A090.a") and its correction entry,
    else through a correction entry whose previous value is such a code (the field's chunk was not retrieved)."""
    def coded(value: str) -> bool:
        return any(v.startswith(c) for v in CODE.findall(value) for c in codes)

    for h in ctx.hits:  # the record's chunks as retrieved: its "ECCN:" line need not rank among the passages
        if h.doc_id not in docs:
            continue
        for m in FIELD.finditer(h.text):
            if coded(m.group("value")):
                field = Unit(hit=h, start=h.start + m.start("key"), end=h.start + m.end("value"),
                             text=h.text[m.start("key"):m.end("value")])
                if (c := correction(ctx.corrections, field)) is not None:
                    yield field, c
    for c in ctx.corrections:
        if c.unit.hit.doc_id in docs and (m := _PREVIOUS.search(c.unit.text)) and coded(m.group("value")):
            yield None, c


# asks whether a product is in a class: "Is the MX-400 a 3A090 item?", "Is MX-220 classified under 3A090?", "Does the
# MX-400 fall under ECCN 3A090?"
_IN_CLASS = re.compile(r"^\W*(?:is|are|was|were|does|do)\b.*\b(?:item|items|classified|class|fall|falls|under|covered|"
                       r"controlled|eccn)\b", re.I)
# a product written with its code in the same line: "MX-400 inference accelerator cards (ECCN 3A090)",
# "the MX-220 is classified as EAR99"
_WITH_CODE = r"(?<!\w){item}(?!\w)[^\n.;]{{0,60}}?(?:\(\s*ECCN\s+|\bECCN:?\s+|\bclassified\s+(?:as|under)\s+(?:ECCN\s+)?)"


def class_asked(ctx: Context, first: int = 1) -> BottomLine | None:
    """"Yes."/"No." for a yes/no question whether a product it names is in the class of a code it names ("Is the
    MX-400 a 3A090 item?"), read where a document writes the product with its code in one line ("Items: MX-400
    inference accelerator cards (ECCN 3A090)"): "Yes." when that code is the one asked or a subdivision of it
    ("3A090.a" of "3A090"), "No." when it is another; None when no retrieved passage writes the product with a code,
    when the one asked is narrower than the one written, or when a record corrected the product's code (this
    module's `reclassified` and engines/corrections.py speak for the record). Lines: the composed verdict, the line
    quoted [first]."""
    q = ctx.question
    asked = [c for c in CODE.findall(q.ask or q.core)]
    items = products(q)
    if q.kind != "yes_no" or not asked or not items or not _IN_CLASS.search(q.ask or q.core):
        return None
    item, code = items[0], asked[0]
    if any(c.unit.hit.doc_id in {h.doc_id for h in ctx.hits if _named(item, h.text)} and CODE.search(c.value)
           for c in ctx.corrections):
        return None
    pattern = re.compile(_WITH_CODE.format(item=re.escape(item)) + r"(?P<code>" + CODE.pattern + ")", re.I)
    for u in ctx.units[:20]:
        m = pattern.search(u.text)
        if m is None or u.heading:
            continue
        found = m.group("code")
        if code.startswith(found) and code != found:
            return None  # asked "3A090.a", written "3A090": the documents do not say which subdivision
        said = "Yes." if found.startswith(code) else "No."
        verdict = f"{said} {source(u)} writes the {item} with {'ECCN ' if found != 'EAR99' else ''}{found}."
        a = u.text.rfind("\n", 0, m.start()) + 1  # the line that writes it, not the record's whole header
        b = len(u.text) if (b := u.text.find("\n", m.end())) < 0 else b
        quoted = replace(u, start=u.start + a, end=u.start + b, text=u.text[a:b])
        line = f"{source(u)}: “{flat(quoted.text).rstrip(' .')}” [{first}]."
        return BottomLine([verdict, line], [quoted], [verdict])
    return None
