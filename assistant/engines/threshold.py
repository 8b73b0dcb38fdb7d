"""The bottom line of a rule question with an amount ("Is a report required for a $20,000 shipment?"): the
threshold the documents state ("exceeds $10,000", "$25,000 or less"), from the rule about the requirement asked,
applied to the amount and labelled as an inference; another source's other threshold named as a conflict."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.engines.base import Context
from assistant.engines.framing import BottomLine, flat, source
from assistant.terms import STOP, stem_set, words

_COMPARATOR = (r"(exceeds?|exceeding|more than|over|above|greater than|in excess of|at least|less than|below|under|"
               r"up to|not exceeding|no more than|or more|or less)")
_AMOUNT = (r"([$€£]\s?|(?:USD|EUR|GBP|MYR|SGD|RM)\s?)?(\d[\d,]*(?:\.\d+)?)\s*(million|billion|thousand|k\b|m\b|bn\b|"
           r"(?=\s*(?:USD|EUR|GBP|MYR|SGD|dollars?|euros?)\b))?")
_THRESHOLD = re.compile(rf"\b{_COMPARATOR}\s+(?:a |an |the )?(?:value of |total of )?{_AMOUNT}", re.I)
ASKED_AMOUNT = re.compile(_AMOUNT, re.I)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}
OBLIGATION = re.compile(r"\b(required|require|requires|need|needs|needed|must|mandatory|obliged|obligat\w*|have to|"
                        r"has to|necessary|apply|applies)\b", re.I)


def _number(digits: str, scale: str | None) -> float:
    return float(digits.replace(",", "")) * _SCALE.get((scale or "").lower(), 1.0)


@dataclass
class Threshold:
    """A condition on an amount in a rule: "exceeds $10,000" (comparator first) or "$25,000 or less" (after)."""

    comparator: str
    limit: float
    text: str


_POSTFIX = re.compile(rf"{_AMOUNT}\s+(or less|or more|or below|or above|and above|and below|or under|or over)\b", re.I)
_POSTFIX_AS = {"or below": "or less", "and below": "or less", "or under": "or less", "or above": "or more",
               "and above": "or more", "or over": "or more"}


def _threshold_in(text: str) -> Threshold | None:
    """The first amount condition of `text`, either way round, or None."""
    m, p = _THRESHOLD.search(text), _POSTFIX.search(text)
    if p and (m is None or p.start() < m.start()):
        comparator = p.group(4).lower()
        return Threshold(_POSTFIX_AS.get(comparator, comparator), _number(p.group(2), p.group(3)), p.group(0))
    if m:
        return Threshold(m.group(1), _number(m.group(3), m.group(4)), m.group(0))
    return None


_REQUIRED = re.compile(r"\b(?:need|needs|require|requires|required|must (?:we |I |they )?(?:file|submit|obtain|get|have))"
                       r"\s+(?:an?\s+|the\s+|any\s+)?((?:[\w-]+\s+){0,2}[\w-]+)", re.I)


_REQUIRED_BEFORE = re.compile(r"\b(?:is|are)\s+(?:an?\s+|any\s+|the\s+)?((?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:required|needed|"
                              r"necessary|mandatory)\b", re.I)   # "is a report required for …"


def _required(question: str) -> frozenset[str]:
    """What the question asks whether one needs ("an end-user statement" -> {"end-us", "statement"} stems), or
    nothing when it does not say ("is anything required…?")."""
    for pattern in (_REQUIRED, _REQUIRED_BEFORE):
        m = pattern.search(question)
        kept = [w for w in words(m.group(1)) if w.lower() not in STOP and not w[0].isdigit() and w.lower() not in
                ("for", "to", "when", "if", "before", "after", "on", "of", "anything", "something")] if m else []
        if kept:
            return frozenset(t for t in stem_set(" ".join(kept)) if t.isalpha() and len(t) >= 3)
    return frozenset()


def _denied(text: str, wanted: frozenset[str]) -> str | None:
    """Where the rule says the asked requirement is not needed ("no pre-clearance"), verbatim, or None."""
    for m in re.finditer(r"\b(?:no|not|without)\s+((?:[\w-]+\s+){0,2}[\w-]+)", text, re.I):
        if any(_names(w, stem_set(m.group(1))) for w in wanted):
            return m.group(0)
    return None


def _clause_with(text: str, part: str) -> str:
    """The clause of `text` that holds `part` and states the obligation ("… $25,000 or less still require an end-user
    statement" of "…, but no pre-clearance"), else the whole text: a verdict is given on a clause without negation."""
    start = 0
    for piece in re.split(r",?\s+but\b|;", text):
        at = text.find(piece, start)
        if part in piece and OBLIGATION.search(piece):
            return text[at:at + len(piece)].strip()
        start = at + len(piece)
    return text


def _names(term: str, have: frozenset[str]) -> bool:
    """The rule names `term`, allowing another form of the word ("pre-clearance" / "pre-cleared": "clear…")."""
    n = min(5, len(term))
    return any(t[:n] == term[:n] for t in have if len(t) >= n)


def _holds(comparator: str, asked: float, limit: float) -> bool:
    c = comparator.lower()
    if c in ("at least", "or more"):
        return asked >= limit
    if c in ("less than", "below", "under"):
        return asked < limit
    if c in ("up to", "not exceeding", "no more than", "or less"):
        return asked <= limit
    return asked > limit


def threshold(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of "is a report required for a $20,000 shipment?": the rule's threshold from the newest
    dated source that states one ("… exceeds $10,000 in value"), the question's amount compared with it (labelled as
    an inference), and an earlier version with another threshold named as a conflict. None without both amounts."""
    q = ctx.question
    ask = q.core  # the amount may be in a sentence of context ("We shipped sensors worth $12,500. Do we …?")
    amounts = [m for m in ASKED_AMOUNT.finditer(ask) if m.group(1) or m.group(3) or "," in m.group(2)]
    if not amounts or not OBLIGATION.search(ask):
        return None
    asked = _number(amounts[0].group(2), amounts[0].group(3))
    terms = set(q.terms)
    wanted = _required(ask)  # "need an end-user statement": a rule about pre-clearance does not answer it
    found = []
    for u in ctx.units[:40]:
        m = _threshold_in(u.text)
        have = stem_set(u.text)
        if m and len(terms & have) >= 2 and OBLIGATION.search(u.text) and all(_names(w, have) for w in wanted):
            found.append((u, m))
    if not found:
        return None
    # the rule whose condition the amount meets says most about the case; then the rule about what is asked, newest
    found.sort(key=lambda x: (_holds(x[1].comparator, asked, x[1].limit), len(terms & stem_set(x[0].text)),
                              str(x[0].hit.meta.get("published") or ""), x[0].relevance), reverse=True)
    u, m = found[0]
    limit = m.limit
    applies = _holds(m.comparator, asked, limit)
    amount, condition = amounts[0].group(0).strip(), flat(m.text).strip()
    denied = _denied(u.text, wanted) if applies and wanted else None
    if denied:  # "… still require an end-user statement, but no pre-clearance": the rule says it is not needed
        lines = [f"{source(u)} reports: “{flat(u.text).rstrip('.')}” [{first}]."]
        composed = [f"This is an inference the documents support but do not state: {amount} meets the condition "
                    f"“{condition}”, and for that case the rule says “{denied}”."]
    else:
        quote = _clause_with(u.text, m.text) if applies else u.text
        lines = [f"{'Yes' if applies else 'No'}. {source(u)} reports: “{flat(quote).rstrip('.')}” [{first}]."]
        composed = [f"This is an inference the documents support but do not state: {amount} "
                    f"{'meets' if applies else 'does not meet'} the condition “{condition}”."]
    lines += composed
    units = [u]
    for v, n in found[1:]:
        if n.limit != limit and v.hit.doc_id != u.hit.doc_id:
            lines.append(f"{source(v)} sets another threshold: “{flat(v.text).rstrip('.')}” [{first + 1}].")
            note = ("The sources conflict on the threshold; the newer is given first."
                    if v.hit.meta.get("published") and u.hit.meta.get("published") else
                    "The sources conflict on the threshold, and not every one is dated.")
            lines.append(note)
            composed.append(note)
            units.append(v)
            break
    return BottomLine(lines, units, composed)
