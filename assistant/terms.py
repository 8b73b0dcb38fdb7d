"""Words, stems and the small lexicons the answering side reasons with (no model needed)."""

from __future__ import annotations

import re
from functools import lru_cache

from kernel import stopwords, tokens

NUMBER = re.compile(
    r"\$\s?\d|\b\d(?:[\d,.]*\d)?(?:\s?(?:per ?cent|percent|million|billion|trillion|thousand|bn|m)\b|%|\b)|"
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|quarter)\b", re.I)
DATE = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}(st|nd|rd|th)?\s+(of\s+)?(january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\b|"
    r"\b(january|february|march|april|june|july|august|september|october|november|december)\b|"
    r"\b(1[0-9]|20)\d\d(s|'s)?\b|\b\d{4}-\d\d-\d\d\b|\b(early|mid|late)[- ](1[0-9]|20)\d\d|"
    r"\b(last|next|this|earlier this|later this|late last|early last|early next)\s+(week|month|year|spring|summer|"
    r"autumn|fall|winter|quarter)\b|\b(yesterday|today|tomorrow|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b|\b\d{1,2}(st|nd|rd|th)\s+century\b|\bcentury\b|"
    # dates in the other languages staff receive documents in: "2 juin 2025", "3. März 2025", "14 de mayo de 2025"
    r"\b\d{1,2}(?:er|\.)?\s+(?:de\s+)?(janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    r"novembre|décembre|decembre|januar|februar|märz|maerz|april|juni|juli|august|oktober|dezember|enero|febrero|"
    r"marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|"
    r"maggio|giugno|luglio|settembre|ottobre|dicembre)\b", re.I)
_COUNT = (r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|"
          r"thirty|forty-five|forty|sixty|ninety)")
# when something is due or open, rather than on which date: "within 15 days", "30 days after", "9 a.m. to 5 p.m."
DURATION = re.compile(rf"\b{_COUNT}[\s-]+(?:business |working |calendar )?(?:days?|weeks?|months?|years?|hours?)\b", re.I)
# how often something is due: "Quarterly usage reports are due", "reported every six months", "twice a year"
FREQUENCY = re.compile(rf"\b(?:hourly|daily|weekly|fortnightly|monthly|quarterly|semi-?annually|bi-?annually|annually|"
                       rf"yearly|every\s+(?:{_COUNT}\s+|other\s+)?(?:days?|weeks?|months?|quarters?|years?|hours?)|"
                       rf"(?:once|twice|{_COUNT}\s+times)\s+(?:a|per|each|every)\s+(?:day|week|month|quarter|year))\b", re.I)
# a record identifier as written: "EL-2026-0417", "EC-2025-014", "744.23", "D:5"
RECORD_ID = re.compile(r"[\w]+(?:[-.:_/][\w]+)+")
HOW_OFTEN = re.compile(r"\bhow often\b|\bat what (?:interval|frequency)\b", re.I)  # asks for a FREQUENCY
TIME = re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{1,2}:\d\d\b|\b(?:weekdays|weekends|"
                  r"business days|working days|monday (?:to|through) friday|around the clock|24/7)\b", re.I)


# a calendar date, not only "Tuesday" or "last month": "May 13", "13 May", "2025-05-14", "2 juin 2025"
# a month or weekday name alone ("June", "the October"): a date's word, never a name or an agent
CALENDAR_WORD = re.compile(r"(?i)(?:the\s+)?(?:january|february|march|april|may|june|july|august|september|october|"
                           r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday)")
CALENDAR = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|"
    r"jun|jul|aug|sep|sept|oct|nov|dec)\.?\s+\d{1,2}(?:st|nd|rd|th)?\b|\b\d{1,2}(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|janvier|février|"
    r"fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|januar|februar|"
    r"märz|juni|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre)\b|\b\d{4}-\d\d-\d\d\b", re.I)
# a calendar date with the year written after it when there is one: "15 June 2025", "July 1, 2025", "May 13"
DATED = re.compile(rf"(?:{CALENDAR.pattern})(?:,?\s+(?P<year>\d{{4}})\b)?", re.I)


def when(text: str) -> bool:
    """`text` says when: a date, a deadline or duration ("within 15 days"), or hours ("9 a.m. to 5 p.m.")."""
    return bool(DATE.search(text) or DURATION.search(text) or TIME.search(text))


HEDGES, NEGATIONS = tokens.HEDGES, tokens.NEGATIONS
STOP = stopwords.QUERY_STOPWORDS  # English function and question words (kernel.stopwords)


def words(text: str) -> list[str]:
    """The surface tokens of `text` (kernel.tokens: Unicode words, identifiers such as "744.23" or "D:5" whole)."""
    return tokens.words(text)


