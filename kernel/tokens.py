"""One definition of a word for the whole pipeline: BM25 at ingest and at query time, question analysis, the
vocabulary and verification all split and normalise text with these functions, so an identifier found in a
question is looked up exactly as the index stored it.

A token is a run of Unicode letters and digits ("Böhm", "Liège", "北京"), joined across `. , : ' ’ - _` when a
letter or digit follows ("U.S", "744.23", "3A090.a", "D:5", "EL-2025-0001", "MATCH_THRESHOLD", "10,000"), with any
paragraph references attached ("744.23(a)(4)"); a free-standing paragraph reference ("(a)(4)") is a token too.
Normalising case-folds, removes accents ("böhm" -> "bohm", so "Bohm" finds "Böhm"), drops a possessive "'s"
and the thousands separators of a number ("10,000" -> "10000"). Only purely alphabetic words are stemmed (Snowball
English, as BM25 was before); identifiers are kept whole, and the index also holds their parts ("3a090.a" and
"3a090"), so "ECCN 3A090" finds "3A090.a" while an exact match still counts most (its IDF is the highest).

Identifiers (`identifiers`: section numbers, ECCNs, licence numbers, configuration keys) are found here too, for
syndication links at ingest and for telling records apart when answering. A change to how text is split or what
counts as an identifier changes the index: bump TOKENIZER_VERSION (BM25) or ingest.dedupe.DEDUPE_VERSION (links).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

TOKENIZER_VERSION = "tokens-2"   # recorded in the index's shaping: a change rebuilds the BM25 index

_PARA = r"(?:\((?:[a-z]{1,4}|\d{1,3})\))"
TOKEN = re.compile(rf"[^\W_]+(?:(?:[.,:'’\-]|_+)[^\W_]+)*{_PARA}*|{_PARA}+", re.I)
_JOIN = re.compile(r"[.,:'’\-_()]+")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af])")  # a Chinese, Japanese or Korean character


def words(text: str) -> list[str]:
    """The surface tokens of `text`, as written ("Böhm", "3A090.a", "U.S", "Huawei’s")."""
    return TOKEN.findall(CJK.sub(r" \1 ", text)) if CJK.search(text) else TOKEN.findall(text)


# British and American spellings of the same word ("licence" / "license"): compliance text is written in both
_SPELLINGS = {"licence": "license", "licences": "licenses", "licenced": "licensed", "licencing": "licensing",
              "defence": "defense", "offence": "offense", "offences": "offenses", "authorisation": "authorization",
              "authorisations": "authorizations", "authorised": "authorized", "authorise": "authorize",
              "organisation": "organization", "organisations": "organizations", "utilising": "utilizing"}


@lru_cache(maxsize=131072)
def norm(word: str) -> str:
    """A token case-folded, without accents, with a straight apostrophe, no possessive "'s", no thousands
    separators in a number, and in American spelling: "Huawei’s" -> "huawei", "Côté" -> "cote", "10,000" -> "10000",
    "Licence" -> "license"."""
    w = unicodedata.normalize("NFKD", word.casefold().replace("’", "'"))
    w = "".join(c for c in w if not unicodedata.combining(c)).removesuffix("'s")
    w = _SPELLINGS.get(w, w)
    return w.replace(",", "") if _GROUPED.fullmatch(w) else w


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=131072)
def stem(word: str) -> str:
    """The index term of one token: normalised, and Snowball-stemmed when purely alphabetic ("violates" ->
    "violat"); identifiers and numbers stay whole ("3a090.a", "744.23", "match_threshold")."""
    w = norm(word)
    return _stemmer().stemWord(w) if w.isalpha() else w


def parts(word: str) -> list[str]:
    """The pieces of a compound token worth indexing on their own (two characters or more): "3A090.a" ->
    ["3a090"], "EL-2025-0001" -> ["el", "2025", "0001"]; none for a plain word or a grouped number."""
    w = norm(word)
    if w.isalnum() or _GROUPED.fullmatch(word.replace("’", "'")):
        return []
    return [p for p in _JOIN.split(w) if len(p) >= 2 and p != w]


def index_terms(text: str) -> list[str]:
    """What BM25 indexes and searches for in `text` (before stemming and stop words): each token normalised,
    followed by the parts of a compound token. Used as the bm25s tokenizer's splitter."""
    out: list[str] = []
    for w in words(text):
        out.extend(_terms_of(w))
    return out


