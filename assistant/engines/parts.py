"""The short answer of each part of a compound question ("Who issued that guidance, and when?"): each part is read
as a question of its own, a bare "when" or "who" borrowing the words of the part before it ("when … issued that
guidance"), and answered by `short_answer`; the parts' lines open the answer in the order asked."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context
from assistant.engines.framing import ShortAnswer
from assistant.engines.short_answer import short_answer
from assistant.question import analyze

_WH = re.compile(r"^\W*(?:who|whom|when|how\s+(?:many|much))\b", re.I)
_KIND = {"who": "person", "whom": "person", "when": "date", "how many": "number", "how much": "number"}


def part_answers(ctx: Context) -> list[ShortAnswer]:
    """The short answers of a compound question's who / when / how-many parts, in the order asked; [] unless it
    has two or more parts and each has one (half an answer would read as the whole)."""
    q = ctx.question
    if len(q.parts) < 2 or not all(_WH.match(p) for p in q.parts):
        return []
    first = q.parts[0]
    out: list[ShortAnswer] = []
    for part in q.parts:
        sub = analyze(part.rstrip("?") + "?")
        if len(part.split()) == 1 or re.fullmatch(r"\W*how\s+(?:many|much)\W*", part, re.I):  # a bare "when"
            kind = _KIND[re.sub(r"\s+", " ", _WH.match(part).group(0).strip(" ,").lower())]
            sub = replace(analyze(first.rstrip("?") + "?"), kind=kind)  # asks it of what the first part asks about
        if sub.kind not in ("person", "date", "number"):
            return []
        sub = replace(sub, names=q.names, context_names=q.context_names, language=q.language)
        found = short_answer(replace(ctx, question=sub))
        if found is None or any(found.line == o.line for o in out):
            return []
        out.append(found)
    return out
