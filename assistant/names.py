"""Names in text: the capitalised words and identifiers a question asks about or a passage mentions, and the
names that follow a preposition of place (where a case happens). Shared by question analysis, retrieval and the
engines; sentences are split as ingest splits documents."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.terms import DATED, words
from kernel.sentences import sentences as split_sentences


def sentences(text: str) -> list[str]:
    """The sentences of a message, as ingest splits documents (blingfire: "Trading Co. based?" is one sentence),
    and at semicolons and line breaks."""
    out: list[str] = []
    for line in re.split(r"\n+|(?<=[;?!])\s+", text.strip()):
        for part in [line[a:b].strip() for a, b in split_sentences(line)] or [line.strip()]:
            if out and _ORDINAL_DAY.search(out[-1]) and _MONTH_NEXT.match(part):  # "seit dem 1. August 2026": a
                out[-1] = f"{out[-1]} {part}"  # German day, not the end of a sentence
            else:
                out.append(part)
    return [x for x in out if x]


_ORDINAL_DAY = re.compile(r"(?<![\d.])\d{1,2}\.$")
_MONTH_NEXT = re.compile(r"(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|"
                         r"Dezember)\b")


# capitalised for emphasis or grammar, not names: "Is it NOT a violation?", "answer only YES", "I"
_NOT_NAMES = frozenset({"i", "ok", "okay", "not", "yes", "no", "only", "never", "please", "urgent", "important", "asap", "fyi", "all",
                        "any", "and", "or", "the", "a", "is", "it", "what", "who", "why", "how", "when", "where"})
# German capitalises every noun: one right after an article or a possessive is a noun, not a name ("unser Team",
# "der Einsatz", "am Standort München": "Standort" is none, "München" is one)
_DETERMINERS_DE = frozenset({"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines",
                             "unser", "unsere", "unseren", "unserem", "unserer", "unseres", "mein", "meine", "ihr",
                             "ihre", "sein", "seine", "kein", "keine", "dieser", "diese", "dieses", "diesem", "jeder",
                             "jede", "jedes", "am", "im", "zum", "zur", "vom", "beim"})
_REFERENCE = re.compile(r"(?:§+|\b(?:section|sections|part|paragraph|article|clause|rule|eccn|no|number|licen[cs]e|"
                        r"code|cas|hs|item|schedule|annex|supplement|group))\.?\s*$", re.I)
_AMOUNT = re.compile(r"[$€£¥]\s*$|\b(?:usd|eur|gbp|rm|myr|sgd)\s*$", re.I)


def _value(sentence: str, w: str, at: int) -> bool:
    """`w` (a token with digits, at offset `at`) is a quantity or amount, not an identifier: "$20,000", "0.82",
    "15 days", "300 thermal cameras"; but "§ 744.23", "part 740", "910D", "2019" and "EL-2025-0001" are identifiers."""
    before = sentence[max(0, at - 24):at]
    if _REFERENCE.search(before):
        return False
    if _AMOUNT.search(before) or re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", w):
        return True
    if re.fullmatch(r"\d+", w) and not re.fullmatch(r"(?:19|20)\d\d", w) and not re.search(r"\bthe\s*$", before, re.I) \
            and re.match(
            r"\s+(?!(?:of|in|on|at|to|and|or|for|is|are|was|were|the|a|an|by|from)\b)[a-z]", sentence[at + len(w):]):
        return True  # a count of something: "300 thermal imaging cameras", "800 units"
    return bool(re.fullmatch(r"\d{1,2}(?:\.\d+)?", w)) or bool(re.fullmatch(r"\d+\.\d+", w) and len(w.split(".")[0]) < 3)


def names_in(text: str) -> list[str]:
    """Capitalised words not opening a sentence (nor following a German article: `_DETERMINERS_DE`), and identifiers with digits (model numbers, years, section and
    licence numbers; not quantities or amounts such as "$20,000", "0.82" or "15 days", nor the words of a calendar
    date such as "15 June 2025")."""
    out: list[str] = []
    for sent in sentences(text):
        pos = 0
        dates = [m.span() for m in DATED.finditer(sent)]  # "dated 15 June 2025": a date, not a name to look up
        said = words(sent)
        for i, w in enumerate(said):
            at = sent.find(w, pos)
            pos = at + len(w) if at >= 0 else pos
            if any(a <= at < b for a, b in dates):
                continue
            digits = any(c.isdigit() for c in w)
            named = (digits and not _value(sent, w, max(at, 0))) or (i > 0 and w[:1].isupper() and not digits
                                                                     and w.lower() not in _NOT_NAMES
                                                                     and said[i - 1].lower() not in _DETERMINERS_DE)
            if named and w not in out:
                out.append(w)
    return out


@lru_cache(maxsize=16384)
def passage_names(text: str) -> tuple[str, ...]:
    """`names_in` of a passage, remembered (the same passages are scored every question; questions use names_in)."""
    return tuple(names_in(text))


_SETTING = re.compile(r"(?<!\w)(?:in|at|to|into|within|inside|across|throughout|near|around|"
                      r"en|à|au|aux|dans|nach|im)\s+(?:the\s+)?$", re.I)  # and French, Spanish, German ones


def settings_in(text: str, names: list[str]) -> set[str]:
    """The names of `text` that follow a preposition of place or direction: where the asked case happens (or where a
    rule applies: "at the Penang lab")."""
    out = set()
    for n in names:
        for m in re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", text):
            if _SETTING.search(text[:m.start()]):
                out.add(n)
    return out
