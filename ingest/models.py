"""Frozen dataclasses that cross the ingest stage boundaries: load -> clean -> chunk -> store."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields, replace


@dataclass(frozen=True)
class DocMeta:
    """What a citation needs to name its source. Dates are ISO `YYYY-MM-DD`."""

    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    language: str | None = None

    def filled_from(self, other: DocMeta) -> DocMeta:
        """Keep our values; take `other`'s where ours are missing."""
        return replace(self, **{f.name: getattr(other, f.name) for f in fields(self) if getattr(self, f.name) is None})

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Page:
    """A PDF page: 1-based `number`, and its `[start, end)` span in the document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class SourceDoc:
    """One document as read from the corpus, before cleaning.

    `text` is the file's text (txt, md), the text extracted from HTML or from the PDF pages
    (pages joined by a blank line, spans in `pages`), or a JSONL record's text.
    `source` is the file path relative to the corpus root (`file.jsonl#record_id` for records).
    `content_hash` is the sha256 of the bytes the document came from.
    """

    doc_id: str
    source: str
    fmt: str
    text: str
    meta: DocMeta
    content_hash: str
    pages: tuple[Page, ...] = ()

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


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned passage of a cleaned document: what is embedded, stored and cited.

    `text == clean_doc.text[start:end]`; `embed_text` is what the embedding model reads
    (the passage with its document title for context); `chunk_id` is a stable content hash.
    """

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    embed_text: str
    page: int | None = None


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
