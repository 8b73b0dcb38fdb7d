"""The bottom line of "Is the 910C covered by the guidance?": a passage that names the item among those a rule
places under restrictions ("Huawei’s Ascend processors, namely the 910B, 910C, and 910D, are subject to stringent
export restrictions") answers yes, quoting its sentence; no passage that does gives no verdict (the evidence
follows, as for any question)."""

from __future__ import annotations

import re

from assistant.engines.base import Context
from assistant.engines.framing import ShortAnswer, flat, source
from assistant.terms import stem_set
from assistant.verify import OBLIGED, Passage, framed

_ASKS = re.compile(r"^\W*(?:is|are|was|were|does|do)\b[^?]*\b(?:covered|cover|covers|subject to|included|include|"
                   r"includes|affected|affect|affects|appl(?:y|ies) to|restricted)\b", re.I)
_LISTS = re.compile(r"\b(?:namely|including|such as|in particular)\b|,\s*(?:and|or)\b", re.I)
_RESTRICTS = re.compile(r"\b(?:(?:is|are) subject to|restrict\w*|controlled|prohibit\w*|violat\w*|covers?|covered)\b",
                        re.I)


def coverage(ctx: Context) -> ShortAnswer | None:
    """"Yes. AIM (date not given) reports: “… namely the 910B, 910C, and 910D, are subject to stringent export
    restrictions …” [n]." for a yes/no question whether a model number is covered, when a top unit names it in an
    enumeration with a restriction and holds a word of what the question says covers it ("guidance"); else None."""
    q = ctx.question
    ask = q.ask or q.core
    items = [n for n in q.names if any(c.isdigit() for c in n)]
    if q.kind != "yes_no" or not items or not _ASKS.search(ask):
        return None
    terms = set(q.terms) - {t for n in items for t in stem_set(n)} - stem_set("cover covered subject include affect")
    for u in ctx.units[:8]:
        if u.hit.doc_id in ctx.superseded:
            continue
        text = flat(u.text)
        if u.heading or not all(re.search(rf"(?<!\w){re.escape(i)}(?!\w)", text, re.I) for i in items):
            continue
        if not (_LISTS.search(text) and _RESTRICTS.search(text) and terms & stem_set(text)):
            continue
        rule = OBLIGED.search(text) or _RESTRICTS.search(text)
        said = text[:rule.end()] if rule.start() > text.lower().find(items[0].lower()) else text.rstrip(" .")
        line = f"Yes. {source(u)} reports: “{said}” [n]."  # up to the restriction: "due to suspicions …" is no hedge
        if framed(line.replace(" [n].", "."), Passage(1, u.hit, u.start, u.end, u.text)) is None:
            continue
        return ShortAnswer(items[0], u, line, "coverage")
    return None
