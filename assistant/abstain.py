"""Whether the retrieved evidence can answer a question at all, decided before any engine runs.

A few facts decide alone: there is no question once instructions are set aside; nothing was retrieved; every name
the question asks about is one no document mentions (after misspellings are read as indexed words; names of the
context, the conversation and a yes/no question's setting do not count: they are case details); a wh-question asks
about a name no document mentions. Everything else is weighed by the answerability model (assistant/answerability.py),
whose probability and threshold the answer carries. Without a fitted model, the calibrated relevance floor and the
answer-type check decide, as before the model existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answerability import expected_type, features, holds_type, load
from assistant.models import Unit
from assistant.question import Question
from assistant.terms import stem
from ingest.tokens import parts

_WHAT = {"number": "a number", "date": "a date", "person": "a person's name", "place": "a place",
         "members": "the names of its members"}


@dataclass(frozen=True)
class Verdict:
    abstain: bool
    reason: str = ""
    unknown: tuple[str, ...] = ()      # names in the question that no indexed passage contains
    probability: float | None = None   # p(answerable) from the answerability model, when it decided
    threshold: float | None = None


def unknown_names(q: Question, known) -> tuple[str, ...]:
    """The question's names and identifiers that occur in no indexed chunk nor document metadata (a compound
    identifier counts as known when the index holds it whole or all of its parts)."""
    return tuple(n for n in q.names if not known(stem(n)) and not ((p := parts(n)) and all(known(stem(x)) for x in p)))


def fixed_rule(q: Question, units: list[Unit], known) -> str | None:
    """The reason to abstain that needs no weighing, or None."""
    if not q.terms:
        return "there is no question to answer once the instructions are set aside"
    if q.unresolved:
        return f"the question refers to something earlier (“{q.unresolved}”) that the conversation does not name"
    if not units:
        return "nothing was retrieved"
    unknown = unknown_names(q, known)
    if q.names and len(unknown) == len(q.names):
        return f"the documents never mention {', '.join(unknown)}"
    if unknown and q.kind != "yes_no":
        return f"the documents never mention {', '.join(unknown)}"
    return None


def decide(q: Question, units: list[Unit], known, idf, min_relevance: float,
           threshold: float | None = None) -> Verdict:
    """Abstain (with a reason for the log) or go on; never on the strength of text that tries to instruct."""
    unknown = unknown_names(q, known)
    rule = fixed_rule(q, units, known)
    if rule:
        return Verdict(True, rule, unknown)
    model = load()
    kind = expected_type(q)
    best = units[0].relevance
    typed = any(holds_type(q, kind, u.text) for u in units[:8] if u.relevance >= 0.7 * best)
    if model is None:  # the rules the model replaced
        if best < min_relevance:
            return Verdict(True, f"best evidence scores {best:.2f}, under the floor {min_relevance:.2f}", unknown)
        if kind in ("number", "date", "members") and not typed:
            return Verdict(True, f"no passage holds {_WHAT[kind]} together with what the question asks about", unknown)
        return Verdict(False, "", unknown)
    cut = model.threshold if threshold is None else threshold
    p = model.probability(features(q, units, known, idf))
    if p >= cut:
        return Verdict(False, "", unknown, p, cut)
    why = (f"no passage holds {_WHAT[kind]} together with what the question asks about" if kind and not typed
           else "the passages are about the topic but do not answer the question")
    return Verdict(True, f"{why} (answerability {p:.2f} < {cut:.2f})", unknown, p, cut)
