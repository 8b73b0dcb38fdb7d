"""Test doubles for the product's seams, registered by the tests' own set-up (tests/conftest.py), never by the product.

- `HashEmbedder` (embedding models `hash`, `hash-64`): a deterministic bag-of-words hashing embedder, no model.
- `ScriptedLLM` (LLM backend `scripted`): streams a fixed or computed reply word by word and records every call.

`register()` adds them to the product's registries; a product run never sees these names (an unknown-name error).
A subprocess that should see them is started through `python -m tests.fakes.run MODULE ARGS...`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
HASH_DIMS = {"hash": 256, "hash-64": 64}  # embedding model name -> dimension
Messages = list[dict[str, str]]


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder: `encode` -> float32 (n, dim) unit rows (zero rows for texts
    without words); tokens are words, plus two special tokens in `count_tokens`."""

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


class ScriptedLLM:
    """A deterministic fake LLM: streams a fixed (or computed) reply word by word and records every call."""

    name = "scripted"

    def __init__(self, reply: str | Callable[[Messages], str] = "This is a scripted reply.") -> None:
        self.reply = reply
        self.calls: list[Messages] = []

    def stream(self, messages: Messages) -> Iterator[str]:
        """Yield the reply in pieces that keep their whitespace, so the pieces join to the reply; ValueError for a
        malformed message (as the real backends)."""
        from assistant.llm import checked

        messages = checked(messages)
        self.calls.append(messages)
        text = self.reply(messages) if callable(self.reply) else self.reply
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or (text[i].isspace() and not text[i - 1].isspace()):
                yield text[start:i]
                start = i


def register() -> None:
    """Add the fakes to the product's registries (idempotent)."""
    from assistant.llm import BACKENDS, Backend
    from ingest.embed import EMBEDDERS

    for name, dim in HASH_DIMS.items():
        EMBEDDERS.register(name, lambda settings, dim=dim: HashEmbedder(dim), replace=True)
    BACKENDS.register("scripted", Backend(lambda settings, home: ScriptedLLM()), replace=True)


def unregister() -> None:
    """Take the fakes out again (a test that checks what a product run sees)."""
    from assistant.llm import BACKENDS
    from ingest.embed import EMBEDDERS

    for name in HASH_DIMS:
        EMBEDDERS.unregister(name)
    BACKENDS.unregister("scripted")
