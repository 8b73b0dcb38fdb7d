"""Faster paths for encoding one query with a sentence-transformers model; this one bit for bit the same vector.

`SentenceTransformer.encode` spends ~3-4 ms of Python per call on a 2-core machine before and around the forward
pass (resolving the device by walking every parameter, `model.eval()` over every module, sorting a batch of one,
signature inspection), and the eager BERT forward spends several more ms in module-call overhead. For one text (no
padding: the attention mask is all ones) this path runs the same tokenizer, a TorchScript trace of the same
transformer, and the model's own pooling and normalisation modules, then normalises again as `encode(...,
normalize_embeddings=True)` does. Measured on the bundled MiniLM over 430 golden and ClapNQ questions: identical
float32 bits, ~21 -> ~14 ms of CPU per query with one torch thread.

`LazyQueryPath` prefers ONNX Runtime (ingest.embed_query_onnx: ~8 instead of ~14 ms of CPU per query, within 1e-6 of
`encode` rather than bit for bit) and falls back to this trace, then to `encode`, logging which one it uses.

Safety: `QueryPath.build` returns None (callers then use `encode`) unless the model is a plain
Transformer -> Pooling [-> Normalize] pipeline fed by input_ids/attention_mask/token_type_ids and the traced path
reproduces `encode` bit for bit on probe texts of different lengths, including one past the model's token limit
(both checks, shared with the ONNX path, are in ingest.embed_query_model).
"""

from __future__ import annotations

import logging
import threading
import warnings

import numpy as np

from ingest.embed_query_model import PROBES, model_keys
from ingest.embed_query_onnx import OnnxQueryPath

log = logging.getLogger("grounded.embed")


class QueryPath:
    """`encode_one(text) -> float32 array (dim,)`: the model's normalised embedding of one text, bit-identical to
    `model.encode([text], normalize_embeddings=True)[0]`. Thread-safe (TorchScript inference)."""

    name = "torchscript"

    def __init__(self, model, traced, keys: tuple[str, ...]):
        self.model, self.traced, self.keys = model, traced, keys

    @classmethod
    def build(cls, model) -> QueryPath | None:
        """Trace `model`'s transformer for single texts and check it against `encode`; None when the model is not a
        plain Transformer -> Pooling [-> Normalize] pipeline or any probe vector differs in any bit."""
        import torch

        try:
            keys = model_keys(model)
            if keys is None:
                return None
            features = model.preprocess([PROBES[1]])
            hf = logging.getLogger("transformers")  # tracing reads config fields it then warns about on stderr
            level = hf.level
            hf.setLevel(logging.ERROR)
            try:
                with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # TracerWarnings: shape checks fixed for one unpadded text
                    traced = torch.jit.trace(model[0].auto_model, example_kwarg_inputs={k: features[k] for k in keys},
                                             strict=False, check_trace=False)
            finally:
                hf.setLevel(level)
            path = cls(model, traced, keys)
            for text in PROBES:
                for _ in range(3):  # the profiling executor optimises the graph after its first runs: check those too
                    want = model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)[0]
                    if not np.array_equal(path.encode_one(text), want):
                        log.warning("query embedding fast path differs from encode(); using encode()")
                        return None
            return path
        except Exception as exc:  # noqa: BLE001 - any failure here means: use the ordinary path
            log.warning("query embedding fast path unavailable (%s: %s); using encode()", exc.__class__.__name__, exc)
            return None

    def encode_one(self, text: str) -> np.ndarray:
        """The normalised float32 embedding of `text`, shape (dim,)."""
        import torch
        import torch.nn.functional as F

        model = self.model
        with torch.inference_mode():
            features = model.preprocess([text])
            out = self.traced(**{k: features[k] for k in self.keys})
            features["token_embeddings"] = out["last_hidden_state"] if isinstance(out, dict) else out[0]
            for module in list(model)[1:]:
                features = module(features)
            vec = F.normalize(features["sentence_embedding"], p=2, dim=1)
            return vec.cpu().numpy()[0]


class LazyQueryPath:
    """Builds the fastest query path of a model once, on first use, under a lock, and logs which one it is: ONNX
    Runtime (ingest.embed_query_onnx) when it builds and matches `encode` within its tolerance, else the TorchScript
    trace above when it matches bit for bit; `get()` is None when neither can be used (callers then use `encode`)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._built = False
        self._path: QueryPath | OnnxQueryPath | None = None

    def get(self, model, threads: int = 1) -> QueryPath | OnnxQueryPath | None:
        if not self._built:
            with self._lock:
                if not self._built:
                    self._path = OnnxQueryPath.build(model, threads, PROBES) or QueryPath.build(model)
                    log.info("query embedding path: %s", self._path.name if self._path else "SentenceTransformer.encode")
                    self._built = True
        return self._path