@lru_cache(maxsize=131072)
def _terms_of(word: str) -> tuple[str, ...]:
    """`norm(word)` followed by `parts(word)`, remembered per token: the same words come back in every passage
    (one cached call per token instead of three, plus the parts' checks)."""
    return (norm(word), *parts(word))


# Words that change what a sentence claims: two sentences that differ in them are different claims, however close
# their wording ("violates" / "may violate"; "approved" / "not approved").
HEDGES = frozenset({"may", "might", "could", "can", "potentially", "possibly", "reportedly", "allegedly", "likely",
                    "unlikely", "perhaps", "risk", "risks", "suspected", "suspicions", "would", "expected",
                    "reports", "reported", "claims", "claimed"})
NEGATIONS = frozenset({"not", "no", "never", "none", "neither", "nor", "without", "cannot", "n't", "denies",
                       "denied", "deny"})
_MONTH_MAY = re.compile(r"\bMay(?=\s+\d)|(?<=\d\s)May\b")


def claim_markers(text: str) -> tuple[frozenset[str], bool, frozenset[str]]:
    """What two near-identical sentences must share to make the same claim: their hedging words, whether they
    negate, and their numbers and identifiers ("$10,000", "15 days", "EL-2025-0001", "2024"), normalised."""
    plain = _MONTH_MAY.sub(" ", text)
    toks = words(plain)
    low = [t.lower() for t in toks]
    hedge = frozenset(w for w in low if w in HEDGES)
    negation = any(w in NEGATIONS for w in low) or "n't" in plain.lower().replace("’", "'")
    figures = frozenset(norm(t) for t in toks if any(c.isdigit() for c in t))
    return hedge, negation, figures


_PLAIN_NUMBER = re.compile(r"\d+|\d{1,3}(?:,\d{3})+")  # "2025", "10,000": figures (claim_markers), not names
_DECIMAL = re.compile(r"\d+\.\d+")
# a decimal written as an amount ("$2.50", "€ 1.5", "USD 3.20") or a share or magnitude ("44.5%", "2.6 million")
_QUANTITY = re.compile(
    r"(?:[$€£¥₹₩¢]|\b(?:USD|EUR|GBP|JPY|CNY|RMB|MYR|SGD)\b)\s?(\d+\.\d+)(?![\w.])"
    r"|(?<![\w.])(\d+\.\d+)(?=\s?(?:%|percent\b|per cent\b|thousand\b|million\b|billion\b|trillion\b|[kmb]n?\b))",
    re.IGNORECASE)


def is_identifier(word: str) -> bool:
    """Whether a token (`words`) can name something: it has a digit and is not a plain number or
    year ("744.23", "D:5", "3A090.a", "EL-2025-0001", "910D"), or it joins parts with an underscore
    ("MATCH_THRESHOLD"). A word such as "U.S" or "Shenzhen-based" is not one. `identifiers` also leaves out
    decimals written as amounts or shares, which only the text around them tells apart."""
    if any(c.isdigit() for c in word):
        return not _PLAIN_NUMBER.fullmatch(word)
    return "_" in word


@lru_cache(maxsize=32768)
def identifiers(text: str) -> frozenset[str]:
    """The identifiers of a text (`is_identifier`), normalised: section numbers and paragraph references ("744.23",
    "744.23(a)(4)"), ECCNs ("3a090.a"), country groups ("d:5"), licence numbers ("el-2025-0001"), model numbers
    ("910d"), configuration keys ("match_threshold"). Not plain numbers or years, and not a decimal that the text
    only writes as an amount or a share ("$2.50", "44.5%", "2.6 million"): those are figures, which
    ingest.dedupe.same_claim compares sentence by sentence."""
    quantities = Counter(a or b for a, b in _QUANTITY.findall(text))
    tokens = [w for w in words(text) if is_identifier(w)]
    seen = Counter(w for w in tokens if _DECIMAL.fullmatch(w))
    return frozenset(norm(w) for w in tokens if not (_DECIMAL.fullmatch(w) and seen[w] <= quantities[w]))