def norm(word: str) -> str:
    """A token case-folded, without accents or a possessive "'s" ("Huawei’s" -> "huawei"; kernel.tokens.norm)."""
    return tokens.norm(word)


def stem(word: str) -> str:
    """The index term of a token, exactly as BM25 stores it (kernel.tokens.stem)."""
    return tokens.stem(word)


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order, without repeats (a new list: the caller may change it)."""
    return list(_content_stems(text))


# the suffixes that make a noun of a verb the stemmer leaves whole: "shipment" is the thing shipped ("ship")
_NOUN_OF_VERB = ("ment", "ments")


def holds(term: str, have: frozenset[str]) -> bool:
    """Whether the stems `have` hold `term` or the noun made of it ("ship" in the terms of "covers shipments
    dispatched …": the Snowball stemmer keeps "shipment" and "ship" apart)."""
    return term in have or any(term + suffix in have for suffix in _NOUN_OF_VERB)


@lru_cache(maxsize=32768)
def _content_stems(text: str) -> tuple[str, ...]:
    """Cached (a pure function of the text): verification and ranking ask it of the same passages and claims many
    times per answer, and the same passages come back question after question."""
    out: dict[str, None] = {}
    for w in words(text):
        lw = norm(w)
        if lw in STOP or len(lw) < 2 and not lw.isdigit():
            continue
        out.setdefault(stem(lw), None)
    return tuple(out)


@lru_cache(maxsize=32768)
def stem_set(text: str) -> frozenset[str]:
    """Every index term of `text`: its tokens' stems and the parts of its compound tokens ("3a090" of "3A090.a").
    Cached: the same passage is compared many times while one answer is composed."""
    return frozenset(stem(t) for t in tokens.index_terms(text))


@lru_cache(maxsize=32768)
def hedges(text: str) -> frozenset[str]:
    """The hedging words of a text ("may", "reportedly"…): two passages that differ here make different claims.
    The month in a date ("May 15", "13 May") is not a hedge. Cached (a pure function of the text)."""
    return frozenset(w.lower() for w in words(DATE.sub(" ", text)) if w.lower() in HEDGES)


def negated(text: str) -> bool:
    low = text.lower().replace("’", "'")
    return "n't" in low or any(w.lower() in NEGATIONS for w in words(text))


def numbers(text: str) -> set[str]:
    """Digit strings of a text, normalised (70,000 -> 70000), for checking that a claim's numbers are in its source."""
    return {m.replace(",", "") for m in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def new_match(pattern: re.Pattern, text: str, question: str) -> bool:
    """`text` matches `pattern` with something the question itself does not already contain."""
    asked = {m.group(0).lower() for m in pattern.finditer(question)}
    return any(m.group(0).lower() not in asked for m in pattern.finditer(text))


# A prohibition ("may not", "must not", "no Acme team may test …", "staff shall not carry …") and a permission
# ("Laptops and phones may be carried as usual"): rules, where "may" is no hedge ("may violate" is one).
NO_ONE = (r"\bno (?!doubt\b|longer\b|later\b|sooner\b|matter\b|reason\b|evidence\b|indication\b|sign\b|way\b|"
          r"question\b|wonder\b|one knows\b)(?:[\w’'-]+|\([^()]{0,80}\))(?:,? (?:[\w’'-]+|\([^()]{0,80}\))){0,7}? ")
PROHIBITION = re.compile(rf"\bmay not\b|\bmust not\b|\bshall not\b|\bcannot\b|{NO_ONE}(?:may|shall|can)\b(?! not)|"
                         r"\b(?:is|are) (?:not )?(?:allowed|permitted) only\b|\b(?:is|are) not (?:allowed|permitted)\b|"
                         r"\b(?:ist|sind) (?:untersagt|verboten|nicht (?:erlaubt|gestattet|zulässig))\b|"  # a rule in the
                         r"\b(?:est|sont) (?:interdite?s?|prohibée?s?)\b|\b(?:está|están) (?:prohibid[oa]s?)\b", re.I)  # documents' language
PERMISSION = re.compile(r"\bmay (?:also )?be (?!\w+ed to\b)\w+(?:ed|en)\b(?! (?:by|to|as) (?:a |an |the )?(?:violation|breach))",
                        re.I)
# Something ended ("the Department of Commerce rescinded … the AI Diffusion Rule", "Status: Revoked") or valid until a
# date ("Valid until: 16 April 2026", "in force until 1 July 2026"): what says whether it is still in force.
ENDED = re.compile(r"\b(?:rescind(?:ed|s)|revoked|repealed|withdrawn|withdrew|lifted|expired|cancell?ed|terminated|"
                   r"suspended|superseded|no longer (?:in (?:effect|force)|valid|appl(?:y|ies)|active))\b|"
                   r"\bstatus\s*:\s*(?:revoked|expired|suspended|cancell?ed|withdrawn|terminated)\b", re.I)
# a whole date as records write it: "31 October 2026", "October 31, 2026", "2026-10-31"
DAY_WRITTEN = r"(?:\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d\d-\d\d\b)"
# "Valid until: 14 January 2027", "remains in force until 31 December 2026", and a validity stated as a last day:
# "Validity: This certificate covers shipments dispatched on or before 31 October 2026"
UNTIL = re.compile(rf"\b(?:valid|in force|in effect|effective|expires?|expiring|expiry(?: date)?)\s*(?:until|through|"
                   rf"till|to|on)?\s*:?\s*{DAY_WRITTEN}|\bvalidity\b[^.\n]{{0,80}}?\b(?:until|through|till|on or before|"
                   rf"no later than)\s+{DAY_WRITTEN}", re.I)
STATUS = re.compile(rf"{ENDED.pattern}|{UNTIL.pattern}", re.I)


# a decision: what will (not) be done, or what was decided about a request ("We will not split SH-2026-0231 …",
# "will be reported to the Export Control Board", "is approved"); engines/decisions.py
DECIDED = re.compile(r"\b(?:we|i|the (?:board|committee|team|company))\s+(?:will|shall|have decided to|decided to)\s+"
                     r"(?P<neg>not\s+)?(?P<verb>[a-z]+)\b|"
                     r"\bwill\s+(?P<neg2>not\s+)?be\s+(?P<verb2>[a-z]+ed)\b|"
                     r"\b(?:is|was|has been|are|were|have been)\s+(?P<neg3>not\s+)?(?P<verb3>approved|refused|"
                     r"rejected|denied|granted|authori[sz]ed|declined|cleared|released|accepted|adopted)\b", re.I)
# a request's outcome as minutes label it: "Decision: REFUSED.", "Decision: approved with conditions"
LABELLED = re.compile(r"\bdecision\s*:\s*(?P<verdict>approved|refused|rejected|denied|granted|declined|accepted|"
                      r"cleared)\b", re.I)
# a record held back, which may not go until released: "the order stays on hold" ("No." on "Can it be shipped now?")
ON_HOLD = re.compile(r"\b(?:stays|remains|is|was|are|were|placed|put|kept|still)\s+on\s+hold\b|\b(?:are|is)\s+not\s+"
                     r"(?:to\s+be\s+)?(?:released|shipped|dispatched|delivered|exported)\s+until\b", re.I)  # or
# held back by a condition: "(d) the remaining 30 cards are not released until … the Board has decided again"
# any labelled decision, whatever its outcome ("Decision: possible match, escalated to Dana Whitfield …")
DECISION_LINE = re.compile(r"\bdecision\s*:\s*\w", re.I)


# "What is the capital of Malaysia?", "What was the invoice value of shipment SH-2026-0322?", "What is the licence fee
# for EL-2026-0417?", "What was our total export revenue to Vietnam …?": the noun asked for (`head`, with its
# modifiers `mod`, `mod2`) as a relation of a name; read by abstention
# (a passage about the name that never uses the noun does not answer it) and by the table reader (no column is read
# for a noun no header names)
RELATION = re.compile(r"^\W*(?:what|who|which)\s+(?:is|are|was|were)\s+(?:the|our|their|its|your)\s+(?:(?P<mod>[a-z]{3,})"
                      r"\s+)?(?:(?P<mod2>[a-z]{3,})\s+)?(?P<head>[a-z]{3,})\s+(?:of|for|to|from)\s+\S", re.I)
# the act a who-question asks about: "Who issued …?" -> "issued", "Who can grant …?" -> "grant" (not "is", "was")
WHO_ACTS = re.compile(r"\W*who\s+(?:(?:can|could|may|might|must|shall|should|will|would)\s+)?(?!(?:is|was|are|were|has|"
                      r"have|had|did|does|do)\b)([a-z]+)\b", re.I)
# a rule written as a procedure's step, a condition and what is then done: "1. When the screening tool reports a
# potential match with a match score of 85 or more …, the screener places the order or shipment on hold …"
CONDITIONAL_RULE = re.compile(r"^\W*(?:(?:step\s+)?\d{1,2}[.)]\s*)?(?:when|if|whenever|where)\b[^.;]{3,200},\s+(?:the|a|an|"
                              r"each|every|all|our)\s+[a-z]+\s+(?:[a-z]+\s+)?[a-z]+s\b", re.I)
