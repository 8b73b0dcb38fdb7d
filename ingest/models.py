"""Frozen dataclasses that cross the ingest stage boundaries: read (`Parsed`) -> load -> clean -> chunk -> store."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields, replace


@dataclass(frozen=True)
class DocMeta:
    """What a citation needs to name its source. Dates are ISO `YYYY-MM-DD`. `published_from` says where `published`
    was found: "sources.csv", "front matter", "JSONL record", "HTML page", "text" (a dateline in the document) or
    ".docx created date" / "PDF creation date" (the Word file's core property, the PDF info dict's /CreationDate:
    used only when nothing else gives a date)."""

    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    language: str | None = None
    published_from: str | None = None

    def filled_from(self, other: DocMeta) -> DocMeta:
        """Keep our values; take `other`'s where ours are missing."""
        return replace(self, **{f.name: getattr(other, f.name) for f in fields(self) if getattr(self, f.name) is None})

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


PageStarts = tuple[tuple[int, int], ...]
"""Where pages start in a text: `((offset, page), ...)`, sorted by offset, pages 1-based."""


def page_at(pages: PageStarts | list | None, offset: int) -> int | None:
    """The 1-based page holding character `offset`, from page starts `[[offset, page], ...]` sorted by offset.

    `pages` is what a chunk row carries (`Index.chunks(...)[i]["pages"]`, offsets in the document's cleaned text,
    the same offsets as citations), or `CleanDoc.page_starts()`. An offset before the first start belongs to the
    first page listed. None when `pages` is empty or None (unpaged formats).
    """
    if not pages:
        return None
    i = bisect.bisect_right([p[0] for p in pages], offset) - 1
    return int(pages[max(i, 0)][1])


@dataclass(frozen=True)
class Page:
    """A PDF page: 1-based `number`, and its `[start, end)` span in the document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Dropped:
    """Text the format reader left out of the source text, and why: a PDF's running header or footer
    (`page` is its 1-based page), a block of an HTML page that trafilatura did not take as the article."""

    reason: str
    text: str
    page: int | None = None


@dataclass(frozen=True)
class Parsed:
    """One document read from a file: its text, metadata, PDF pages, the text encoding it was decoded from, what
    the reader left out (`dropped`), the date the file says it was created (`created`, `YYYY-MM-DD`: a .docx's
    core properties, a PDF's /CreationDate); `key`/`raw` identify a JSONL record."""

    text: str
    meta: DocMeta = DocMeta()
    pages: tuple[Page, ...] = ()
    key: str | None = None
    raw: bytes | None = None
    encoding: str | None = None
    dropped: tuple[Dropped, ...] = ()
    created: str | None = None


@dataclass(frozen=True)
class SourceDoc:
    """One document as read from the corpus, before cleaning.

    `text` is the file's text (txt, md), the text extracted from HTML or from the PDF pages
    (pages joined by a blank line, spans in `pages`), or a JSONL record's text.
    `source` is the file path relative to the corpus root (`file.jsonl#record_id` for records).
    `content_hash` is the sha256 of the bytes the document came from. `encoding` names the character
    encoding a text file was decoded from (None for formats that carry their own: PDF, DOCX).
    `dropped` lists what the reader left out (running headers, page chrome), shown with the removals.
    `created` is the date (`YYYY-MM-DD`) the file says it was created (a .docx's core properties, a PDF's
    /CreationDate): the published date
    of last resort, used by cleaning only when neither the metadata nor the text gives one.
    """

    doc_id: str
    source: str
    fmt: str
    text: str
    meta: DocMeta
    content_hash: str
    pages: tuple[Page, ...] = ()
    encoding: str | None = None
    dropped: tuple[Dropped, ...] = ()
    created: str | None = None

    def page_at(self, offset: int) -> int | None:
        """The 1-based page number holding text offset `offset`, or None for unpaged formats."""
        if not self.pages:
            return None
        i = bisect.bisect_right([p.start for p in self.pages], offset) - 1
        return self.pages[max(i, 0)].number


@dataclass(frozen=True)
class Segment:
    """`length` characters at `clean_start` of the cleaned text are verbatim the source text at `raw_start`."""

    clean_start: int
    raw_start: int
    length: int


@dataclass(frozen=True)
class Removal:
    """A span of the source text `[raw_start, raw_end)` that cleaning dropped, and why."""

    raw_start: int
    raw_end: int
    reason: str


@dataclass(frozen=True)
class CleanDoc:
    """The article text with boilerplate removed, and a map back to the source text.

    `text` is built only from verbatim slices of `doc.text` (the `segments`) joined by newlines,
    so every offset in it maps back to the source with `to_raw`.
    `meta` is `doc.meta` completed with what cleaning found in the text (title, byline, date).
    """

    doc: SourceDoc
    text: str
    meta: DocMeta
    segments: tuple[Segment, ...]
    removed: tuple[Removal, ...] = ()

    def to_raw(self, offset: int) -> int | None:
        """Source-text offset of cleaned-text `offset`, or None when it falls on an inserted separator."""
        i = bisect.bisect_right([s.clean_start for s in self.segments], offset) - 1
        if i < 0:
            return None
        s = self.segments[i]
        if offset - s.clean_start < s.length or (offset == s.clean_start + s.length):
            return s.raw_start + (offset - s.clean_start)
        return None

    def page_starts(self) -> PageStarts:
        """Where each page of the source starts in the cleaned text, `((clean_offset, page), ...)`; () if unpaged."""
        return clean_page_starts([(s.clean_start, s.raw_start, s.length) for s in self.segments],
                                 [(p.number, p.start) for p in self.doc.pages], len(self.text))


def clean_page_starts(segments: list, pages: list, text_len: int) -> PageStarts:
    """Page starts mapped into a cleaned text: `segments` as `(clean_start, raw_start, length)`, `pages` as
    `(number, raw_start, ...)` in order; each page starts at the first kept character at or after its raw start.
    A page whose text was all removed gives way to the next page starting at the same offset."""
    out: dict[int, int] = {}
    k = 0
    for number, start, *_ in pages:
        while k < len(segments) and segments[k][1] + segments[k][2] <= start:
            k += 1
        offset = text_len if k == len(segments) else segments[k][0] + max(0, start - segments[k][1])
        out[offset] = number
    return tuple(sorted(out.items()))


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned passage of a cleaned document: what is embedded, stored and cited.

    `text == clean_doc.text[start:end]`; `embed_text` is what the embedding model reads
    (the passage with its document title for context); `lexical_text`, when not None, is what BM25 indexes instead
    of `embed_text`: a paragraph's short tail cut into this chunk is indexed with the paragraph's sentences before it
    (see `ingest.chunk`); `chunk_id` is a stable content hash.
    `page` is the page the chunk starts on; `pages` the page starts within it, `((offset, page), ...)` with offsets
    in the cleaned text, the first at `start` (see `page_at`): a quote is cited with the page of its own offset.
    """

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    embed_text: str
    page: int | None = None
    pages: PageStarts = ()
    lexical_text: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A source that was not ingested, with the reason shown to the user."""

    source: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    """What loading a set of paths produced: documents, and the files skipped with reasons.

    `origins[i]` is the absolute path of the file `docs[i]` came from; `failed` holds the absolute paths of
    files that yielded no document (a previously indexed version of those is kept, not removed).
    """

    docs: tuple[SourceDoc, ...] = ()
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)
    origins: tuple[str, ...] = ()
    failed: frozenset[str] = frozenset()
