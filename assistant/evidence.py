"""Evidence units: the sentences of the retrieved chunks, embedded (cached) and scored against the question.

A sentence that opens by pointing back ("This…", "The company also…") is joined to the sentence before it, so
that it is never quoted without what it refers to. Relevance mixes the embedding cosine, the IDF-weighted share
of the question's terms the unit contains, the chunk's fused rank, and whether the unit holds the kind of thing
asked for (a number for "how many", a date for "when").
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

from assistant.injection import FlaggedSpans
from assistant.instructions import instructing
from assistant.models import Hit, Unit
from assistant.question import Question
from assistant.terms import CALENDAR, NUMBER, content_stems, hedges, stem, stem_set, when, words
from ingest.embed import Embedder
from ingest.units import records, unit_spans  # noqa: F401 - records: part of this module's interface
from kernel.sentences import is_code

HEADING_WEIGHT = 0.85
IDENTIFIER_BONUS = 0.15
_SECTION = re.compile(r"^(?:§+\s*\d|(?:section|part|article|chapter)\s+\d+[\w.]*\b)", re.I)


def heading(hit: Hit, start: int, end: int) -> bool:
    """The unit is a headline or section heading: a whole line of its own with no closing punctuation."""
    return _heading(hit.text, start - hit.start, end - hit.start)


_CLOSED = re.compile(r"[.!?…:;”\"’)]$")


def _heading(chunk: str, s: int, e: int) -> bool:
    text = chunk[s:e].rstrip()
    whole = (s == 0 or chunk[s - 1] == "\n") and (e >= len(chunk) or chunk[e:e + 1] in ("\n", ""))
    return whole and not _CLOSED.search(text) and len(text.split()) <= 30 and not is_code(text)


@lru_cache(maxsize=16384)
def _layout(chunk: str) -> tuple[tuple[int, int, str, bool, bool], ...]:
    """What ranking needs of each unit of a chunk's text that no question changes: its span in the text, its text,
    whether it is a heading, whether it opens a section (a heading, or "§ 744.23 …"). Cached (a pure function of
    the text): the chunks retrieved come back question after question, and their unit texts are then the same
    objects, whose hashes the caches of `stem_set` and `instructing` do not compute again."""
    out = []
    for s, e in unit_spans(chunk):
        text, head = chunk[s:e], _heading(chunk, s, e)
        out.append((s, e, text, head, bool(head or _SECTION.match(text))))
    return tuple(out)


def split(hit: Hit) -> list[tuple[int, int]]:
    """Unit spans of one chunk, as offsets into its document's cleaned text (`ingest.units`: sentences, a
    back-reference joined to the sentence before it, records whole); Markdown markup that opens a line ("## ", "> ",
    "**") is left out of the span, so that it never appears in a quote. Stored at ingest, else split now."""
    return [(hit.start + s, hit.start + e) for s, e in unit_spans(hit.text)]


class Evidence:
    """Splits hits into units, embeds them once (LRU cache by chunk), and ranks them for a question."""

    def __init__(self, embedder: Embedder, lexical, embed_chunks: int = 4, cache_chunks: int = 50_000):
        self.embedder, self.embed_chunks = embedder, embed_chunks
        self.doc_freq, self.idf = lexical.doc_freq, idf_of(lexical)
        self.cache: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self.lock = threading.Lock()
        self.cache_chunks = cache_chunks

    def _vectors(self, hits: list[Hit]) -> list[tuple[Hit, list[tuple[int, int]], np.ndarray | None]]:
        """Unit spans of every hit; unit vectors for the first `embed_chunks` hits (encoded once, then cached)."""
        with self.lock:
            todo = [h for h in hits[: self.embed_chunks] if h.chunk_id not in self.cache]
        fresh: dict[str, tuple[list[tuple[int, int]], np.ndarray]] = {}
        if todo:  # encoded outside the lock: concurrent questions do not wait for each other's encoding
            spans = {h.chunk_id: split(h) for h in todo}
            texts = [h.text[s - h.start:e - h.start] for h in todo for s, e in spans[h.chunk_id]]
            vecs = self.embedder.encode(texts, query=True)
            i = 0
            for h in todo:
                n = len(spans[h.chunk_id])
                fresh[h.chunk_id] = (spans[h.chunk_id], vecs[i:i + n])
                i += n
        out = []
        with self.lock:
            self.cache.update(fresh)
            for k, h in enumerate(hits):
                if k < self.embed_chunks:
                    self.cache.move_to_end(h.chunk_id)
                    out.append((h, *self.cache[h.chunk_id]))
                else:
                    out.append((h, split(h), None))
            while len(self.cache) > self.cache_chunks:
                self.cache.popitem(last=False)
        return out

    def rank(self, q: Question, qvec: np.ndarray, hits: list[Hit], planted=None
             ) -> tuple[list[Unit], dict[str, np.ndarray], dict[str, str]]:
        """Every unit of `hits`, best first; the vectors of the units that were embedded ('chunk:start'); the
        documents whose text tries to instruct the assistant, each with the first such sentence. `planted(doc_id)`
        gives a document's spans never to use as evidence ([(start, end, reason)], document offsets): the
        instructing sentences and the rest of their paragraphs (assistant.injection.flagged_spans)."""
        weights = self.term_weights(q)
        total = sum(weights.values()) or 1.0
        asked = identifiers(q.names)
        units: list[Unit] = []
        vectors: dict[str, np.ndarray] = {}
        ignored: dict[str, str] = {}
        encoded = self._vectors(hits)
        hedged = asked_hedges(q)
        fit = type_fit(q)
        for rank, (h, _spans, vecs) in enumerate(encoded):
            prior = 0.05 * (1 - rank / max(1, len(encoded)))
            planted_in = planted(h.doc_id) if planted else []
            bad = _overlapping(planted_in, h.start, h.start + len(h.text))  # the chunk's own: units lie inside it
            section: set[str] = set()  # the stems of the heading the unit stands under ("§ 744.23 Supercomputer…")
            titled = stem_set(str(h.meta.get("title") or "")) if asked else set()  # "memo EC-2025-014": its title
            author = str(h.meta.get("author") or "")
            for j, (s, e, text, head, opens) in enumerate(_layout(h.text)):  # the units of `_spans`, in their order
                s, e = h.start + s, h.start + e
                hit_bad = bool(bad) and any(b[0] < e and b[1] > s for b in bad)
                if hit_bad or instructing(text):  # text that tries to instruct the assistant is never evidence
                    first = _first_instruction(planted_in)  # the document's first
                    ignored.setdefault(h.doc_id, h.text[first[0] - h.start:first[1] - h.start]
                                       if first and h.start <= first[0] and first[1] <= h.end else text)
                    continue
                cos = float(max(0.0, np.dot(qvec, vecs[j]))) if vecs is not None else max(0.0, h.dense or 0.0)
                have = stem_set(text)
                have |= {a for a, full in q.aliases if full and set(full) <= have}  # "Bureau of Industry and Security" is "BIS"
                overlap = sum(w for t, w in weights.items() if t in have) / total
                identity = _identity(asked, text, have | titled if head else have | section | titled)
                rel = 0.55 * cos + 0.45 * overlap + prior + fit(text, author) \
                    + identity  # a section's body is its identifier's too
                if hedged and hedged & hedges(text):  # "which source says it only *may* violate them?"
                    rel += HEDGE_BONUS
                if opens:  # a heading; "§ 744.23 Supercomputer … end uses." opens a section too
                    section = have
                if head:  # a body sentence that states the claim goes first; a headline is support of last resort
                    rel *= HEADING_WEIGHT
                units.append(Unit(hit=h, start=s, end=e, text=text, relevance=rel, cosine=cos, overlap=overlap,
                                  heading=head, identified=identity > 0))
                if vecs is not None:
                    vectors[f"{h.chunk_id}:{s}"] = vecs[j]
        units.sort(key=lambda u: -u.relevance)
        return units, vectors, ignored

    def term_weights(self, q: Question) -> dict[str, float]:
        """IDF weight of each term searched for that the index knows; the question's own terms count double."""
        own = set(q.terms)
        out = {t: self.idf(t) * (2.0 if t in own else 1.0) for t in (*own, *content_stems(q.search))}
        return {t: w for t, w in out.items() if self.doc_freq(t) > 0}


