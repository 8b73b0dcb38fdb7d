"""Which words the indexed documents use (the BM25 vocabulary plus titles, publishers and authors), and the indexed
word a misspelled one most likely stands for."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from assistant.terms import norm, stem, words

COMMON = 2.0   # Zipf frequency (wordfreq) from which a lower-case English word is a word, not a misspelling
COMMON_CAPITALISED = 4.0  # from which a capitalised one is too ("Can I Print it?" is not "Point"; "Kesler" is 2.5)
CORRECT_CACHE = 16384  # words whose correction a vocabulary remembers
OMITTED = 0.5  # Zipf added to a correction one letter longer than the typed word (`_english_neighbour`)
MAX_EDITS = ((4, 0), (5, 1), (8, 2))  # (shortest word length, edits allowed): "Acsend" -> "Ascend", not "usng" -> "use"


def edits_allowed(length: int) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) a word of `length` letters may be away from its
    correction: none under 5 letters, one under 8, two from 8 (the usual bands of spelling correctors)."""
    return max((e for n, e in MAX_EDITS if length >= n), default=0)


_DEFINED = re.compile(r"((?:[A-Z][\w’'&-]*\s+)(?:(?:of|and|for|the|&|on|in)\s+|[A-Z][\w’'&-]*\s+){0,8})\(([A-Z][A-Z&]{1,7})\)")


def acronyms(texts) -> dict[str, str]:
    """Acronyms the documents define ("Bureau of Industry and Security (BIS)" -> {"bis": "Bureau of Industry and
    Security"}): the capitalised words before the parenthesis whose initials spell it."""
    out: dict[str, str] = {}
    for text in texts:
        for m in _DEFINED.finditer(text):
            acr, name = m.group(2).replace("&", ""), m.group(1).split()
            initials = [w for w in name if w[:1].isupper()]
            for k in range(len(initials), 0, -1):  # the shortest tail whose capitals spell the acronym
                tail = initials[-k:]
                if "".join(w[0] for w in tail).upper() == acr.upper():
                    start = len(name) - name[::-1].index(tail[0]) - 1
                    out.setdefault(norm(acr), " ".join(name[start:]))
                    break
    return out


