"""Whether the retrieved evidence can answer a question at all, decided before any engine runs.

Similarity alone cannot tell an on-topic unanswerable question from an answerable one (FINDINGS.md), so the
gate asks three things: does the question name something the documents never mention; does any unit reach the
calibrated relevance floor; and, for "how many" and "when" questions, does the evidence hold a number or a date.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models import Unit
from assistant.question import Question
from assistant.terms import DATE, NUMBER, stem


@dataclass(frozen=True)
class Verdict:
    abstain: bool
    reason: str = ""
    unknown: tuple[str, ...] = ()   # names in the question that no indexed passage contains


def unknown_names(q: Question, doc_freq) -> tuple[str, ...]:
    """The question's proper names and model numbers that occur in no indexed chunk."""
    return tuple(n for n in q.names if all(doc_freq(stem(p)) == 0 for p in n.lower().split("-") if p))


def decide(q: Question, units: list[Unit], doc_freq, min_relevance: float) -> Verdict:
    """Abstain (with a reason for the log) or go on; never on the strength of text that tries to instruct."""
    if not units:
        return Verdict(True, "nothing retrieved")
    unknown = unknown_names(q, doc_freq)
    if q.kind != "yes_no" and unknown:
        return Verdict(True, f"the documents never mention {', '.join(unknown)}", unknown)
    if q.names and len(unknown) == len(q.names):
        return Verdict(True, "the documents mention none of the names in the question", unknown)
    missing = [t for t in q.terms if doc_freq(t) == 0]
    if q.terms and len(missing) / len(q.terms) >= 0.6:
        return Verdict(True, "most of the question's terms occur in no document", unknown)
    best = units[0].relevance
    if best < min_relevance:
        return Verdict(True, f"best evidence scores {best:.2f}, under the floor {min_relevance:.2f}", unknown)
    top = [u for u in units[:5] if u.relevance >= 0.8 * best]
    if q.kind == "number" and not any(_new(NUMBER, u.text, q.text) for u in top):
        return Verdict(True, "no number in the best evidence for a 'how many/much' question", unknown)
    if q.kind == "date" and not any(DATE.search(u.text) for u in top):
        return Verdict(True, "no date in the best evidence for a 'when' question", unknown)
    return Verdict(False, "", unknown)


def _new(pattern, text: str, question: str) -> bool:
    """`text` matches `pattern` with something the question itself does not already contain."""
    asked = {m.group(0).lower() for m in pattern.finditer(question)}
    return any(m.group(0).lower() not in asked for m in pattern.finditer(text))
