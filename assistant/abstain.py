"""Whether the retrieved evidence can answer a question at all, decided before any engine runs.

Similarity alone cannot tell an on-topic unanswerable question from an answerable one (FINDINGS.md), so the
gate asks three things: does the question name something the documents never mention; does any unit reach the
calibrated relevance floor; and, for "how many" and "when" questions, does the evidence hold a number or a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Unit
from assistant.question import Question
from assistant.terms import DATE, NUMBER, new_match, stem, stem_set

# "Name the companies…", "Which countries were…": the answer is a list of names, so the evidence must enumerate
# some ("Nvidia and Oracle", "China, Russia, Iran, and North Korea", "the 910B, 910C, and 910D"), not only count them
# ("seventeen countries") or describe them ("select Chinese tech companies").
_MEMBERS = re.compile(r"^(name|list) (the|all|some)\b|^which \w+s\b", re.I)
_NAME = r"(?:[A-Z][\w.\-]*(?: [A-Z][\w.\-]*)*|\d+[A-Za-z]+\w*)"
ENUMERATION = re.compile(rf"{_NAME}(?:, {_NAME})*,? (?:and|or) {_NAME}")
COVERAGE = 0.45  # share of the question's (IDF-weighted) terms a typed unit must hold; from the golden set


@dataclass(frozen=True)
class Verdict:
    abstain: bool
    reason: str = ""
    unknown: tuple[str, ...] = ()   # names in the question that no indexed passage contains


def unknown_names(q: Question, known) -> tuple[str, ...]:
    """The question's proper names and model numbers that occur in no indexed chunk nor document metadata."""
    return tuple(n for n in q.names if not any(known(stem(p)) for p in n.lower().split("-") if p))


def decide(q: Question, units: list[Unit], known, idf, min_relevance: float) -> Verdict:
    """Abstain (with a reason for the log) or go on; never on the strength of text that tries to instruct."""
    if not units:
        return Verdict(True, "nothing retrieved")
    unknown = unknown_names(q, known)
    if q.kind != "yes_no" and unknown:
        return Verdict(True, f"the documents never mention {', '.join(unknown)}", unknown)
    if q.names and len(unknown) == len(q.names):
        return Verdict(True, "the documents mention none of the names in the question", unknown)
    missing = [t for t in q.terms if not known(t)]
    if q.terms and len(missing) / len(q.terms) >= 0.6:
        return Verdict(True, "most of the question's terms occur in no document", unknown)
    best = units[0].relevance
    if best < min_relevance:
        return Verdict(True, f"best evidence scores {best:.2f}, under the floor {min_relevance:.2f}", unknown)
    asks_members = q.kind == "list" and _MEMBERS.search(q.core)
    if asks_members and not any(ENUMERATION.search(u.text) for u in units[:8] if u.relevance >= 0.7 * best):
        return Verdict(True, "the passages mention what is asked for but name none of its members", unknown)
    if q.kind in ("number", "date") and not any(typed(q, u, known, idf) for u in units[:8] if u.relevance >= 0.7 * best):
        what = "number" if q.kind == "number" else "date"
        return Verdict(True, f"no passage holds a {what} together with what the question asks about", unknown)
    return Verdict(False, "", unknown)


def typed(q: Question, u: Unit, known, idf) -> bool:
    """`u` can answer a 'how many' / 'when' question: it holds a quantity (a number that is not part of a date) or
    a date, the thing counted ("how many countries" needs "countries"), and most of the question's terms."""
    if q.kind == "number":
        if not new_match(NUMBER, DATE.sub(" ", u.text), q.text):  # a quantity, not a day of a date
            return False
        head = _counted(q.text)
        if head and stem(head) not in stem_set(u.text):
            return False
        if head is None and re.search(r"\bnumber\b", q.text, re.I) and not re.search(r"\d", DATE.sub(" ", u.text)):
            return False  # "what is the document number…" asks for an identifier: digits, not "dozens"
    elif not new_match(DATE, u.text, q.text):
        return False
    weights = {t: idf(t) for t in q.terms if known(t)}
    have = stem_set(u.text)
    return sum(w for t, w in weights.items() if t in have) >= COVERAGE * (sum(weights.values()) or 1.0)


def _counted(question: str) -> str | None:
    """The noun a quantity question counts: "how many Ascend 910C units does…" -> "units"; "what share…" -> "share"."""
    m = re.search(r"\bwhat (share|percentage|proportion|fraction)\b", question, re.I)
    if m:
        return m.group(1).lower()
    m = re.search(r"\bhow (?:many|large an?|big an?|much)\s+((?:[\w’'-]+\s+){0,4}?)(?:does|do|did|were|was|are|is|will|"
                  r"would|could|can|has|have|had)\b", question, re.I)
    head = m and [w for w in m.group(1).split() if w.lower() not in ("a", "an", "the")]
    return head[-1].lower() if head else None
