"""The Chroma vector store (`GROUNDED_STORE__BACKEND=chroma`, the default): the one module that speaks chromadb.

Two configurations: an embedded PersistentClient under GROUNDED_HOME (default), or an HttpClient for a server
(`GROUNDED_STORE__CHROMA_URL`). Embeddings are always passed in; Chroma's default embedding function is never used.
Store-neutral filters (ingest.vector_store.MetaFilter) become Chroma `where` clauses here and nowhere else.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from urllib.parse import urlparse

import numpy as np

from ingest.shaping import shaping_hash
from ingest.vector_store import STORES, MetaFilter
from kernel.errors import ConfigError, IndexUnavailableError
from kernel.settings import Settings

BATCH = 5000  # under Chroma's max batch size (5,461)
_OPS = {"in": "$in", ">=": "$gte", "<=": "$lte"}
# chromadb's HttpClient waits forever (httpx timeout=None): a hung server would hold every request. Seconds to
# connect, and to wait for each read or write; a 100k-chunk query takes well under a second.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0


def _unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the Chroma server cannot be reached (refused, reset, timed out, gone mid-response)."""
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError, TimeoutError))


def _server_call(method: Callable) -> Callable:
    """A ChromaStore method whose failure to reach the server is IndexUnavailableError (a 503 at the API), saying
    which server; other errors pass as they are."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IndexUnavailableError:
            raise
        except Exception as exc:
            url = self.settings.store.chroma_url
            if url and _unreachable(exc):
                raise IndexUnavailableError(f"the Chroma server at {url} is not answering ({exc.__class__.__name__}); "
                                            "retry shortly") from exc
            raise
    return call


def chroma_where(where: MetaFilter | None) -> dict | None:
    """The Chroma `where` clause of a store-neutral filter (None: no filter)."""
    if not where:
        return None
    clauses = [{c.field: {_OPS[c.op]: list(c.value) if c.op == "in" else c.value}} for c in where.conditions]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    url = settings.store.chroma_url
    if not url:
        path = settings.index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"GROUNDED_STORE__CHROMA_URL must look like http://host:port, not {url!r}")
    try:
        client = chromadb.HttpClient(
            host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https", settings=chroma_settings,
        )
        session = getattr(getattr(client, "_server", None), "_session", None)  # chromadb's httpx.Client
        if session is not None:
            import httpx

            session.timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        client.heartbeat()
    except Exception as exc:  # chromadb raises several types for an unreachable server
        raise IndexUnavailableError(f"cannot reach the Chroma server at {url}: {exc.__class__.__name__}") from exc
    return client


class ChromaStore:
    """Vectors, chunk text and citation metadata of every chunk, in one Chroma collection (a `VectorStore`)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.client = _client(settings)
        self.name = settings.store.collection
        self._col = None

    def _config(self) -> dict:
        s = self.settings.store
        return {"hnsw": {"space": "cosine", "ef_construction": s.hnsw_ef_construction,
                         "max_neighbors": s.hnsw_m, "ef_search": s.hnsw_ef_search}}

    @property
    def col(self):
        if self._col is None:
            col = self.client.get_or_create_collection(
                self.name, configuration=self._config(), embedding_function=None,
                metadata={"shaping": shaping_hash(self.settings)},
            )
            # An existing collection keeps the configuration it was created with; ef_search is a search-time
            # setting, so bring it to the configured value (it takes effect when the HNSW index is next loaded).
            ef = self.settings.store.hnsw_ef_search
            if ((getattr(col, "configuration_json", None) or {}).get("hnsw") or {}).get("ef_search") != ef:
                with contextlib.suppress(Exception):  # a server or version that cannot modify: keep its value
                    col.modify(configuration={"hnsw": {"ef_search": ef}})
            self._col = col
        return self._col

    @_server_call
    def shaping(self) -> str | None:
        """The shaping hash this collection was built with (None for a new collection)."""
        return (self.col.metadata or {}).get("shaping")

    @_server_call
    def drop(self) -> None:
        """Delete the collection (a rebuild starts from nothing)."""
        from chromadb.errors import NotFoundError

        with contextlib.suppress(NotFoundError, ValueError):  # absent collection: nothing to drop
            self.client.delete_collection(self.name)
        self._col = None

    @_server_call
    def count(self) -> int:
        return self.col.count()

    @_server_call
    def ids(self) -> set[str]:
        out: set[str] = set()
        total, offset = self.col.count(), 0
        while offset < total:
            got = self.col.get(include=[], limit=BATCH * 2, offset=offset)
            out.update(got["ids"])
            offset += BATCH * 2
        return out

    @_server_call
    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, texts: Sequence[str], metadatas: Sequence[dict]) -> None:
        for i in range(0, len(ids), BATCH):
            sl = slice(i, i + BATCH)
            self.col.upsert(ids=list(ids[sl]), embeddings=embeddings[sl], documents=list(texts[sl]),
                            metadatas=list(metadatas[sl]))

    @_server_call
    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        for i in range(0, len(ids), BATCH):
            self.col.update(ids=list(ids[i:i + BATCH]), metadatas=list(metadatas[i:i + BATCH]))

    @_server_call
    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), BATCH):
            self.col.delete(ids=ids[i:i + BATCH])

    @_server_call
    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        ids = list(ids)
        for i in range(0, len(ids), BATCH):
            got = self.col.get(ids=ids[i:i + BATCH], include=["embeddings"])
            out.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
        return out

    @classmethod
    def release(cls, settings: Settings) -> None:
        """The embedded client caches its state per process: clear it, so that the next open reads what another
        process (a re-ingest) wrote. Nothing to do for a server."""
        if not settings.store.chroma_url:
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()

    @_server_call
    def query(self, embeddings: np.ndarray, k: int, where: MetaFilter | None = None) -> list[list[tuple[str, float]]]:
        """For each query row, up to `k` (chunk_id, cosine similarity), best first, among the chunks `where` admits."""
        where = chroma_where(where)
        try:  # no count() first: at 100k chunks it costs more than the query itself
            res = self.col.query(query_embeddings=embeddings, n_results=k, where=where, include=["distances"])
        except Exception as exc:  # older chromadb: n_results larger than the collection, or an empty collection
            if _unreachable(exc):
                raise
            n = self.col.count()
            if n == 0:
                return [[] for _ in range(len(embeddings))]
            res = self.col.query(query_embeddings=embeddings, n_results=min(k, n), where=where, include=["distances"])
        return [[(cid, 1.0 - float(d)) for cid, d in zip(ids, dists, strict=True)]
                for ids, dists in zip(res["ids"], res["distances"], strict=True)]



STORES.register("chroma", ChromaStore)