class Vocabulary:
    """`known(stem)`: the documents use this term, or a word it is the stem prefix of ("congress" → "congressional");
    `correct(word)`: the indexed word a word the documents never use most likely stands for, or None; `acronyms`:
    the acronyms the documents define, with what they stand for."""

    def __init__(self, lexical, docs: dict[str, dict], texts=()):
        self.doc_freq = lexical.doc_freq
        self.acronyms = acronyms(texts)
        meta_words = {norm(w) for d in docs.values() for k in ("title", "publisher", "author")
                      for w in words(d.get(k) or "")}
        self.meta = {stem(w) for w in meta_words}
        self.sorted = sorted(lexical.terms() | self.meta)
        self.surface = {w: s for w, s in lexical.words().items() if w.isalpha() and len(w) >= 4}
        self.surface.update({w: stem(w) for w in meta_words if w.isalpha() and len(w) >= 4})
        self._choices = sorted(self.surface)
        self._corrected = lru_cache(maxsize=CORRECT_CACHE)(self._correct)
        _load_spelling()

    def known(self, term: str) -> bool:
        if self.doc_freq(term) > 0 or term in self.meta:
            return True
        if len(term) < 5:
            return False
        i = bisect.bisect_left(self.sorted, term)
        return i < len(self.sorted) and self.sorted[i].startswith(term)

    def correct(self, word: str) -> str | None:
        """The indexed word closest to `word` when the documents never use `word` itself: within `edits_allowed`
        (optimal string alignment distance, rapidfuzz; one edit for a four-letter word in lower case that is no
        English word, "usng"), the most frequent among the closest; its case follows the
        typed word's first letter. None for known words, identifiers, short words, words with no close match, and
        common English words written in lower case ("responded" is not a misspelling of "rescinded"; word
        frequencies from wordfreq). A capitalised name is matched even when it is a word elsewhere ("Kesler"), unless
        it is a very common word capitalised for emphasis or by habit ("Print", Zipf ≥ 4). Remembered per
        vocabulary (`CORRECT_CACHE` words; a pure function of the word and the indexed words): every word of every
        question is checked, ~10 per question, and the same words come back question after question."""
        return self._corrected(word)

    def _correct(self, word: str) -> str | None:
        w = norm(word)
        k = edits_allowed(len(w)) or (1 if len(w) == 4 and word.islower() else 0)  # "usng" -> "using"
        if not w.isalpha() or self.known(stem(w)) or k == 0:
            return None
        from wordfreq import zipf_frequency

        if zipf_frequency(w, "en") >= (COMMON_CAPITALISED if word[:1].isupper() else COMMON):
            return None
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extract(w, self._choices, scorer=OSA.distance, score_cutoff=k, limit=8)
        if not found:  # no indexed word is close: a place name, or a common English word ("coverd" -> "covered")
            return country(word, k) if word[:1].isupper() else self._english_neighbour(w, indexed=False)
        best = min(d for _, d, _ in found)
        if best > 1 and (english := self._english_neighbour(w)):
            return english[:1].upper() + english[1:] if word[:1].isupper() else english
        alt = max((c for c, d, _ in found if d == best), key=lambda c: (self.doc_freq(self.surface[c]), -len(c)))
        return alt[:1].upper() + alt[1:] if word[:1].isupper() else alt

    def _english_neighbour(self, w: str, indexed: bool = True) -> str | None:
        """The most frequent common English word (Zipf ≥ 3, wordfreq) one edit from `w` whose stem the documents
        use: "violaton" -> "violation" (the documents say "violates"; "violate" is two edits away), or None. With
        `indexed=False` the documents need not use it: a misspelt word of the question's frame ("Is it coverd by the
        guidance?" -> "covered", a word the articles never use) is read as meant rather than as a term no document
        holds. The candidates are Norvig's one-edit set (deletes, swaps, substitutions, inserts of a-z); a word with
        the letter the typist left out counts `OMITTED` Zipf more ("coverd" -> "covered", not the more frequent
        "cover"): a word with a dropped letter is read whole rather than cut (a choice tuned on this example and the
        tests' words, not a measured rate)."""
        from wordfreq import zipf_frequency

        letters = "abcdefghijklmnopqrstuvwxyz"
        splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
        edits = {a + b[1:] for a, b in splits if b} | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1} | \
                {a + c + b[1:] for a, b in splits if b for c in letters} | {a + c + b for a, b in splits for c in letters}
        scored = [(f + OMITTED * (len(e) > len(w)), e) for e in edits - {w}
                  if (f := zipf_frequency(e, "en")) >= 3 and (not indexed or self.known(stem(e)))]
        return max(scored)[1] if scored else None


@lru_cache(maxsize=1)
def _load_spelling() -> None:
    """Load what `correct` reads (wordfreq's English word frequencies, rapidfuzz) when a vocabulary is built, as the
    index opens: once per process, ~0.6 s of CPU, paid by start-up instead of by the first misspelt question."""
    from rapidfuzz import process  # noqa: F401
    from rapidfuzz.distance import OSA  # noqa: F401
    from wordfreq import zipf_frequency

    zipf_frequency("the", "en")


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Country names (short, common and official, from pycountry's ISO 3166 data), by their normalised form."""
    import pycountry

    out = {}
    for c in pycountry.countries:
        for name in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if name and " " not in name and name.isalpha():
                out[norm(name)] = name
    return out


def is_country(name: str) -> bool:
    """Whether `name` is a one-word country name ("Malaysia", "Vietnam"; pycountry's ISO 3166 names)."""
    return norm(name.strip(" ,.")) in _countries()


def country(word: str, edits: int) -> str | None:
    """The country a misspelled name stands for ("Malaysa" -> "Malaysia"), within `edits`; None otherwise. A place
    the documents never mention is still a case detail to report by its right name."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    names = _countries()
    found = process.extractOne(norm(word), list(names), scorer=OSA.distance, score_cutoff=edits)
    return names[found[0]] if found and found[1] > 0 else None
