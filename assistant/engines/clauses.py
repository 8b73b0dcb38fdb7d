"""Parallel clauses: a sentence that gives one value for each of several cases, the case named right after a shared
opening ("a finding rated High must be remediated within 30 calendar days of the report date, a finding rated Medium
within 60 calendar days, and a finding rated Low within 90 calendar days"). A question that names one of the cases
("… a Medium audit finding …") is answered by that case's clause only, however close another clause's value stands
to the question's other words ("remediated" is written once, in the first clause, and elided in the others). A
change told as "from A to B" is read the same way: B holds now (`changed_to`).
"""

from __future__ import annotations

import re

from assistant.terms import stem

_BOUNDARY = re.compile(r"[;:]|,(?!\d)")  # a clause ends at ; : or a comma that is not inside a figure ("18,600")
_CONJUNCTION = re.compile(r"^\s*(?:and|or|but|while|whereas)\b", re.I)
_WORD = re.compile(r"[\w’'-]+")


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the clauses of `text`, split at `_BOUNDARY`."""
    cuts = [0, *(m.end() for m in _BOUNDARY.finditer(text)), len(text) + 1]
    return [(a, b - 1) for a, b in zip(cuts, cuts[1:], strict=False)]


def of_case(text: str, spans: list[tuple[float, re.Match]], asked: frozenset[str]) -> list[tuple[float, re.Match]]:
    """The (distance, match) `spans` of `text` that stand in the clause of the case the question names.

    Clauses holding a span are parallel when they open with the same two or more words (a leading "and"/"or"
    aside); the word after that opening names each clause's case. When the stems `asked` (the question's) name
    exactly one clause's case, the spans of the other parallel clauses are dropped (those of clauses outside the
    parallel run stay); otherwise `spans` is returned unchanged."""
    bounds = _clauses(text)
    where = {i: next(k for k, (a, b) in enumerate(bounds) if a <= m.start() < b + 1) for i, (_, m) in enumerate(spans)}
    opened = {}
    for k in sorted(set(where.values())):
        a, b = bounds[k]
        clause = _CONJUNCTION.sub("", text[a:b])
        opened[k] = [w.lower() for w in _WORD.findall(clause)]
    groups: dict[tuple[str, ...], list[int]] = {}
    for k, w in opened.items():
        if len(w) > 2:
            groups.setdefault(tuple(w[:2]), []).append(k)
    parallel = max(groups.values(), key=len, default=[])
    if len(parallel) < 2:
        return spans
    lists = [opened[k] for k in parallel]
    shared = 2
    while all(len(w) > shared + 1 for w in lists) and len({w[shared] for w in lists}) == 1:
        shared += 1
    named = [k for k in parallel if len(opened[k]) > shared and stem(opened[k][shared]) in asked]
    if len(named) != 1:
        return spans
    return [s for i, s in enumerate(spans) if where[i] == named[0] or where[i] not in parallel]


# a change told as "from A to B": "Revision 2 lowers the hold threshold from a match score of 90 to a match score of 85"
_FROM_TO = re.compile(r"\bfrom\b(?P<old>[^.;]{1,60}?)\bto\b(?P<new>[^.;]{1,60})", re.I)
_CHANGED = re.compile(r"\b(?:lower|raise|increase|reduce|change|amend|cut|extend|shorten|lengthen|move|replace)[sd]?\b",
                      re.I)


def changed_to(text: str, spans: list[tuple[float, re.Match]]) -> list[tuple[float, re.Match]]:
    """The (distance, match) `spans` of `text`, less those a change moved away from: in a sentence that says a value
    was changed ("lowers", "raised", "changed") "from A to B", A is what held before and B what holds now ("from a
    match score of 90 to a match score of 85" answers "What match score puts an order on hold?" with 85); `spans`
    unchanged when no span stands in such a "from" part or none stands in its "to" part."""
    if not _CHANGED.search(text):
        return spans
    for m in _FROM_TO.finditer(text):
        old = [s for s in spans if m.start("old") <= s[1].start() < m.end("old")]
        new = [s for s in spans if m.start("new") <= s[1].start() < m.end("new")]
        if old and new:
            spans = [s for s in spans if s not in old]
    return spans
