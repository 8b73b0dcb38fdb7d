"""Sentence-aware chunking sized to what the embedding model reads, with offsets into the cleaned text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from ingest.models import Chunk, CleanDoc
from ingest.settings import ChunkSettings

CHUNKER_VERSION = "1"
_LINE = re.compile(r"[^\n]+")
_WORDS = re.compile(r"\S+")


def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


_SEG = None


def sentences(text: str) -> list[tuple[int, int]]:
    """`[start, end)` spans of the sentences of `text`: never across a line break, whitespace trimmed."""
    global _SEG
    if _SEG is None:
        _SEG = _segmenter()
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        base, body = line.start(), line.group()
        if not body.strip():
            continue
        parts = _SEG.segment(body) if len(body) > 40 else []
        cuts = [(p.start, p.end) for p in parts] or [(0, len(body))]
        for s, e in cuts:
            piece = body[s:e]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            if trail > lead:
                spans.append((base + s + lead, base + s + trail))
    return spans


def _split_long(text: str, start: int, end: int, budget: int, count: Callable[[str], int]) -> list[tuple[int, int]]:
    """Cut one over-long sentence at word boundaries into pieces of at most `budget` tokens."""
    pieces, cur_start, last_end = [], None, start
    for m in _WORDS.finditer(text, start, end):
        if cur_start is None:
            cur_start = m.start()
        elif count(text[cur_start:m.end()]) > budget:
            pieces.append((cur_start, last_end))
            cur_start = m.start()
        last_end = m.end()
    if cur_start is not None:
        pieces.append((cur_start, last_end))
    return pieces


def chunk_id(doc_id: str, text: str, occurrence: int = 0) -> str:
    """Stable content hash of a chunk: the same text in the same document keeps its id across runs."""
    key = f"{doc_id}\x00{text}" + (f"\x00{occurrence}" if occurrence else "")
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def chunk(doc: CleanDoc, count_tokens: Callable[[str], int], settings: ChunkSettings | None = None) -> list[Chunk]:
    """Pack whole sentences into chunks of about `target_tokens`, never over `max_tokens` with the title prefix.

    `count_tokens` is the embedding model's own tokenizer, so nothing embedded is silently truncated.
    """
    settings = settings or ChunkSettings()
    text, title = doc.text, (doc.meta.title or "").strip()
    prefix = f"{title}\n" if title else ""
    budget = settings.max_tokens - (count_tokens(prefix) if prefix else 2)
    units: list[tuple[int, int, int]] = []
    for s, e in sentences(text):
        n = count_tokens(text[s:e]) - 2
        if n <= budget:
            units.append((s, e, n))
        else:
            units.extend((a, b, count_tokens(text[a:b]) - 2) for a, b in _split_long(text, s, e, budget, count_tokens))
    groups: list[tuple[int, int]] = []
    cur: list[int] = []  # [start, end, tokens]
    for s, e, n in units:
        if cur and (cur[2] + n > budget or cur[2] >= settings.target_tokens):
            groups.append((cur[0], cur[1]))
            cur = []
        cur = [cur[0], e, cur[2] + n] if cur else [s, e, n]
    if cur:
        groups.append((cur[0], cur[1]))
    chunks, seen = [], {}
    for i, (s, e) in enumerate(groups):
        body = text[s:e]
        occ = seen.get(body, 0)
        seen[body] = occ + 1
        chunks.append(Chunk(
            chunk_id=chunk_id(doc.doc.doc_id, body, occ), doc_id=doc.doc.doc_id, ordinal=i, text=body,
            start=s, end=e, embed_text=prefix + body, page=doc.doc.page_at(doc.to_raw(s) or 0),
        ))
    return chunks
