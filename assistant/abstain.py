"""Whether the retrieved evidence can answer a question at all, decided before any engine runs.

A few facts decide alone: there is no question once instructions are set aside; it refers to something nothing
names; nothing was retrieved; every name the question asks about is one no document mentions (after misspellings
are read as indexed words; names of the context, the conversation and a yes/no question's setting do not count:
they are case details); a wh-question asks about a name no document mentions; and the calibrated rules (relevance
floor, unknown terms, no number / date / members where one is asked for). What passes them is weighed by the
answerability model (assistant/answerability.py), whose probability and threshold the answer carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.answerability import MODEL, expected_type, features, holds_type, load
from assistant.models import Unit
from assistant.names import names_in
from assistant.neighbours import following, holding
from assistant.question import Question
from assistant.record_fields import answering_field, records_named
from assistant.terms import ON_HOLD, RELATION, holds, stem, stem_set
from kernel.tokens import parts

_WHAT = {"number": "a number", "date": "a date", "person": "a person's name", "place": "a place",
         "members": "the names of its members", "phone": "a phone number", "email": "an e-mail address",
         "address": "a street address"}


@dataclass(frozen=True)
class Verdict:
    abstain: bool
    reason: str = ""
    unknown: tuple[str, ...] = ()      # names in the question that no indexed passage contains
    probability: float | None = None   # p(answerable) from the answerability model, when it decided
    threshold: float | None = None


def dotted(word: str) -> str:
    """An abbreviation as also written with full stops ("US" -> "U.S", the token "U.S.-origin" gives); other words
    unchanged."""
    return ".".join(word) if word.isupper() and 2 <= len(word) <= 3 else word


def seen(n: str, known, language: str = "en") -> bool:
    """The index holds the name `n`: whole, or all of its parts (a compound identifier), or its parts with an
    abbreviation written with full stops ("US-origin" is the index's "U.S.-origin"); in another language, a part
    with digits ("Ascend-910C-Einheiten")."""
    p = parts(n)
    raw = [x for x in re.split(r"[-–/]", n) if x]  # as written: "US" in "US-origin" may be the index's "U.S"
    if known(stem(n)) or (p and all(known(stem(x)) for x in p)) or (
            len(raw) > 1 and all(known(stem(x)) or known(stem(dotted(x))) for x in raw)):
        return True
    return language != "en" and any(any(c.isdigit() for c in x) and known(stem(x)) for x in p)


def unknown_names(q: Question, known) -> tuple[str, ...]:
    """The question's names and identifiers that occur in no indexed chunk nor document metadata (`seen`)."""
    return tuple(n for n in q.names if not seen(n, known, q.language))


COVERAGE = 0.45  # share of the question's (IDF-weighted) terms a typed unit must hold; from the golden set


# what a question may call a bound that documents write as a comparison with a figure: "the reporting threshold" for
# "Any shipment exceeding 25 units … must be reported", "the deadline" for "within 3 business days"
_BOUND_WORDS = frozenset(stem(w) for w in ("threshold", "limit", "cap", "ceiling", "maximum", "minimum", "deadline"))
_COMPARED = re.compile(r"\b(?:exceed(?:s|ing)?|more than|over|above|at least|at most|less than|below|under|up to|"
                       r"within|no later than|not later than)\s+(?:a |an |the )?[$€£]?\d", re.I)


def _unsaid_of(word: str, q: Question, units: list[Unit]) -> str | None:
    """The record identifier the question names ("SH-2026-0322") when retrieved chunks name it and none of them (nor
    their documents' titles) uses `word` ("invoice", which only memo LX-2026-021 uses, of SH-2026-0340); else None."""
    want = stem(word.lower())
    for record in (r for r in records_named(q) if any(c.isdigit() for c in r)):
        about = [u for u in units[:20] if record in u.hit.text]
        if about and not any(want in stem_set(u.hit.text + " " + str(u.hit.meta.get("title") or "")) for u in about):
            return record
    return None


def _bounded(word: str, units: list[Unit]) -> bool:
    """`word` names a bound ("threshold") and one of the three best passages writes one as a comparison."""
    return stem(word.lower()) in _BOUND_WORDS and any(_COMPARED.search(u.text) for u in units[:3])


def fixed_rule(q: Question, units: list[Unit], known, idf=None, min_relevance: float = 0.40) -> str | None:
    """The reason to abstain that needs no weighing, or None. With `idf`, also the calibrated rules the model
    is added to (measured: they keep golden's correct abstention at 0.95 with no false abstention): evidence under
    the relevance floor; most of the question's terms unknown; a "how many" / "when" / "which X" question whose
    evidence holds no number, date or named members together with most of its terms."""
    if not q.terms and not q.follow_up:
        return ("there is no question to answer once the instructions are set aside" if q.instructions else
                "the question names nothing to look for")
    if q.unresolved:
        return f"the question refers to something earlier (“{q.unresolved}”) that the conversation does not name"
    if not units:
        return "nothing was retrieved"
    unknown = unknown_names(q, known)
    if q.names and len(unknown) == len(q.names):
        return f"the documents never mention {', '.join(unknown)}"
    if unknown and q.kind != "yes_no":
        return f"the documents never mention {', '.join(unknown)}"
    if idf is None:
        return None
    best = units[0].relevance
    if best < min_relevance:
        return f"best evidence scores {best:.2f}, under the floor {min_relevance:.2f}"
    missing = [t for t in q.terms if not known(t)]
    # (not for a follow-up: "When does it expire?" has one term of its own, and the record says "Valid until")
    if q.terms and len(missing) / len(q.terms) >= 0.6 and q.language == "en" and q.kind != "yes_no" and not q.follow_up:
        return "most of the question's terms occur in no document"
    head = RELATION.match(q.ask or q.core) if q.language == "en" else None
    for word in ([head.group("head"), head.group("mod"), head.group("mod2")] if head else []):  # "What is the capital of Malaysia?",
        # "What was the invoice value of shipment SH-2026-0322?": no document speaks of a capital, of an invoice
        if word and word.lower() not in _GENERIC and not known(stem(word.lower())) and not _bounded(word, units):
            return f"no document uses the word “{word}”"
        if word and word != head.group("head") and word.lower() not in _GENERIC and (record := _unsaid_of(
                word, q, units)):  # "the invoice value of SH-2026-0322": "invoice" is used, of another shipment only
            return f"no passage about {record} uses the word “{word}”"  # (a head such as "deadline" is answered by
            # "no later than": only a modifier, which says which value, is held to the record's passages)
    kind = expected_type(q)
    if kind in ("phone", "email", "address") and not any(  # asked by name, and written in a form of its own
            holds_type(q, kind, u.text) for u in units[:8] if u.relevance >= 0.7 * best):
        return f"no passage holds {_WHAT[kind]}"
    if kind in ("number", "date") and q.antecedent and (u := holding(q.antecedent, units)) is not None and any(
            holds_type(q, kind, x.text) for x in (u, following(u, units)) if x is not None):
        return None  # "When did they say it?": the statement the last answer quoted, dated in or after its sentence
    if kind in ("number", "date", "members") and not tabled(q, units):  # a row's header names what its cells are
        weights = {t: idf(t) for t in q.terms if known(t)}
        need = COVERAGE * (sum(weights.values()) or 1.0)
        if not any(holds_type(q, kind, u.text) and (kind == "members" or sum(
                w for t, w in weights.items() if holds(t, _context_terms(u))) >= need)
                for u in units[:8] if u.relevance >= 0.7 * best):
            return f"no passage holds {_WHAT[kind]} together with what the question asks about"
    return None


def assigned(q: Question, units: list[Unit]) -> str | None:
    """The identifier the question asks the value of, when a leading passage assigns it one: a configuration line
    ("export SCREEN_MODE=strict") or a record field ("Status: Active") answers "What is SCREEN_MODE set to?" and
    "What is the status of …" whatever the answerability model makes of a one-word value. Only for a question
    asking what something is or is set to, and a name that is an identifier (underscore, digit or all capitals)."""
    if not units or not _VALUE_OF.search(q.ask or q.core):
        return None
    best = units[0].relevance
    for n in q.names:
        if not re.search(r"_|\d|^[A-Z]{3,}$", n):
            continue
        pattern = re.compile(rf"(?<![\w.]){re.escape(n)}\s*(?:=|:=|:(?!\d)|\bis set to\b)\s*[`'\"]?[\w./-]")
        if any(pattern.search(u.text) for u in units[:5] if u.relevance >= 0.7 * best):
            return n
    return None


def recorded(q: Question, units: list[Unit]) -> bool:
    """An English date question about a record it names by identifier, that a field of a leading passage of that
    record answers by name and with a date ("Until when can we ship under EUC-2026-0088?" and its "Validity: This
    certificate covers shipments dispatched on or before 31 October 2026."; assistant.record_fields). The
    answerability model weighed that pair 0.24 against a threshold of 0.44 (2026-12-01 trial): "ship" is no word
    of the field's name, and "shipments" no stem of "ship". A German or French question, any field its glossary
    words name ("Wie viele Einheiten umfasst die Lizenz EL-2026-0417?" and "Authorised quantity: 12 units")."""
    records = records_named(q)
    if not records or not units:
        return False
    best, depth = units[0].relevance, 5 if q.language == "en" else 8  # the ranking cannot weigh a German or French
    # question's words against an English record: its field is looked for a little further down
    return any(answering_field(q, u.text) is not None for u in units[:depth] if u.relevance >= 0.7 * best
               and any(r in u.hit.text + " " + str(u.hit.meta.get("title") or "") for r in records))


def held(q: Question, units: list[Unit]) -> bool:
    """A yes/no question about a record it names by identifier whose chunk, among the leading passages, says it is
    on hold ("Can order PO-HEN-2026-007 be shipped now?" and "Case DPS-2026-019 (order PO-HEN-2026-007, …): … the
    order stays on hold."; engines/holds.py answers it). The answerability model weighed that pair 0.25 against a
    threshold of 0.39 (2026-12-02, the compliance_file index): "shipped" is no word of the case record."""
    records = [r for r in records_named(q) if any(c.isdigit() for c in r)]
    return q.kind == "yes_no" and bool(records) and any(
        ON_HOLD.search(u.hit.text) and any(r in u.hit.text for r in records) for u in units[:8])


def tabled(q: Question, units: list[Unit]) -> bool:
    """A question that a table row among the leading passages answers with the table's header (engines/tables.py:
    "How many MX-400 units were shipped to Vietnam?" and the register's row "| SH-2026-0315 | … | Ho Chi Minh City,
    Vietnam | MX-400 | 8 | … |" under "| … | Units | … |"). The answerability model learnt from prose and weighed that
    pair below its threshold on a two-document index; a row is no prose."""
    if not units or not any(u.text.startswith("|") for u in units[:5]):
        return False
    from assistant.engines.base import Context
    from assistant.engines.tables import table_answer

    hits = list({u.hit.chunk_id: u.hit for u in units}.values())
    return table_answer(Context(q, units, {}, hits=hits)) is not None


# modifiers that leave what is asked as it is: "the total value", "the current holder", "the exact date"
_GENERIC = frozenset(["total", "current", "exact", "final", "latest", "full", "official", "actual", "new", "old",
                      "original", "overall", "maximum", "minimum", "main", "first", "last", "real", "precise",
                      "present", "whole", "entire", "authorised", "authorized", "permitted", "allowed", "agreed",
                      "expected", "planned", "stated", "given", "same", "other", "next", "previous"])
_VALUE_OF = re.compile(r"\b(?:what|which)\b.*\b(?:set to|value|configured|set)\b|^what (?:is|are|was)\b", re.I)


def _context_terms(u: Unit) -> frozenset[str]:
    """The unit's terms and its document title's: "found two labelling errors" in the memo titled "Johor warehouse
    audit" is about the Johor warehouse audit."""
    return stem_set(u.text) | stem_set(str(u.hit.meta.get("title") or ""))


def decide(q: Question, units: list[Unit], known, idf, min_relevance: float,
           threshold: float | None = None, model: Path = MODEL) -> Verdict:
    """Abstain (with a reason for the log) or go on; never on the strength of text that tries to instruct.
    `model`: the answerability model fitted for the index's embedder (`answerability.model_path`)."""
    unknown = unknown_names(q, known)
    rule = fixed_rule(q, units, known, idf, min_relevance)
    if rule:
        return Verdict(True, rule, unknown)
    if assigned(q, units) or recorded(q, units) or tabled(q, units) or held(q, units):
        return Verdict(False, "", unknown)
    if own_words(q, units) is not None or states_all(q, units):
        return Verdict(False, "", unknown)
    fitted = load(model)
    if fitted is None:
        return Verdict(False, "", unknown)
    cut = fitted.threshold if threshold is None else threshold
    p = fitted.probability(features(q, units, known, idf))
    if p >= cut:
        return Verdict(False, "", unknown, p, cut)
    return Verdict(True, f"the passages are about the topic but do not answer the question (answerability "
                         f"{_below(p, cut)})", unknown, p, cut)


def own_words(q: Question, units: list[Unit]) -> Unit | None:
    """A question in another language that a leading passage answers in its own words: "Wer genehmigt Ausnahmen von
    der Richtlinie ER-2026-03?" and "2. Ausnahmen genehmigt ausschließlich die Geschäftsführung." share its long
    words (six letters or more, compared by their first six letters, which the English stopword list cannot sort out:
    "Ausnahmen", "genehmigen" / "genehmigt"). The
    answerability model learnt from English questions and passages; this is what it cannot weigh (2026-12-01 trial:
    p = 0.14 for that pair). The first of the top three units that holds at least two long words of the question,
    and half of them; None for an English question or when none does."""
    if q.language == "en":
        return None
    long = _long_words(q.ask or q.core)
    if len(long) < 2:
        return None
    def answers(u: Unit, asked: set[str]) -> bool:
        return not u.heading and len(asked) >= 2 and len(asked & _long_words(u.text)) >= max(2, len(asked) / 2)
    # the words its document's title also holds name the topic, not what is asked: "Wer genehmigt Ausnahmen für
    # Huawei-Ascend-Chips am Standort München?" under "Umgang mit Huawei-Ascend-Chips am Standort München" asks who
    # approves exceptions, not whether the chips are banned there; failing that, all its long words
    return next((u for u in units[:3] if answers(u, long - _long_words(str(u.hit.meta.get("title") or "")))),
                next((u for u in units[:3] if answers(u, long)), None))


def _long_words(text: str) -> set[str]:
    """The first six letters of each word of six letters or more, lower-cased: a crude stem that holds across
    inflections ("genehmigen" / "genehmigt", "Ausnahmen" / "Ausnahme")."""
    return {w.lower()[:6] for w in re.findall(r"[^\W\d_]{6,}", text)}


# what a question calls the document it names, not a word the answering sentence repeats ("memo EC-2026-007")
_DOCUMENT_WORDS = frozenset(stem(w) for w in ("memo", "memorandum", "section", "paragraph", "part", "document",
                                              "policy", "guidance", "notice", "circular", "directive", "regulation"))


def states_all(q: Question, units: list[Unit]) -> bool:
    """An English who / how / what question about a document it names by identifier, that a top-three body
    sentence of that document answers in the question's own words: "Who can grant exceptions to memo EC-2026-007?"
    and the memo's "Exceptions to these rules may be granted only by the Chief Compliance Officer, Marcus Lindqvist
    …"; "Under § 744.23, how are licence applications reviewed?" and its "(b) Licence applications under paragraph
    (a) are reviewed under a presumption of denial." The sentence holds every other term of the question (at least
    two), a name the question does not say when it asks who, and its document carries the identifier. The
    answerability model weighed these 0.43 and 0.38 (2026-12-01 trial) against a threshold of 0.44."""
    ids = [n for n in q.names if any(c.isdigit() for c in n)]
    if q.language != "en" or q.kind not in ("person", "fact") or not ids:
        return False
    terms = {t for t in q.terms if t not in _DOCUMENT_WORDS and t not in {stem(n) for n in ids}}
    asked = {n.lower() for n in (*q.names, *q.context_names)}
    for u in units[:3]:
        if u.heading or len(terms) < 2 or not terms <= stem_set(u.text):
            continue
        if q.kind == "person" and not any(n.lower() not in asked for n in names_in(u.text)):
            continue
        if any(i in v.text for i in ids for v in units if v.hit.doc_id == u.hit.doc_id):
            return True
    return False


def _below(p: float, cut: float) -> str:
    """"0.29 < 0.31": two decimals, or as many as it takes for the two to differ ("0.3081 < 0.3083", not the
    "0.31 < 0.31" a newcomer read as a contradiction)."""
    for digits in range(2, 7):
        shown = f"{p:.{digits}f} < {cut:.{digits}f}"
        if f"{p:.{digits}f}" != f"{cut:.{digits}f}":
            return shown
    return f"{p!r} < {cut!r}"