def _overlapping(spans, start: int, end: int) -> list:
    """The spans of `spans` (`(start, end, reason)`, document offsets) that overlap `[start, end)`; of an
    `injection.FlaggedSpans`, only the paragraphs that overlap it are scanned."""
    if isinstance(spans, FlaggedSpans):
        return spans.overlapping(start, end)
    return [b for b in spans if b[0] < end and b[1] > start]


def _first_instruction(spans) -> tuple | None:
    """The first of `spans` flagged as an instruction itself, not as its paragraph's (None if none is)."""
    if isinstance(spans, FlaggedSpans):
        return spans.first_instruction()
    return next((b for b in spans if b[2].startswith("instruction")), None)


def idf_of(lexical) -> callable:
    """BM25-style IDF from the lexical index's document frequencies (terms it never saw get the highest)."""
    n = max(1, lexical.n_docs)

    def idf(term: str) -> float:
        df = lexical.doc_freq(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf


def _shape(token: str) -> str:
    """The pattern of an identifier: "EL-2025-0001" -> "AA-9999-9999" (records from one template share it)."""
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "9", token))


def identifiers(names) -> dict[str, str]:
    """The question's identifiers (names with digits), by index term, with their shapes."""
    return {stem(n): _shape(n) for n in names if any(c.isdigit() for c in n)}


