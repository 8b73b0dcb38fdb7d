"""Which units lead the evidence: a rule question's chain (the rule, then the passage that ties the asked model to
it), one sentence per source for a comparison, the enumeration that answers "which …?", and a unit carried on over
the sentences that continue its enumeration."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context
from assistant.models import Unit
from assistant.names import passage_names
from assistant.neighbours import next_chunk
from assistant.question import JUDGMENT
from assistant.terms import stem, stem_set, words

MEMBERS_FLOOR = 0.55  # an enumerating unit with 40% of the question's (weighted) terms: its share of the best's
FLOOR = 0.65  # a passage quoted after the first holds at least this share of the best one's relevance
ORDINAL = re.compile(r"^[\"“]?(the |a |an )?(first|second|third|fourth|fifth|last|final|another|others?|then|next|"
                     r"finally|also)\b|^(about|around|some|nearly)\s+\d", re.I)
_ITEM = r"(?:[A-Z][\w.\-]*(?: [A-Z][\w.\-]*){0,2}|\d+[A-Za-z]+\w*)"  # "Ascend 910B", "910C", "Country Group D:5"
ENUMERATES = re.compile(rf"{_ITEM}, (?:the )?{_ITEM},? (?:and|or) (?:the )?{_ITEM}|\b(?:namely|including|such as)\s+(?:the\s+)?"
                        rf"{_ITEM}(?:,? (?:and |or )?(?:the )?{_ITEM})+")  # three named items, or two after "namely"

def chain(ctx: Context) -> list[Unit]:
    """For a rule question, the evidence chain: the unit that best states the rule (a rule word such as "violates",
    about the question's general names: "Huawei", "Ascend"), then the best unit tying the question's model numbers
    ("910D") to the matter. The two rarely share words with each other (FINDINGS.md)."""
    q = ctx.question
    own = {stem(m.group(0).lower()) for m in JUDGMENT.finditer(q.text)}
    general = [n for n in q.names if not any(c.isdigit() for c in n)]
    specific = [n for n in q.names if any(c.isdigit() for c in n)]

    def rule_score(u: Unit) -> float:
        have = stem_set(u.text)
        names = sum(stem(n.lower()) in have for n in general) / max(1, len(general))
        return u.relevance + 0.3 * names + 0.2 * bool(own & have)
    rules = [u for u in ctx.units[:40] if JUDGMENT.search(u.text)]
    rule = max(rules, key=rule_score, default=None)
    ties = [u for u in ctx.units if u is not rule and specific and _names_in(specific, u.text)]
    if rule is not None:
        ties.sort(key=lambda u: -(0.5 * u.relevance + ctx.similar(u, rule)))
    return [u for u in (rule, *ties[:1]) if u is not None]


def per_source(ctx: Context, most: int = 6) -> list[Unit]:
    """For "compare what the sources say about X": the best body sentence of each document that speaks of X (holds
    most of the question's terms), one per document, dated sources first."""
    terms = set(ctx.question.terms)
    best: dict[str, tuple[float, Unit]] = {}
    for u in ctx.units:
        if u.heading:
            continue
        share = len(terms & stem_set(u.text)) / max(1, len(terms))
        score = share + u.relevance
        if share > 0 and (u.hit.doc_id not in best or score > best[u.hit.doc_id][0]):
            best[u.hit.doc_id] = (score, u)
    ranked = sorted(best.values(), key=lambda x: (not x[1].hit.meta.get("published"), -x[0]))
    return [u for _, u in ranked[:most]]


def listed_items(text: str, terms: set[str]) -> str:
    """The items an enumeration introduced by "namely", "including" or "such as" names, as written ("Huawei’s Ascend
    processors, namely the 910B, 910C, and 910D" -> "The 910B, 910C, and 910D"), when one of the question's `terms`
    stands in the six words before it (what the items are of); else "" (a bare list such as "China, Russia, Iran" may
    be of something the question did not ask about)."""
    for m in ENUMERATES.finditer(text):
        if not re.match(r"(?:namely|including|such as)\s", m.group(0)):
            continue
        if terms & stem_set(" ".join(words(text[:m.start()])[-6:])):
            span = re.sub(r"^(?:namely|including|such as)\s+", "", m.group(0)).strip(" ,")
            return span[0].upper() + span[1:]
    return ""


def members(ctx: Context) -> list[Unit]:
    """For "which chips…?" / "list the…": the best unit that names two or more items the question does not
    ("Huawei’s Ascend processors, namely the 910B, 910C, and 910D"), to be quoted first; [] for other questions or
    when no close unit enumerates."""
    q = ctx.question
    if q.kind != "list" or not ctx.units:
        return []
    asked = {n.lower() for n in (*q.names, *q.context_names)}
    floor = FLOOR * ctx.units[0].relevance
    for u in ctx.units[:12]:
        # an enumeration that holds a fair share of the question's terms may stand further behind the best unit:
        # "Which models of Ascend chips are covered by the guidance?" is answered by "… specified that Huawei’s
        # Ascend processors, namely the 910B, 910C, and 910D, are subject …" (relevance 0.42 against 0.73)
        if u.heading or u.relevance < (MEMBERS_FLOOR * ctx.units[0].relevance if u.overlap >= 0.4 else floor):
            continue
        new = [n for n in passage_names(u.text) if n.lower() not in asked]
        if ENUMERATES.search(u.text) and len(new) >= 2:
            return [u]
    return []


# a list item on the line after: "(a) before dispatch, …", "b) …", "- …", "• …", "2. …" (a passage ending in a colon
# is quoted with the items it introduces)
_ITEM = re.compile(r"[ \t]*\n[ \t]*(?:\(?[a-z]\)|\(?[ivx]+\)|\(?\d{1,2}[.)]|[-•*–])[ \t]+\S[^\n]*")


def introduces_list(text: str) -> bool:
    """`text` ends with a colon, or with a list item right after a line that ends with one ("Conditions:\n(a) …;")."""
    return text.rstrip().endswith(":") or bool(_ITEM.search(text) and re.search(r":[ \t]*\n", text))


def continued(ctx: Context, unit: Unit, most: int = 3) -> Unit:
    """`unit` extended over the sentences that carry on its enumeration ("…three tiers. The first… The second…"),
    or, when it ends with a colon ("Conditions:"), over the list items that follow it in its chunk, each right after
    the one before."""
    same = sorted((u for u in ctx.units if u.hit.chunk_id == unit.hit.chunk_id and u.start >= unit.end),
                  key=lambda u: u.start)
    terms = set(ctx.question.terms) & stem_set(unit.text)
    end = unit.end
    h = unit.hit
    if introduces_list(unit.text):  # "Decision: APPROVED WITH CONDITIONS … Conditions:" and its (a) … (d)
        text = h.text  # with the next chunk of the document when it was retrieved: a list may straddle the boundary
        if (after := next_chunk(h, ctx.hits)) is not None:
            text += "\n" * (after.start - h.end) + after.text
        at = unit.end - h.start
        while (m := _ITEM.match(text, at)) is not None:
            at = m.end()
        if at != unit.end - h.start:
            return replace(unit, end=h.start + at, text=text[unit.start - h.start:at])
    for u in same[:most]:
        if not (ORDINAL.match(u.text) or terms & stem_set(u.text)):
            break
        end = u.end
    if end == unit.end:
        return unit
    h = unit.hit
    return replace(unit, end=end, text=h.text[unit.start - h.start:end - h.start])


def _names_in(names, text: str) -> bool:
    have = stem_set(text)
    return any(stem(n.lower()) in have for n in names)


def under_heading(u: Unit, units: list[Unit], asked: set[str]) -> bool:
    """`u` stands in the section a heading that carries an asked identifier opens, though a chunk boundary fell
    between them: "(b) Licence applications under paragraph (a) are reviewed under a presumption of denial." opens
    the chunk after the one that ends with "§ 744.23 Supercomputer …" and its "(a) …". The heading's chunk ends
    where `u`'s begins, no heading follows it there, and none stands before `u` in its own chunk."""
    if u.heading or not asked:
        return False
    for h in units:
        if not (h.heading and asked & stem_set(h.text) and h.hit.doc_id == u.hit.doc_id
                and 0 <= u.hit.start - h.hit.end <= 2):
            continue
        later = [v for v in units if v.heading and ((v.hit.chunk_id == h.hit.chunk_id and v.start > h.start)
                                                    or (v.hit.chunk_id == u.hit.chunk_id and v.start < u.start))]
        if not later:
            return True
    return False
