"""The ONNX query path (ingest.embed_query_onnx) leaves retrieval unchanged: on every golden question the retrieved
chunks and the ranked evidence are the same, in the same order, as with `SentenceTransformer.encode`'s vector (the
reference path, which the documents' own vectors come from)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.models import Turn
from evals.cases import load_cases
from evals.golden_suite import GOLDEN
from ingest.embed_query_onnx import TOLERANCE, OnnxQueryPath

TOP_UNITS = 8  # more than any engine quotes from one answer


@pytest.fixture(scope="module")
def golden():
    return [(c.question, [Turn(h.role, h.content) for h in c.history]) for c in load_cases(GOLDEN)]


def _retrieved(assistant, golden):
    out = []
    for question, history in golden:
        ctx = assistant.context(question, history, None)
        out.append(([h.chunk_id for h in ctx.hits], [(u.hit.chunk_id, u.start, u.end) for u in ctx.units[:TOP_UNITS]]))
    return out


def test_golden_questions_retrieve_the_same_passages_with_the_onnx_path_as_with_encode(assistant, golden, monkeypatch):
    embedder = assistant.embedder
    assert isinstance(embedder._query_path.get(embedder.model), OnnxQueryPath)  # the path under test is the one used
    queries: list[str] = []
    real_encode = type(embedder).encode

    def recording(self, texts, *, query=False):
        if query and len(texts) == 1:
            queries.append(texts[0])
        return real_encode(self, texts, query=query)

    monkeypatch.setattr(type(embedder), "encode", recording)
    fast = _retrieved(assistant, golden)

    def reference(self, texts, *, query=False):
        if query and len(texts) == 1:
            return self.model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return real_encode(self, texts, query=query)

    monkeypatch.setattr(type(embedder), "encode", reference)
    slow = _retrieved(assistant, golden)
    assert len(fast) == len(golden) >= 100
    for (question, _), a, b in zip(golden, fast, slow, strict=True):
        assert a == b, question
    # and the vectors themselves: every searched text within the stated tolerance of encode()'s
    got = np.stack([real_encode(embedder, [q], query=True)[0] for q in queries])
    want = embedder.model.encode(queries, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
                                 batch_size=1)
    assert float(np.max(1.0 - np.sum(got * want, axis=1))) <= TOLERANCE
