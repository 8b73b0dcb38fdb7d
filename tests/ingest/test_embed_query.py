"""The query fast paths give the vectors of `SentenceTransformer.encode`, with the real bundled model (it is local:
nothing is downloaded): the ONNX Runtime path (ingest.embed_query_onnx, the one used) within its stated tolerance, the
TorchScript path (ingest.embed_query, its fallback) bit for bit."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from ingest.embed import make_embedder
from ingest.embed_query import PROBES, LazyQueryPath, QueryPath
from ingest.embed_query_onnx import ABS_TOLERANCE, TOLERANCE, OnnxQueryPath
from kernel.settings import EmbedSettings

TEXTS = ["Is testing a Huawei Ascend 910D in Malaysia a violation?", "What does § 744.23 require?",
         "Böhm Liège 3A090.a D:5 EL-2025-0418", "a", "", "word " * 400]


@pytest.fixture(scope="module")
def embedder():
    return make_embedder(EmbedSettings())


def _reference(embedder, texts):
    return embedder.model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)


def test_one_query_goes_through_onnx_runtime_within_the_stated_tolerance(embedder):
    fast = [embedder.encode([t], query=True) for t in TEXTS]
    assert isinstance(embedder._query_path.get(embedder.model), OnnxQueryPath)  # not a fallback
    for text, got in zip(TEXTS, fast, strict=True):
        want = _reference(embedder, [text])
        assert got.shape == want.shape == (1, 384) and got.dtype == np.float32
        assert 1.0 - float(got[0] @ want[0]) <= TOLERANCE, text[:40]
        assert np.max(np.abs(got - want)) <= ABS_TOLERANCE, text[:40]
        assert not np.array_equal(got, np.zeros_like(got))


def test_the_torchscript_fallback_is_bit_for_bit_what_encode_gives(embedder):
    path = QueryPath.build(embedder.model)
    assert path is not None
    for text in TEXTS:
        assert np.array_equal(path.encode_one(text), _reference(embedder, [text])[0]), text[:40]


def test_without_the_onnx_package_the_torchscript_path_is_used_and_named(embedder, monkeypatch, caplog):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a))
    lazy = LazyQueryPath()
    with caplog.at_level(logging.INFO, logger="grounded.embed"):
        path = lazy.get(embedder.model)
    assert isinstance(path, QueryPath)
    assert "onnx and onnxruntime packages are needed" in caplog.text
    assert "query embedding path: torchscript" in caplog.text


def test_an_onnx_path_that_differs_from_encode_is_not_used(embedder, monkeypatch, caplog):
    """The probe check is real: a graph whose vectors are off by more than the tolerance is refused."""
    real = OnnxQueryPath.encode_one
    monkeypatch.setattr(OnnxQueryPath, "encode_one", lambda self, text: real(self, text) + np.float32(1e-3))
    with caplog.at_level(logging.WARNING, logger="grounded.embed"):
        assert OnnxQueryPath.build(embedder.model, 1, PROBES) is None
    assert "differs from encode()" in caplog.text


def test_a_batch_still_goes_through_encode(embedder):
    got = embedder.encode(TEXTS[:3], query=True)
    want = embedder.model.encode(TEXTS[:3], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert np.array_equal(got, want)


def test_a_model_that_is_not_a_plain_transformer_pooling_pipeline_gets_no_fast_path(embedder):
    assert QueryPath.build(list(embedder.model)[:1]) is None  # no pooling module: not a pipeline it can reproduce
    assert OnnxQueryPath.build(list(embedder.model)[:1], 1, PROBES) is None
    assert len(PROBES[2].split()) > embedder.max_tokens  # the probes cover truncation at the model's limit


def test_building_the_fast_paths_prints_nothing(embedder, capfd):
    """Tracing reads transformers config fields that it warns about ("[transformers] `loss_type=None` …"): a user's
    `ask` printed that line on every run. The trace and the ONNX export are built quietly."""
    capfd.readouterr()
    assert QueryPath.build(embedder.model) is not None
    assert OnnxQueryPath.build(embedder.model, 1, PROBES) is not None
    out, err = capfd.readouterr()
    assert "transformers" not in err + out and "onnx" not in (err + out).lower(), err


def test_a_repeated_query_is_served_from_the_cache_with_the_same_bits(embedder, monkeypatch):
    first = embedder.encode([TEXTS[1]], query=True)
    calls = []
    monkeypatch.setattr(embedder, "_encode", lambda *a, **k: calls.append(a) or np.zeros((1, 384), np.float32))
    again = embedder.encode([TEXTS[1]], query=True)
    assert calls == [] and np.array_equal(again, first)  # no second forward pass, the same vector
    assert not again.flags.writeable  # shared by every caller: changing it in place raises instead of corrupting it
    embedder.encode([TEXTS[1] + "?"], query=True)
    assert len(calls) == 1  # another text is encoded
    embedder.encode(TEXTS[:2], query=True)
    assert len(calls) == 2  # a batch is never cached
