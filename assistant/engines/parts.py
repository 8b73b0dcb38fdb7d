"""The short answer of each part of a compound question ("Who issued that guidance, and when?"): each part is read
as a question of its own, a bare "when" or "who" borrowing the words of the part before it ("when … issued that
guidance"), and answered by `short_answer`; the parts' lines open the answer in the order asked."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context
from assistant.engines.framing import ShortAnswer, flat, with_preposition
from assistant.engines.short_answer import short_answer
from assistant.models import Unit
from assistant.names import passage_names
from assistant.question import analyze
from assistant.terms import content_stems, stem_set

_WH = re.compile(r"^\W*(?:(?P<prep>by|in|within|until|on|at|from)\s+)?(?P<wh>who|whom|when|how\s+(?:many|much))\b", re.I)
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
        if _WH.fullmatch(part.strip(" ,?")):  # a bare "when", "by when", "how many"
            kind = _KIND[re.sub(r"\s+", " ", _WH.match(part).group("wh").lower())]
            sub = replace(analyze(first.rstrip("?") + "?"), kind=kind)  # asks it of what the first part asks about
        if sub.kind not in ("person", "date", "number"):
            return []
        sub = replace(sub, names=q.names, context_names=q.context_names, language=q.language)
        found = short_answer(replace(ctx, question=sub))
        if found is None or any(found.line == o.line for o in out):
            return []
        if sub.kind == "date":  # "by when?": "By October 31, 2025, per …", not "On …"
            found = with_preposition(found, part)
        out.append(_past_quoted(found, out, ctx.units))
    return out


def _past_quoted(found: ShortAnswer, before: list[ShortAnswer], units: list[Unit]) -> ShortAnswer:
    """`found` without the sentence an earlier part's line already quotes: "Who issued that guidance, and when?"
    quotes "The Commerce Department issued guidance …" for who, then only "The agency’s Bureau … said on Tuesday
    (May 13) …" for when, not the two sentences again. `found` as it is when no earlier line quotes its opening, or
    no unit of `units` holds the rest with the answering span."""
    u = found.unit
    for o in before:
        if o.unit.hit.doc_id == u.hit.doc_id and o.unit.start == u.start and o.unit.end < u.end:
            rest = next((r for r in units if r.hit.doc_id == u.hit.doc_id and r.start >= o.unit.end
                         and r.end == u.end and found.span in flat(r.text)), None)
            whole = f"“{flat(u.text).rstrip(' .')}”"
            if rest is not None and whole in found.line:
                return replace(found, unit=rest, line=found.line.replace(whole, f"“{flat(rest.text).rstrip(' .')}”"))
    return found


def part_leads(ctx: Context) -> list[Unit]:
    """For a compound question, the best unit for each sub-question (its terms, then the unit's cosine)."""
    leads: list[Unit] = []
    for part in ctx.question.parts:
        terms = set(content_stems(part))
        if not terms:
            continue
        asks_names = re.match(r"(which|who|whom|name|list)\b", part, re.I)

        def score(u: Unit, terms=terms, asks_names=asks_names, part=part) -> float:
            new = [n for n in passage_names(u.text) if n not in part] if asks_names else []
            return len(terms & stem_set(u.text)) / len(terms) + 0.3 * u.cosine + 0.3 * (len(new) >= 2)
        best = max(ctx.units[:40], key=score, default=None)
        if best is not None and best not in leads:
            leads.append(best)
    return leads
