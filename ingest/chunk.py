"""Sentence-aware chunking sized to what the embedding model reads, with offsets into the cleaned text."""

from __future__ import annotations

import bisect
import hashlib
import re

from ingest.embed import Embedder
from ingest.models import Chunk, CleanDoc, page_at
from kernel.sentences import sentences
from kernel.settings import ChunkSettings

CHUNKER_VERSION = "10"  # 3: title prefix capped; page starts per chunk; 4: hard-wrapped sentences joined; 8: list items whole
# 9: a short paragraph's tail cut alone into the next chunk is BM25-indexed with the sentences before it (`_lead`)
# 10: YAML/INI "key: value" lines are code (never joined as one wrapped sentence)
SPECIAL_TOKENS = 2  # [CLS] and [SEP]


def chunk_id(doc_id: str, text: str, occurrence: int = 0) -> str:
    """Stable content hash of a chunk: the same text in the same document keeps its id across runs."""
    key = f"{doc_id}\x00{text}" + (f"\x00{occurrence}" if occurrence else "")
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def _units(text: str, starts: list[int], budget: int) -> list[tuple[int, int, int]]:
    """Sentences as (start, end, tokens); a sentence over `budget` tokens is cut at word boundaries."""
    units = []
    for s, e in sentences(text):
        lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
        if hi - lo <= budget:
            units.append((s, e, hi - lo))
            continue
        piece_start, i = s, lo
        while i < hi:
            j = min(i + budget, hi)
            if j < hi:  # back off to the last word boundary inside the budget
                k = j
                while k > i + 1 and not text[starts[k] - 1].isspace():
                    k -= 1
                j = k if k > i + 1 else j
            end = starts[j] if j < hi else e
            piece = text[piece_start:end].rstrip()
            units.append((piece_start, piece_start + len(piece), j - i))
            piece_start, i = end, j
    return [u for u in units if u[1] > u[0]]


_ITEM = re.compile(r"[ \t]*(?:[-*•+]|\d{1,3}[.)])[ \t]")


def _inside_item(text: str, end: int, start: int) -> bool:
    """The sentence at `start` goes on the list item the chunk ends in ("- Ōtsuka Seimitsu K.K. of Ōsaka, Japan."
    + "Added on 28 April 2025 …"): a chunk that has reached its target still takes it, so one item is never split
    between two chunks (within the token budget)."""
    if "\n" in text[end:start]:
        return False
    return bool(_ITEM.match(text, text.rfind("\n", 0, start) + 1))


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _lead(text: str, units: list[tuple[int, int, int]], first: int, end: int, target: int) -> str:
    """What a chunk starting mid-paragraph at `units[first]` and ending at offset `end` is BM25-indexed with besides
    its own text (`Chunk.lexical_text`): the paragraph's sentences just before it, nearest first, as many whole ones
    as fit in half the target (word pieces), followed by a newline; "" when the chunk starts a paragraph, holds
    more than that paragraph's remainder, its remainder is long enough (over half the target) to say what it is
    about, or the whole paragraph is longer than the target (it had to be split: its last chunk is a continuation,
    not a stranded tail). So only a short paragraph cut in two because the chunk before it was full, its tail left
    alone in a chunk, gets a lead. A paragraph is a block between blank lines (a PDF text box; lines of a record
    or a list).

    So a paragraph's last sentence cut from its lead ("Attendance is mandatory for everyone who handles Z3
    modules." after "The annual training for warehouse staff takes place on 9 October 2026 ...") is found by the
    paragraph's words, while chunk boundaries, chunk texts, embeddings and so every quote, citation and syndicated
    copy link stay as they are. (Moving the tail into the previous chunk instead, commit 204cadd, cost
    compliance_docs citation precision 0.839 -> 0.820 and solana hit@5 0.845 -> 0.776. Embedding the lead too cost
    citation precision 0.839 -> 0.824: the ECCN table's last sentence, embedded with the one before it, was no
    longer linked to the memo that says the same, so both were quoted. A lead for every short remainder, alone in
    its chunk or not, touched 100 of alexnet's 262 chunks and turned two of its answers into abstentions; for every
    tail alone, 209 of ClapNQ's 1,210 chunks, the ends of long one-paragraph passages, and one more unanswerable
    question answered.)"""
    s0 = units[first][0]
    if first == 0 or _PARAGRAPH_BREAK.search(text, units[first - 1][1], s0):
        return ""
    stop = _PARAGRAPH_BREAK.search(text, s0)
    stop_at = stop.start() if stop else len(text)
    if stop_at < end:  # other paragraphs follow in the chunk: the tail is not alone
        return ""
    own = sum(n for s, _, n in units[first:] if s < end)
    if own > target // 2:
        return ""
    begin = first - 1  # the paragraph's first unit
    while begin > 0 and not _PARAGRAPH_BREAK.search(text, units[begin - 1][1], units[begin][0]):
        begin -= 1
    if own + sum(n for _, _, n in units[begin:first]) > target:  # a long paragraph is split anyway: no lone tail
        return ""
    room, i, used = target // 2, first - 1, 0
    while i >= begin and used + units[i][2] <= room:
        used += units[i][2]
        i -= 1
    lead = text[units[i + 1][0]:units[first - 1][1]] if i + 1 < first else ""
    return " ".join(lead.split()) + "\n" if lead else ""


