"""The read side of the index, used by the assistant: documents, chunks, dense and lexical search."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TypeVar

import numpy as np

from ingest import generations, manifest_readers
from ingest.manifest import Manifest
from ingest.models import page_at
from ingest.units import remember as remember_units
from ingest.vector_store import MetaFilter, VectorStore, open_store, release_store
from kernel.errors import IndexUnavailableError, NotFoundError
from kernel.settings import Settings

__all__ = ["Index", "open_index", "page_at", "read_consistently"]
log = logging.getLogger("grounded.ingest")
T = TypeVar("T")
R = TypeVar("R")
OVERFETCH = 500  # this many more nearest chunks asked of the store at first while it holds other versions' chunks
ROW_CACHE = 20_000  # chunk rows remembered by id (a chunk of ~1 KB of text: ~20-40 MB at most)


class Index:
    """A built index: the manifest (documents, chunks), the vector store and BM25, opened lazily.

    An Index reads one corpus version, the one published when it was opened or last `reload`ed (`version`,
    `generation`): its chunk rows, dense and lexical search never show chunks another version added or replaced, even
    while an ingest writes the next version beside it (ingest.generations). `corpus_version` is the one published now.
    """

    def __init__(self, settings: Settings):
        path = settings.index_dir / "manifest.sqlite"
        if not path.exists():
            raise IndexUnavailableError(f"no index at {settings.index_dir}: run `python -m ingest` (or `make run`) first")
        self.settings = settings
        self.manifest = Manifest(path)
        self._rows: dict[str, dict] = {}  # chunk rows by id, as read (see `chunks`); emptied by `reload`
        self._rows_lock = threading.Lock()
        self.pinned = generations.pin(self.manifest.db)
        self.manifest.generation = self.pinned.generation

    @property
    def corpus_version(self) -> str:
        """The corpus version published now (it differs from `version` once an ingest has switched)."""
        return self.manifest.get("corpus_version", "") or ""

    @property
    def version(self) -> str:
        """The corpus version this Index reads ("" for an empty index)."""
        return self.pinned.version

    @property
    def generation(self) -> int:
        return self.pinned.generation

    def outdated(self) -> bool:
        """Whether the index now publishes another generation than the one this Index reads (another corpus version,
        or the same one written again: the rows this Index reads are then purged in time)."""
        now = generations.pin(self.manifest.db)
        return (now.version, now.generation) != (self.pinned.version, self.pinned.generation)

    def lease(self) -> manifest_readers.Lease:
        """A lease on the generation this Index reads, for one request (ingest.manifest_readers): taken now, released
        when the `with` block ends; never raises for the lease file's sake."""
        return manifest_readers.Lease(self.settings.index_dir, self.generation)

    def documents(self) -> list[dict]:
        """id, title, publisher, published, url, source, chunks of every document."""
        return [{"doc_id": r.doc_id, **{k: r.meta.get(k) for k in ("title", "publisher", "author", "published", "url")},
                 "source": r.source, "chunks": r.n_chunks, "state": r.state} for r in self.manifest.docs().values()]

    def document(self, doc_id: str) -> dict:
        """Metadata, cleaned text, removals and pages of one document; NotFoundError if unknown."""
        doc = self.manifest.document(doc_id)
        if doc is None:
            raise NotFoundError(f"no document {doc_id!r} in the index (see `python -m ingest show`)")
        return doc

    def chunks(self, doc_id: str | None = None, ids: list[str] | None = None) -> list[dict]:
        """Chunk rows of one document, of the given ids, or all: chunk_id, doc_id, ordinal, start, end (offsets in
        the document's cleaned text), page (where the chunk starts), pages (`[[offset, page], ...]`: the page
        starts inside the chunk; `page_at(row["pages"], quote_start)` is the page of a quote; [] if unpaged),
        text, embed_text, cluster, also_in. Rows asked for by id are remembered (`ROW_CACHE` of them, until
        `reload`): an answer reads the same few chunks several times (retrieval, the absent-name check, the engine),
        one SQLite query and two JSON decodes each; their evidence-unit spans stored at ingest are handed to
        `ingest.units`. Each call returns new dicts; the lists inside are shared, not to
        be changed."""
        if ids is None or doc_id is not None:
            return self.manifest.chunk_rows(doc_id=doc_id, ids=ids)
        ids = list(ids)
        wanted = list(dict.fromkeys(ids))
        with self._rows_lock:
            found = {i: self._rows[i] for i in wanted if i in self._rows}
        missing = [i for i in wanted if i not in found]
        if missing:
            fresh = {r["chunk_id"]: r for r in self.manifest.chunk_rows(ids=missing, units=True)}
            for r in fresh.values():  # the unit spans stored at ingest: evidence ranking does not split the text again
                remember_units(r["text"], r.pop("units"))
            found.update(fresh)
            with self._rows_lock:
                if len(self._rows) + len(fresh) > ROW_CACHE:
                    self._rows.clear()
                self._rows.update(fresh)
        # the order SQLite gives `chunk_rows` (an IN list per 500 ids, read through the primary key: by chunk id),
        # which callers' results depend on (ties among passages are met in it)
        return [dict(found[i]) for k in range(0, len(ids), 500) for i in sorted(set(ids[k:k + 500])) if i in found]

    def chunk_ids_of(self, doc_ids: list[str]) -> list[str]:
        """The chunk ids of these documents (in the version this Index reads)."""
        out: list[str] = []
        gen = self.generation
        for i in range(0, len(doc_ids), 500):
            part = doc_ids[i:i + 500]
            out += [r[0] for r in self.manifest.db.execute(
                f"SELECT chunk_id FROM chunks WHERE doc_id IN ({','.join('?' * len(part))}) AND gen <= ?", (*part, gen))]
        if generations.retired_after(self.manifest.db, gen):  # an ingest is writing past this version
            have = set(out)
            out += [c for c in {r["chunk_id"] for d in doc_ids for r in self.manifest.chunk_rows(doc_id=d)}
                    if c not in have]
        return out

    def reload(self) -> None:
        """Forget the opened vector store and BM25 index and read the corpus version published now (`version`), so
        that the next search reads what another process (a re-ingest) wrote. What the store caches per process is
        forgotten too."""
        self.__dict__.pop("store", None)
        self.__dict__.pop("lexical", None)
        self.__dict__.pop("_exact", None)
        with self._rows_lock:
            self._rows.clear()
            self.pinned = generations.pin(self.manifest.db)
            self.manifest.generation = self.pinned.generation
        release_store(self.settings)

    @cached_property
    def store(self) -> VectorStore:
        return open_store(self.settings)

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks, by id (ids not in the store are left out)."""
        return self.store.embeddings(ids)

    @cached_property
    def lexical(self):
        from ingest.lexical import Lexical

        name = self.pinned.bm25
        if not name or not (self.settings.index_dir / name).is_dir():
            raise IndexUnavailableError("the lexical index is missing: run `python -m ingest` to repair the index")
        return Lexical(self.settings.index_dir / name)

    def dense_search(self, embedding: np.ndarray, k: int = 10,
                     where: MetaFilter | None = None) -> list[tuple[str, float]]:
        """The `k` nearest chunks (chunk_id, cosine) among those `where` admits, in the version this Index reads;
        IndexUnavailableError when the vector store fails (a store rewritten underneath by a re-ingest is reopened once
        before giving up)."""
        vec = np.asarray(embedding, dtype=np.float32).reshape(1, -1)
        for attempt in (0, 1):
            try:
                if not where and (exact := self._exact) is not None:
                    return exact.query(vec[0], k)
                return self._visible_query(vec, k, where)
            except IndexUnavailableError:
                raise
            except Exception as exc:  # a store raises its own types (Chroma: InternalError "Error finding id", …)
                if attempt:
                    raise IndexUnavailableError(f"the vector store failed ({exc.__class__.__name__}: {exc}); "
                                                "run `python -m ingest` to repair the index") from exc
                self.reload()
        return []

    def _visible_query(self, vec: np.ndarray, k: int, where: MetaFilter | None) -> list[tuple[str, float]]:
        """The store's `k` nearest among the chunks this Index's version holds: the store holds the next version's
        chunks too while an ingest writes it, and the replaced ones for a grace period after the switch. As many more
        are asked for as there may be (at most `OVERFETCH` more at first) and those left out; when that leaves fewer
        than `k` and the store had more to give, it is asked again for four times as many more, up to every chunk
        this version must not see: `k` results whenever the version holds `k` chunks `where` admits."""
        db = self.manifest.db
        most = generations.invisible(db, self.generation)
        extra = min(most, OVERFETCH)
        while True:
            got = self.store.query(vec, k + extra, where)[0]
            hide = generations.hidden(db, [cid for cid, _ in got], self.generation)
            out = [(cid, score) for cid, score in got if cid not in hide]
            if len(out) >= k or len(got) < k + extra or extra >= most:
                return out[:k]
            extra = min(most, 4 * extra + k)

    @cached_property
    def _exact(self) -> ExactSearch | None:
        """The whole collection in memory for exact search when it holds no more chunks than HNSW's search breadth
        (`store.hnsw_ef_search`), else None. Read once per opened store (until `reload`). Embedded stores only: a
        Chroma server is the one copy the workers share, and its outage must show (503), not be hidden by a copy."""
        if self.settings.store.chroma_url:
            return None
        return ExactSearch.load(self.store, self.settings.store.hnsw_ef_search,
                                lambda ids: generations.hidden(self.manifest.db, ids, self.generation))

    def lexical_search(self, query: str, k: int = 10) -> list[tuple[str, float]]:
        return self.lexical.search(query, k)


class ExactSearch:
    """Exact cosine search over a small collection held in memory: `ids` (n,) and unit rows `matrix` (n, dim) float32.

    Why: on a small collection the store's HNSW query is mostly fixed cost (Chroma: ~2-4 ms per query on the five
    articles' 24 chunks, against ~0.02 ms for a product of 24 rows), and with no more chunks than its search breadth
    (ef_search) HNSW visits every reachable node, so its ranking is the exact one: on the five articles, 430 golden
    and ClapNQ questions gave the same 40 chunks in the same order. Scores are rounded as the store reports them
    (a float32 distance `1 - cosine`); they differ from the store's in the last bits only (at most 2.4e-7 in those
    430 questions: another summation order). Ties (equal cosines) keep the collection's id order."""

    def __init__(self, ids: list[str], matrix: np.ndarray):
        self.ids, self.matrix = ids, matrix

    @classmethod
    def load(cls, store: VectorStore, most: int, hide=None) -> ExactSearch | None:
        """The store's ids (but those `hide(ids) -> set` names, when given) and vectors when it holds at most `most`
        chunks, else None. Raises what the store raises."""
        if store.count() > most:
            return None
        ids = sorted(store.ids())
        if hide is not None:
            hidden = hide(ids)
            ids = [i for i in ids if i not in hidden]
        vecs = store.embeddings(ids)
        ids = [i for i in ids if i in vecs]
        dim = len(next(iter(vecs.values()))) if vecs else 0
        matrix = np.stack([vecs[i] for i in ids]).astype(np.float32) if ids else np.zeros((0, dim), np.float32)
        return cls(ids, matrix)

    def query(self, vec: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Up to `k` (chunk_id, cosine) for a float32 query vector of shape (dim,), best first."""
        if not self.ids or k < 1:
            return []
        dist = np.float32(1.0) - self.matrix @ np.asarray(vec, dtype=np.float32)
        top = np.argsort(dist, kind="stable")[:k]
        return [(self.ids[i], 1.0 - float(dist[i])) for i in top]


def open_index(settings: Settings) -> Index:
    return Index(settings)


def read_consistently(snapshot: Callable[[], tuple[Index, T]], work: Callable[[T], R], attempts: int = 2) -> R:
    """`work(state)` under a lease on the generation `state` reads, where `snapshot()` gives (the Index, the state
    read through it) on the version published now. When that generation was purged or wiped by a rebuild before the
    lease was taken, or while `work` ran (what it read may then be missing or of two versions), its result or error is
    dropped and it runs again on a new snapshot, at most `attempts` times in all; then IndexUnavailableError (a 503:
    the index is being rebuilt). What `work` raises on an intact generation is raised as it is."""
    for attempt in range(1, attempts + 1):
        index, state = snapshot()
        with index.lease() as lease:
            if not lease.usable:
                log.info("generation %d is closed to new readers (attempt %d)", index.generation, attempt)
                continue
            try:
                out = work(state)
            except Exception:
                if lease.intact():
                    raise
                log.warning("generation %d was purged while a request read it: read again", index.generation)
                continue
            if lease.intact():
                return out
            log.warning("generation %d was purged while a request read it: read again", index.generation)
    raise IndexUnavailableError("the index is being rebuilt or replaced under this request; retry shortly")
