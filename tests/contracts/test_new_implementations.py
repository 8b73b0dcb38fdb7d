"""A new store, embedder, LLM backend and engine are each one file: this one. Each is registered here, passes its
seam's contract by subclassing it, and the four together ingest corpus/ and answer a question through `answer()`
without a line changed anywhere else."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence

import numpy as np
import pytest

from assistant.engines.base import Draft
from assistant.engines.registry import ENGINES, EngineSpec
from assistant.llm import BACKENDS, Backend
from assistant.settings import AssistantSettings, LLMSettings
from assistant.verify import Passage
from ingest.embed import EMBEDDERS
from ingest.shaping import shaping_hash
from ingest.vector_store import STORES, MetaFilter
from kernel.settings import CleanSettings, EmbedSettings, StoreSettings
from tests.contracts.embedder_contract import EmbedderContract
from tests.contracts.engine_contract import QUESTION, EngineContract
from tests.contracts.llm_backend_contract import LLMBackendContract
from tests.contracts.vector_store_contract import VectorStoreContract
from tests.helpers import CORPUS, fast_settings

# --- a store: brute-force cosine over numpy rows, shared per (home, collection) in this process ----------------------


class MemoryStore:
    """Every record in a dict; exact search; filters through MetaFilter.matches (the reference semantics)."""

    _collections: dict[tuple[str, str], dict] = {}
    _lock = threading.Lock()

    def __init__(self, settings):
        self.settings, self.key = settings, (str(settings.index_dir), settings.store.collection)

    @property
    def _col(self) -> dict:
        with self._lock:
            return self._collections.setdefault(self.key, {"rows": {}, "shaping": shaping_hash(self.settings)})

    def shaping(self):
        return self._col["shaping"]

    def drop(self):
        with self._lock:
            self._collections.pop(self.key, None)

    def count(self):
        return len(self._col["rows"])

    def ids(self):
        return set(self._col["rows"])

    def upsert(self, ids, embeddings, texts, metadatas):
        for i, v, t, m in zip(ids, embeddings, texts, metadatas, strict=True):
            self._col["rows"][i] = (np.asarray(v, dtype=np.float32), t, dict(m))

    def update_metadata(self, ids, metadatas):
        for i, m in zip(ids, metadatas, strict=True):
            v, t, _ = self._col["rows"][i]
            self._col["rows"][i] = (v, t, dict(m))

    def delete(self, ids):
        for i in ids:
            self._col["rows"].pop(i, None)

    def embeddings(self, ids):
        rows = self._col["rows"]
        return {i: rows[i][0] for i in ids if i in rows}

    def query(self, embeddings, k, where: MetaFilter | None = None):
        rows = [(i, v) for i, (v, _, m) in self._col["rows"].items() if where is None or where.matches(m)]
        out = []
        for q in np.asarray(embeddings, dtype=np.float32):
            scored = sorted(((i, float(v @ q)) for i, v in rows), key=lambda p: -p[1])
            out.append(scored[:k])
        return out

    @classmethod
    def release(cls, settings):
        return None


# --- an embedder: hashed character trigrams ---------------------------------------------------------------------------

class TrigramEmbedder:
    """Character trigrams of lower-cased words, hashed into 128 dimensions; tokens are words."""

    name, max_tokens, dim = "trigram-128", 256, 128
    _word = re.compile(r"\w+")

    def __init__(self, settings: EmbedSettings | None = None):
        pass

    def count_tokens(self, text: str) -> int:
        return len(self._word.findall(text)) + 2

    def token_starts(self, text: str) -> list[int]:
        return [m.start() for m in self._word.finditer(text)]

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for w in self._word.findall(text.lower()):
                w = f"#{w}#"
                for j in range(len(w) - 2):
                    out[row, int(hashlib.md5(w[j:j + 3].encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


# --- an LLM backend: repeats the last user message back -----------------------------------------------------------

class EchoLLM:
    name = "echo"

    def stream(self, messages):
        from assistant.llm import checked

        yield from checked(messages)[-1]["content"].split(" ")[:5]


# --- an engine: quotes the best evidence unit, cited -----------------------------------------------------------------

class FirstUnitEngine:
    name = "first-unit"

    def draft(self, ctx, on_token=None) -> Draft:
        if not ctx.units:
            return Draft("", [], abstained=True)
        u = ctx.units[0]
        return Draft(f"{u.text} [1]", [Passage(1, u.hit, u.start, u.end, u.text, u.relevance)])


@pytest.fixture(scope="module", autouse=True)
def registered():
    """The four registrations a new file would make at import (undone after this module, so other tests see the
    product's own registries)."""
    STORES.register("memory", MemoryStore, replace=True)
    EMBEDDERS.register("trigram-128", TrigramEmbedder, replace=True)
    BACKENDS.register("echo", Backend(lambda settings, home: EchoLLM()), replace=True)
    ENGINES.register("first-unit", EngineSpec(lambda settings: FirstUnitEngine()), replace=True)
    yield
    STORES.unregister("memory")
    EMBEDDERS.unregister("trigram-128")
    BACKENDS.unregister("echo")
    ENGINES.unregister("first-unit")


def tiny_settings(home) -> AssistantSettings:
    return AssistantSettings(home=home, embed=EmbedSettings(model="trigram-128"),
                             store=StoreSettings(backend="memory"), clean=CleanSettings(offtopic=False))


# --- each passes its seam's contract by joining it ----------------------------------------------------------------

class TestMemoryStore(VectorStoreContract):
    @pytest.fixture
    def settings(self, tmp_path):
        return fast_settings(tmp_path, store=StoreSettings(backend="memory"))

    @pytest.fixture
    def store(self):
        return MemoryStore


class TestTrigramEmbedder(EmbedderContract):
    @pytest.fixture
    def embedder(self):
        from ingest.embed import make_embedder

        return make_embedder(EmbedSettings(model="trigram-128"))


class TestEchoBackend(LLMBackendContract):
    @pytest.fixture
    def llm_config(self, tmp_path):
        return LLMSettings(backend="echo"), tmp_path


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory, registered):
    from ingest.pipeline import run

    home = tmp_path_factory.mktemp("tiny")
    report = run([CORPUS], tiny_settings(home))
    assert report.exit_code == 0 and len(report.added) == 5
    return home


class TestFirstUnitEngine(EngineContract):
    @pytest.fixture
    def engine_settings(self, tiny_home):
        return "first-unit", tiny_settings(tiny_home)


def test_the_four_together_ingest_and_answer(tiny_home):
    """corpus/ ingested into the memory store with the trigram embedder, answered by the new engine, every quote
    verbatim; the store holds every chunk, nothing was written to Chroma."""
    from assistant.answer import answer, get_assistant

    settings = tiny_settings(tiny_home)
    ans = answer(QUESTION, engine="first-unit", settings=settings)
    assert ans.engine == "first-unit" and not ans.abstained and ans.citations
    index = get_assistant(settings).index
    assert index.store.count() == len(index.chunks()) > 0
    assert not (settings.index_dir / "chroma").exists()
    for c in ans.citations:
        assert index.document(c.doc_id)["text"][c.start:c.end] == c.quote
    filtered = answer(QUESTION, engine="first-unit", settings=settings, filters={"publisher": ["AIM"]})
    assert {c.publisher for c in filtered.citations} <= {"AIM"}
