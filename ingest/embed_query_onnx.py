"""One query through ONNX Runtime: the bundled model's own transformer, pooling and normalisation, exported locally
with `torch.onnx` (through a temporary file; nothing from a hub) and run by onnxruntime (which chromadb needs too).

Why: `python -m evals.bench_query_path` (430 golden and ClapNQ questions, 13.8 word pieces on average, 1 thread, 3
rounds; 2026-12-01, load ~2 on 2 shared cores) gave 8.35 ms of CPU per query here against 13.81 ms for the TorchScript
trace of `ingest.embed_query` and 20.17 ms for `SentenceTransformer.encode`. Cost: the session holds its own copy of
the weights, ~150 MB more resident memory per process (ONNX Runtime's weights and the exporter's leftovers; measured
with VmRSS before and after `build`).

Not bit-identical to `encode` (other kernels, another summation order): over those 430 questions the largest
`1 - cosine` to `encode`'s vector was 3.6e-7 and the largest coordinate difference 1.9e-7. `OnnxQueryPath.build`
checks every probe text against `encode` and returns None (the caller then uses the TorchScript path) when any differs
by more than `TOLERANCE` in `1 - cosine` or `ABS_TOLERANCE` in a coordinate, when the `onnx` package that
`torch.onnx.export` needs is missing, or when the export fails for any reason.
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ingest.embed_query_model import model_keys

log = logging.getLogger("grounded.embed")
TOLERANCE = 1e-6  # 1 - cosine to encode()'s vector, at most (measured: 3.6e-7 at worst)
ABS_TOLERANCE = 1e-5  # any coordinate of the unit vector, at most (measured: 1.9e-7 at worst)
OPSET = 17


def _pipeline(model, keys: tuple[str, ...]):
    """A torch module `(input_ids, attention_mask[, token_type_ids]) -> (1, dim) unit rows`: the model's transformer,
    then its own pooling (and Normalize) modules, then L2 normalisation as `encode(normalize_embeddings=True)`."""
    import torch
    import torch.nn.functional as F

    class Pipeline(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.auto = model[0].auto_model
            self.rest = torch.nn.ModuleList(list(model)[1:])

        def forward(self, *inputs):
            features = dict(zip(keys, inputs, strict=True))
            out = self.auto(**features)
            features["token_embeddings"] = out["last_hidden_state"] if isinstance(out, dict) else out[0]
            for module in self.rest:
                features = module(features)
            return F.normalize(features["sentence_embedding"], p=2, dim=1)

    return Pipeline().eval()


def export(model, keys: tuple[str, ...], path: Path) -> None:
    """Write the ONNX graph of `model`'s single-text pipeline to `path`, dynamic in batch and sequence length. Raises
    what torch.onnx raises (OnnxExporterError when the `onnx` package is missing)."""
    import torch

    features = model.preprocess(["What did the guidance say about the Ascend chips?"])
    hf = logging.getLogger("transformers")  # export reads config fields that transformers then warns about on stderr
    level = hf.level
    hf.setLevel(logging.ERROR)
    try:
        with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TracerWarnings and the exporter's deprecation notice
            axes = {k: {0: "batch", 1: "tokens"} for k in keys}
            torch.onnx.export(_pipeline(model, keys), tuple(features[k] for k in keys), str(path),
                              input_names=list(keys), output_names=["embedding"],
                              dynamic_axes={**axes, "embedding": {0: "batch"}}, opset_version=OPSET, dynamo=False)
    finally:
        hf.setLevel(level)


def open_session(model, keys: tuple[str, ...], threads: int):
    """An onnxruntime session of `model`'s exported pipeline. The graph goes through a temporary file, not bytes:
    a session made from bytes keeps them (~86 MB for MiniLM) for its whole life."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.log_severity_level = 3  # errors only: nothing on stderr for a user's `ask`
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-wait on a shared CPU
    with tempfile.TemporaryDirectory(prefix="grounded-onnx-") as tmp:
        path = Path(tmp) / "query.onnx"
        export(model, keys, path)
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxQueryPath:
    """`encode_one(text) -> float32 array (dim,)`: the model's unit embedding of one text, within `TOLERANCE` of
    `model.encode([text], normalize_embeddings=True)[0]`. Thread-safe (onnxruntime sessions are)."""

    name = "onnxruntime"

    def __init__(self, model, session, keys: tuple[str, ...]):
        self.model, self.session, self.keys = model, session, keys

    @classmethod
    def build(cls, model, threads: int = 1, probes: tuple[str, ...] = ()) -> OnnxQueryPath | None:
        """Export `model` (a Transformer -> Pooling [-> Normalize] sentence-transformers pipeline fed by input_ids /
        attention_mask [/ token_type_ids]) and open it with `threads` intra-op threads; None, with a logged reason,
        when it cannot be built or any of `probes` differs from `encode` beyond the tolerances."""
        if importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None:
            log.warning("ONNX query path unavailable: the onnx and onnxruntime packages are needed (`make install`)")
            return None
        try:
            keys = model_keys(model)
            if keys is None:
                return None
            path = cls(model, open_session(model, keys, threads), keys)
            for text in probes:
                want = model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]
                got = path.encode_one(text)
                off, far = 1.0 - float(np.dot(got, want)), float(np.max(np.abs(got - want)))
                if got.shape != want.shape or off > TOLERANCE or far > ABS_TOLERANCE:
                    log.warning("ONNX query path differs from encode() (1 - cosine %.2g, largest difference %.2g); "
                                "not used", off, far)
                    return None
            return path
        except Exception as exc:  # noqa: BLE001 - any failure here means: use the TorchScript path
            log.warning("ONNX query path unavailable (%s: %s)", exc.__class__.__name__, str(exc)[:200])
            return None

    def encode_one(self, text: str) -> np.ndarray:
        """The unit float32 embedding of `text`, shape (dim,); the tokenizer is the model's own (truncating at its
        limit)."""
        features = self.model.preprocess([text])
        out = self.session.run(None, {k: features[k].numpy() for k in self.keys})[0]
        return np.asarray(out[0], dtype=np.float32)
