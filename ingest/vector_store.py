"""The vector-store seam: the `VectorStore` protocol, a store-neutral metadata filter and the registry by name.

The index keeps, per chunk, its vector, text and citation metadata in one store. `GROUNDED_STORE__BACKEND` names the
implementation (`chroma`: ingest.chroma_store, embedded or a server by `GROUNDED_STORE__CHROMA_URL`). A new store is
one new file `ingest/<name>_store.py` that calls `STORES.register(name, cls)`; the registry imports such files before
the first lookup. Filters are `MetaFilter` values; each store translates them into its own query language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from kernel.registry import Registry

if TYPE_CHECKING:
    from kernel.settings import Settings

Op = Literal["in", ">=", "<="]


@dataclass(frozen=True)
class Condition:
    """One metadata condition: `field` is one of `value` (a tuple; op "in"), or at least / at most `value` (a number)."""

    field: str
    op: Op
    value: object

    def holds(self, meta: dict) -> bool:
        """Whether a record's metadata satisfies it (a missing field never does)."""
        if self.field not in meta or meta[self.field] is None:
            return False
        got = meta[self.field]
        if self.op == "in":
            return got in self.value  # type: ignore[operator]
        return got >= self.value if self.op == ">=" else got <= self.value  # type: ignore[operator]


@dataclass(frozen=True)
class MetaFilter:
    """Conditions on chunk metadata, all of which must hold (an empty filter admits everything)."""

    conditions: tuple[Condition, ...] = ()

    def matches(self, meta: dict) -> bool:
        """The reference semantics every store implements: all conditions hold for `meta`."""
        return all(c.holds(meta) for c in self.conditions)

    def __bool__(self) -> bool:
        return bool(self.conditions)


class VectorStore(Protocol):
    """Vectors (float32, L2-normalised rows), texts and metadata of chunks by id, in one collection.

    `query(embeddings (n, dim), k, where)` -> for each row up to k (id, cosine similarity), best first, only records
    whose metadata `where` matches; `embeddings(ids)` -> {id: vector} of the ids present; `upsert` replaces records
    with the same ids; `delete` of absent ids is no error; `shaping()` -> the shaping hash the collection was built
    with (None when new); `drop()` deletes the collection; `release(settings)` (a class method) forgets what this
    process caches of the store, so the next open reads what another process wrote. Failures to reach the store raise
    kernel.errors.IndexUnavailableError; a bad setting ConfigError."""

    def shaping(self) -> str | None: ...

    def drop(self) -> None: ...

    def count(self) -> int: ...

    def ids(self) -> set[str]: ...

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, texts: Sequence[str],
               metadatas: Sequence[dict]) -> None: ...

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]: ...

    def query(self, embeddings: np.ndarray, k: int,
              where: MetaFilter | None = None) -> list[list[tuple[str, float]]]: ...

    @classmethod
    def release(cls, settings: Settings) -> None: ...


STORES: Registry[type[VectorStore]] = Registry("vector store", "GROUNDED_STORE__BACKEND",
                                               discover=[("ingest", "*_store")])


def open_store(settings: Settings) -> VectorStore:
    """The store `settings.store.backend` names, opened; ConfigError listing the known stores."""
    return STORES.get(settings.store.backend)(settings)


def release_store(settings: Settings) -> None:
    """Forget this process's cached state of the configured store (see `VectorStore.release`)."""
    STORES.get(settings.store.backend).release(settings)
