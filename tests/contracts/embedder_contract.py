"""What every `Embedder` promises (ingest.embed), as a test class to subclass: provide the `embedder` fixture."""

from __future__ import annotations

import numpy as np

TEXTS = ["Huawei plans to ship 653,000 Ascend 910C units.", "§ 744.23 covers supercomputer end uses.",
         "ECCN 3A090.a and licence EL-2025-0001.", "Böhm visited Liège and 北京.", "Export controls apply."]


class EmbedderContract:
    """Inherit and provide the `embedder` fixture."""

    def test_rows_are_float32_unit_vectors_of_one_dimension(self, embedder):
        vecs = embedder.encode(TEXTS)
        assert vecs.dtype == np.float32 and vecs.ndim == 2 and vecs.shape[0] == len(TEXTS) and vecs.shape[1] > 0
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
        assert embedder.encode(TEXTS[:1], query=True).shape == (1, vecs.shape[1]), "queries have the same dimension"

    def test_no_texts_give_an_empty_array_of_the_dimension(self, embedder):
        dim = embedder.encode(TEXTS[:1]).shape[1]
        out = embedder.encode([])
        assert out.shape == (0, dim) and out.dtype == np.float32

    def test_deterministic_and_independent_of_the_batch(self, embedder):
        a = embedder.encode(TEXTS)
        assert np.allclose(a, embedder.encode(TEXTS), atol=1e-6)
        assert np.allclose(embedder.encode([TEXTS[2]])[0], a[2], atol=1e-4), "a row does not depend on its batch"
        q = embedder.encode([TEXTS[1]], query=True)
        assert np.allclose(q, embedder.encode([TEXTS[1]], query=True), atol=1e-6)

    def test_similar_texts_score_higher_than_unrelated(self, embedder):
        a, b, c = embedder.encode(["Export controls apply to Ascend chips.", "Ascend chips: export controls apply.",
                                   "The weather in Lisbon was mild and sunny."])
        assert float(a @ b) > float(a @ c)

    def test_tokens_are_counted_with_their_offsets(self, embedder):
        assert isinstance(embedder.name, str) and embedder.name
        assert isinstance(embedder.max_tokens, int) and embedder.max_tokens > 0
        text = TEXTS[2]
        starts = embedder.token_starts(text)
        assert starts and starts == sorted(starts) and all(0 <= s < len(text) for s in starts)
        assert embedder.count_tokens(text) >= len(starts)
        assert embedder.count_tokens("word " * 600) > embedder.max_tokens, "counting never truncates"
