"""The query fast path (ingest.embed_query) gives exactly the vectors of `SentenceTransformer.encode`, with the real
bundled model (it is local: nothing is downloaded)."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embed import make_embedder
from ingest.embed_query import PROBES, QueryPath
from ingest.settings import EmbedSettings

TEXTS = ["Is testing a Huawei Ascend 910D in Malaysia a violation?", "What does § 744.23 require?",
         "Böhm Liège 3A090.a D:5 EL-2025-0418", "a", "", "word " * 400]


@pytest.fixture(scope="module")
def embedder():
    return make_embedder(EmbedSettings())


def test_one_query_is_encoded_bit_for_bit_as_encode_does(embedder):
    fast = [embedder.encode([t], query=True) for t in TEXTS]
    assert embedder._query_path.get(embedder.model) is not None  # the fast path was taken, not the fallback
    for text, got in zip(TEXTS, fast, strict=True):
        want = embedder.model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        assert got.shape == want.shape == (1, 384) and got.dtype == np.float32
        assert np.array_equal(got, want), text[:40]


def test_a_batch_still_goes_through_encode(embedder):
    got = embedder.encode(TEXTS[:3], query=True)
    want = embedder.model.encode(TEXTS[:3], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert np.array_equal(got, want)


def test_a_model_that_is_not_a_plain_transformer_pooling_pipeline_gets_no_fast_path(embedder):
    assert QueryPath.build(list(embedder.model)[:1]) is None  # no pooling module: not a pipeline it can reproduce
    assert len(PROBES[2].split()) > embedder.max_tokens  # the probes cover truncation at the model's limit


def test_building_the_fast_path_prints_nothing(embedder, capfd):
    """Tracing reads transformers config fields that it warns about ("[transformers] `loss_type=None` …"): a user's
    `ask` printed that line on every run. The trace is built quietly."""
    capfd.readouterr()
    assert QueryPath.build(embedder.model) is not None
    out, err = capfd.readouterr()
    assert "transformers" not in err + out, err


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
