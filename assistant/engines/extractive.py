"""The extractive engine: answers with the document sentences that answer the question, verbatim, each cited.

Units are picked greedily: relevance, plus a bonus for question terms no picked unit covers yet (so "is testing
a 910D a violation?" gets both the rule and the sentence that names the 910D), minus repeats (a syndicated copy of
a picked sentence only adds its document to `also_in`). For a yes/no question about a rule, the rule leads. A
source that words a picked claim differently (a hedge, a negation, another number) is shown next to it, not merged.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context, Draft
from assistant.models import Hit, Unit
from assistant.question import JUDGMENT, names_in
from assistant.retrieve import jaccard, same_claim
from assistant.terms import content_stems, stem, stem_set
from assistant.verify import Passage
from ingest.chunk import sentences

_DUP_COS, _TWIN_COS, _TWIN_JACCARD = 0.92, 0.8, 0.4
ENUMERATION = re.compile(r"\b(two|three|four|five|six|several|following)\s+(\w+\s+)?\w+s\b|:\s*$", re.I)
ORDINAL = re.compile(r"^[\"“]?(the |a |an )?(first|second|third|fourth|fifth|last|final|another|others?|then|next|"
                     r"finally|also)\b|^(about|around|some|nearly)\s+\d", re.I)
LEAD_JUDGMENT = "The documents do not rule on this exact case; what they say about it:"
DIFFER = "The sources word this differently; both are shown with their dates."


class ExtractiveEngine:
    name = "extractive"

    def __init__(self, max_sentences: int = 4):
        self.max_sentences = max_sentences

    def draft(self, ctx: Context, on_token=None) -> Draft:
        q = ctx.question
        lead = chain(ctx) if q.judgment else part_leads(ctx)
        picks = [(continued(ctx, u) if q.kind == "list" or ENUMERATION.search(u.text) else u, c, t)
                 for u, c, t in select(ctx, self.max_sentences, lead)]
        lines, passages, trusted = [], [], set()
        if q.judgment:
            lines.append(LEAD_JUDGMENT)
            trusted.add(LEAD_JUDGMENT)
        differ = False
        for unit, copies, twins in picks:
            for u, extra in ((unit, copies), *((t, ()) for t in twins)):
                hit = Hit(**{**u.hit.__dict__, "also_in": tuple(dict.fromkeys((*u.hit.also_in, *extra)))})
                passages.append(Passage(len(passages) + 1, hit, u.start, u.end, u.text))
                lines.append(f"- “{u.text}” [{len(passages)}] ({_source(hit)})")
            differ |= bool(twins)
        if differ:
            lines.append(DIFFER)
            trusted.add(DIFFER)
        gap = [n for n in q.names if not any(_names_in((n,), u.text) for u, _, _ in picks)]
        if q.kind == "yes_no" and gap and not q.instructions:
            note = f"The documents do not mention {_join(gap[:3])} specifically."
            lines.append(note)
            trusted.add(note)
        return Draft("\n".join(lines), passages, frozenset(trusted))


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


def part_leads(ctx: Context) -> list[Unit]:
    """For a compound question, the best unit for each sub-question (its terms, then the unit's cosine)."""
    leads: list[Unit] = []
    for part in ctx.question.parts:
        terms = set(content_stems(part))
        if not terms:
            continue
        asks_names = re.match(r"(which|who|whom|name|list)\b", part, re.I)

        def score(u: Unit, terms=terms, asks_names=asks_names, part=part) -> float:
            new = [n for n in names_in(u.text) if n not in part] if asks_names else []
            return len(terms & stem_set(u.text)) / len(terms) + 0.3 * u.cosine + 0.3 * (len(new) >= 2)
        best = max(ctx.units[:40], key=score, default=None)
        if best is not None and best not in leads:
            leads.append(best)
    return leads


def continued(ctx: Context, unit: Unit, most: int = 3) -> Unit:
    """`unit` extended over the sentences that carry on its enumeration ("…three tiers. The first… The second…")."""
    same = sorted((u for u in ctx.units if u.hit.chunk_id == unit.hit.chunk_id and u.start >= unit.end),
                  key=lambda u: u.start)
    terms = set(ctx.question.terms) & stem_set(unit.text)
    end = unit.end
    for u in same[:most]:
        if not (ORDINAL.match(u.text) or terms & stem_set(u.text)):
            break
        end = u.end
    if end == unit.end:
        return unit
    h = unit.hit
    return replace(unit, end=end, text=h.text[unit.start - h.start:end - h.start])


def select(ctx: Context, max_n: int, lead: list[Unit]) -> list[tuple[Unit, list[str], list[Unit]]]:
    """Picked units (`lead` first) with the documents of their syndicated copies and their differently-worded twins."""
    units = ctx.units[:40]
    if not units:
        return []
    q, best = ctx.question, units[0].relevance
    weights = {t: 1.0 for t in q.terms}
    covered: set[str] = set()
    picks: list[tuple[Unit, list[str], list[Unit]]] = []
    used: set[tuple[str, int]] = set()
    limit = max_n if q.kind in ("list", "yes_no") or q.judgment else min(max_n, 3)
    queue = list(lead)
    while len(picks) < limit:
        choice, score = (queue.pop(0), 1.0) if queue else (None, 0.0)
        for u in units if choice is None else ():
            if (u.hit.doc_id, u.start) in used or u.relevance < 0.6 * best:
                continue
            new = sum(w for t, w in weights.items() if t not in covered and t in stem_set(u.text))
            gain = u.relevance + 0.3 * new / max(1.0, sum(weights.values()))
            if gain > score and (u.relevance >= 0.85 * best or new > 0):
                choice, score = u, gain
        if choice is None:
            break
        used.add((choice.hit.doc_id, choice.start))
        dup = _duplicate_of(ctx, choice, picks)
        if dup is not None:
            dup[1].append(choice.hit.doc_id)
            continue
        covered |= stem_set(choice.text)
        twins = sorted((t for t in units if t.hit.doc_id != choice.hit.doc_id and (t.hit.doc_id, t.start) not in used
                        and _twins(ctx, t, choice)), key=lambda t: same_claim(t.text, choice.text, attribution=False))[:1]
        used.update((t.hit.doc_id, t.start) for t in twins)
        picks.append((choice, [], twins))
    return picks


def _twins(ctx: Context, a: Unit, b: Unit) -> bool:
    """Two units make the same statement in different words: a pair of their sentences overlaps strongly (or the
    units' vectors are close), and the pair differs in a hedge, a negation or a number."""
    pairs = [(x, y) for x in _sents(a.text) for y in _sents(b.text)]
    close = [(x, y) for x, y in pairs if jaccard(x, y) >= _TWIN_JACCARD]
    if not close and ctx.similar(a, b) >= _TWIN_COS:
        close = [(a.text, b.text)]
    return any(not same_claim(x, y) for x, y in close)


def _sents(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)] or [text]


def _duplicate_of(ctx: Context, u: Unit, picks):
    """The pick that `u` repeats (a syndicated copy saying the same), if any."""
    for p in picks:
        v = p[0]
        if v.hit.doc_id != u.hit.doc_id and same_claim(v.text, u.text) and (
                ctx.similar(v, u) >= _DUP_COS or jaccard(v.text, u.text) >= 0.8):
            return p
    return None


def _names_in(names, text: str) -> bool:
    have = stem_set(text)
    return any(stem(n.lower()) in have for n in names)


def _source(hit: Hit) -> str:
    m = hit.meta
    return f"{m.get('publisher') or m.get('title') or hit.doc_id}, {m.get('published') or 'date not given'}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