def _identity(asked: dict[str, str], text: str, have: set[str]) -> float:
    """An exact identifier match counts strongly; a record with another identifier of the same shape (another
    licence from the same template) counts against, so that a question about EL-2025-0001 is answered from it."""
    if not asked:
        return 0.0
    if any(t in have for t in asked):
        return IDENTIFIER_BONUS
    return -IDENTIFIER_BONUS if _shapes_in(text) & set(asked.values()) else 0.0


@lru_cache(maxsize=32768)
def _shapes_in(text: str) -> frozenset[str]:
    """The shapes of the tokens of `text` that hold a digit. Cached (a pure function of the text): every unit of every
    retrieved chunk is checked against each question that names an identifier."""
    return frozenset(_shape(w) for w in words(text) if any(c.isdigit() for c in w))


HEDGE_BONUS = 0.1


def asked_hedges(q: Question) -> frozenset[str]:
    """The hedging words a question asks about ("Which source says it only *may* violate them?", "who reported
    that it *could*…"), not a modal that opens the question ("May we export…?", "Could testing…?")."""
    body = q.ask or q.core
    if not body:
        return frozenset()
    return hedges(body.split(None, 1)[1] if " " in body.strip() else "") & _MODAL_HEDGES


_MODAL_HEDGES = frozenset({"may", "might", "could", "possibly", "potentially", "reportedly", "allegedly", "likely"})


_AUTHORSHIP = re.compile(r"\bwho (?:wrote|authored|signed|drafted)\b|\bauthor of\b|\bwritten by\b|"
                         r"\bwhose (?:memo|note|report|article|letter)\b", re.I)
_BYLINE = re.compile(r"^(?:from|by|author|authors|written by|prepared by|signed)\b[:\s]", re.I)


# "What did China say about …?", "how did Huawei respond to …?": a unit in which the speaker says something
_SAID = re.compile(r"^\W*(?:what|how)\s+(?:did|does|do|has|have)\s+((?:the\s+)?[\w’'.&-]+(?:\s+[\w’'.&-]+){0,3}?)\s+"
                   r"(?:say|said|state|respond|react|reply|claim|argue|comment|think|announce)\b", re.I)
_SPEECH = re.compile(r"\b(?:said|says|stated|states|criticized|criticised|condemned|warned|announced|claimed|claims|"
                     r"argued|responded|told|described|called|accused|urged|noted|added|denied|insisted)\b", re.I)
_DEMONYM = {stem(a): stem(b) for a, b in (("China", "Chinese"), ("Chinese", "China"), ("US", "American"),
                                          ("America", "American"), ("Malaysia", "Malaysian"), ("Japan", "Japanese"),
                                          ("Taiwan", "Taiwanese"), ("Korea", "Korean"), ("Russia", "Russian"))}


def _type_fit(q: Question, text: str, author: str = "") -> float:
    """A small bonus when a unit holds what the question asks for, a small malus when it cannot; for "who wrote…",
    a byline ("From: Priya Raman, Compliance Lead.", "By Jane Doe") or the document's recorded author."""
    return type_fit(q)(text, author)


def type_fit(q: Question):
    """`_type_fit` for one question: `(text, author) -> float`. What the question asks for is read once, not once per
    unit of every retrieved chunk."""
    if _AUTHORSHIP.search(q.ask or q.core or q.text):
        return lambda text, author="": 0.35 if _BYLINE.match(text.strip()) or (author and author in text) else 0.0
    if (said := _SAID.search(q.ask or q.core or "")) is not None:  # "What did China say about the guidance?"
        speaker = {stem(w) for w in words(said.group(1))} | {_DEMONYM.get(stem(w), "") for w in words(said.group(1))}
        return lambda text, author="": 0.2 if _speech(text) and speaker & stem_set(text) else 0.0
    if q.kind == "number":  # terms.new_match(NUMBER, text, q.text), the unit's side remembered per text
        asked = frozenset(m.group(0).lower() for m in NUMBER.finditer(q.text))
        return lambda text, author="": 0.12 if _numbers_in(text) - asked else -0.08
    if q.kind == "date":  # a calendar date ("May 13") says more than a weekday or "late last month"
        return lambda text, author="": _date_fit(text)
    return lambda text, author="": 0.0


# What `type_fit` reads in a unit, remembered per text (pure functions of it): the units of the chunks retrieved are
# read again on every question of the same kind.
@lru_cache(maxsize=32768)
def _speech(text: str) -> bool:
    return _SPEECH.search(text) is not None


@lru_cache(maxsize=32768)
def _numbers_in(text: str) -> frozenset[str]:
    return frozenset(m.group(0).lower() for m in NUMBER.finditer(text))


@lru_cache(maxsize=32768)
def _date_fit(text: str) -> float:
    return 0.12 if CALENDAR.search(text) else 0.06 if when(text) else -0.08