def title_prefix(title: str | None, embedder: Embedder, cap: int) -> str:
    """The title line embedded before each chunk: `title` cut to at most `cap` word pieces of the model's own
    tokenizer, at a word boundary, plus a newline; "" for no title or `cap` < 1."""
    title = " ".join((title or "").split())
    if not title or cap < 1:
        return ""
    starts = embedder.token_starts(title)
    if len(starts) > cap:
        cut = starts[cap]
        space = title.rfind(" ", 0, cut + 1)
        title = title[:space if space > 0 else cut].rstrip()
    return f"{title}\n"


def _page_starts(start: int, end: int, starts: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """The page starts inside `[start, end)`, the first at `start`; () for an unpaged document."""
    first = page_at(starts, start)
    if first is None:
        return ()
    return ((start, first), *((o, p) for o, p in starts if start < o < end))


def chunk(doc: CleanDoc, embedder: Embedder, settings: ChunkSettings | None = None) -> list[Chunk]:
    """Pack whole sentences into chunks of about `target_tokens`, never over `max_tokens` with the title prefix.

    Token counts come from the embedding model's own tokenizer (one call per document), so nothing
    embedded is silently truncated. The title prefix is capped (`title_tokens`, at most a quarter of the budget),
    so a long title never pushes the chunk out of the model's window nor shrinks chunks into split sentences;
    a chunk that starts with a paragraph's short tail is BM25-indexed with the paragraph's sentences before it
    (`_lead`; `lexical_text` = title line + those sentences + newline + `text`; None for every other chunk);
    `max_tokens` is also held to what the model reads (`embedder.max_tokens`).
    """
    settings = settings or ChunkSettings()
    text = doc.text
    limit = min(settings.max_tokens, embedder.max_tokens) - SPECIAL_TOKENS
    prefix = title_prefix(doc.meta.title, embedder, min(settings.title_tokens, limit // 4))
    budget = limit - (len(embedder.token_starts(prefix)) if prefix else 0)
    units = _units(text, embedder.token_starts(text), budget)
    groups: list[tuple[int, int, int, int]] = []  # start, end, tokens, index of the first unit
    cur: list[int] = []  # [start, end, tokens, first unit]
    for k, (s, e, n) in enumerate(units):
        if cur and (cur[2] + n > budget or cur[2] >= settings.target_tokens and not _inside_item(text, cur[1], s)):
            groups.append((cur[0], cur[1], cur[2], cur[3]))
            cur = []
        cur = [cur[0], e, cur[2] + n, cur[3]] if cur else [s, e, n, k]
    if cur:
        groups.append((cur[0], cur[1], cur[2], cur[3]))
    page_starts = doc.page_starts()
    chunks, seen = [], {}
    for i, (s, e, _, first) in enumerate(groups):
        body = text[s:e]
        lead = _lead(text, units, first, e, settings.target_tokens)
        occ = seen.get(body, 0)
        seen[body] = occ + 1
        chunks.append(Chunk(
            chunk_id=chunk_id(doc.doc.doc_id, body, occ), doc_id=doc.doc.doc_id, ordinal=i, text=body,
            start=s, end=e, embed_text=prefix + body, page=page_at(page_starts, s),
            pages=_page_starts(s, e, page_starts), lexical_text=prefix + lead + body if lead else None,
        ))
    return chunks
