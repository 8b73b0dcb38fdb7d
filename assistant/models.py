"""The data that crosses the answering stages: Turn, Filters, Hit, Unit, Citation, Answer (small frozen dataclasses)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from kernel.errors import InputError


@dataclass(frozen=True)
class Turn:
    """One earlier message of a conversation: role is "user" or "assistant"."""

    role: str
    content: str


@dataclass(frozen=True)
class Filters:
    """Metadata filters: publishers (any of), and a published-date range (inclusive)."""

    publisher: tuple[str, ...] = ()
    published_after: date | None = None
    published_before: date | None = None

    @classmethod
    def parse(cls, raw: dict | Filters | None) -> Filters | None:
        """From the API's JSON shape; InputError names the bad field."""
        if raw is None or isinstance(raw, Filters):
            return raw
        if not isinstance(raw, dict):
            raise InputError("filters must be an object")
        unknown = set(raw) - {"publisher", "published_after", "published_before"}
        if unknown:
            raise InputError(f"unknown filter(s): {', '.join(sorted(unknown))} "
                             "(known: publisher, published_after, published_before)")
        pubs = raw.get("publisher") or []
        if isinstance(pubs, str):
            pubs = [pubs]
        if not isinstance(pubs, list) or not all(isinstance(p, str) and p.strip() for p in pubs):
            raise InputError("filters.publisher must be a list of publisher names")
        dates = {}
        for key in ("published_after", "published_before"):
            value = raw.get(key)
            if value in (None, ""):
                dates[key] = None
                continue
            try:
                dates[key] = value if isinstance(value, date) else date.fromisoformat(str(value))
            except ValueError:
                raise InputError(f"filters.{key} must be a date like 2025-05-14, not {value!r}") from None
        f = cls(tuple(p.strip() for p in pubs), dates["published_after"], dates["published_before"])
        if f.published_after and f.published_before and f.published_after > f.published_before:
            raise InputError(f"filters.published_after ({f.published_after}) is later than filters.published_before "
                             f"({f.published_before}): no date is in that range")
        return f if f.publisher or f.published_after or f.published_before else None


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: where it is in its document, what it says, how it ranked."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    score: float
    dense: float | None = None
    lexical: float | None = None
    also_in: tuple[str, ...] = ()
    page: int | None = None
    pages: tuple = ()        # ((document offset, page), ...) where pages start inside the chunk; () without pages
    meta: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Unit:
    """An evidence unit: one sentence (or a sentence with the one it refers back to), verbatim, with offsets."""

    hit: Hit
    start: int
    end: int
    text: str
    relevance: float = 0.0
    cosine: float = 0.0
    overlap: float = 0.0
    heading: bool = False   # a headline or section heading, not a body sentence
    identified: bool = False  # carries an identifier the question names (itself or through its section heading)


@dataclass(frozen=True)
class Citation:
    """What an `[id]` marker points at: a verbatim quote of a document, with offsets into its cleaned text."""

    id: int
    doc_id: str
    chunk_id: str
    quote: str
    start: int
    end: int
    score: float
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    page: int | None = None
    also_in: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        d = asdict(self)
        d["also_in"] = list(self.also_in)
        d["score"] = round(self.score, 4)
        return d


@dataclass(frozen=True)
class Answer:
    """The answer to one question: text with `[n]` markers, their citations, and how it was made."""

    answer: str
    citations: tuple[Citation, ...]
    abstained: bool
    engine: str          # the engine that wrote it: "extractive" when the one asked for fell back (a warning says so)
    corpus_version: str
    settings_hash: str
    request_id: str
    timings_ms: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    answerability: dict = field(default_factory=dict)  # {"answerable", "probability", "threshold"}
    as_of: str | None = None   # the newest publication date among the indexed documents (ISO date)
    # why an abstained answer abstained, as data (None when it answered): {"reason": "not_in_documents",
    # "never_mentioned": [names]}, {"reason": "language", "language": ISO 639-1 code, "name": "Chinese"} or
    # {"reason": "filters_match_nothing"} (the filters admit no indexed document)
    abstention: dict | None = None

    def as_dict(self) -> dict:
        """The `/v1/ask` response object (see API.md)."""
        return {"answer": self.answer, "abstained": self.abstained,
                "citations": [c.as_dict() for c in self.citations], "engine": self.engine,
                "corpus_version": self.corpus_version, "settings_hash": self.settings_hash,
                "request_id": self.request_id,
                "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
                "warnings": list(self.warnings), "as_of": self.as_of, "abstention": self.abstention,
                "answerability": {k: (round(v, 4) if isinstance(v, float) else v)
                                  for k, v in self.answerability.items()}}
