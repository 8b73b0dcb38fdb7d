"""ingest.embed: the tests' hash fake (deterministic, normalised), the embedder chosen by name, and the bundled MiniLM's
promises (query and batch encodes agree, rows are unit length, tokens counted as the model reads them)."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embed import SentenceTransformerEmbedder, bundled_model_path, make_embedder
from kernel.errors import ConfigError
from kernel.settings import BUNDLED_MODEL, EmbedSettings
from tests import fakes
from tests.fakes import HashEmbedder

TEXTS = ["Huawei plans to ship 653,000 Ascend 910C units.", "§ 744.23 covers supercomputer end uses.",
         "ECCN 3A090.a and licence EL-2025-0001.", "Böhm visited Liège and 北京."]


# --- the hash fake -----------------------------------------------------------------------------------------------

def test_hash_rows_are_float32_unit_vectors_of_its_dimension():
    vecs = HashEmbedder(64).encode(TEXTS)
    assert vecs.shape == (4, 64) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-6)


def test_hash_is_deterministic_and_ignores_query_flag():
    e = HashEmbedder()
    a, b = e.encode(TEXTS), HashEmbedder().encode(TEXTS, query=True)
    assert np.array_equal(a, b)
    assert np.array_equal(e.encode([TEXTS[2]])[0], a[2]), "a row does not depend on its batch"


def test_hash_is_a_bag_of_lower_cased_words():
    e = HashEmbedder()
    a, b, c = e.encode(["Export controls apply", "apply EXPORT controls", "licence revoked today"])
    assert np.allclose(a, b)
    assert float(a @ c) < 0.99


def test_hash_of_text_without_words_is_the_zero_vector_not_nan():
    vecs = HashEmbedder(32).encode(["", "   ", "!!! --"])
    assert not np.isnan(vecs).any() and not vecs.any()
    assert HashEmbedder(32).encode([]).shape == (0, 32)


def test_hash_counts_words_plus_two_special_tokens_and_their_starts():
    e = HashEmbedder()
    assert e.count_tokens("") == 2
    assert e.count_tokens("EL-2025-0001 is active") == 3 + 2 + 2  # EL, 2025, 0001 + is, active + [CLS]/[SEP]
    text = "Böhm met 北京"
    starts = e.token_starts(text)
    assert starts == [0, 5, 9] and [text[s] for s in starts] == ["B", "m", "北"]


# --- choosing by name --------------------------------------------------------------------------------------------

def test_make_embedder_hash_names_registered_by_the_tests():
    assert isinstance(make_embedder(EmbedSettings(model="hash")), HashEmbedder)
    assert make_embedder(EmbedSettings(model="hash")).dim == 256
    e = make_embedder(EmbedSettings(model="hash-64"))
    assert e.dim == 64 and e.name == "hash-64" and e.encode(["x"]).shape == (1, 64)


def test_hash_is_not_a_product_embedder():
    """Without the tests' registration (a product run), `hash` is an unknown name listing the real ones."""
    fakes.unregister()
    try:
        with pytest.raises(ConfigError, match=r"unknown embedding model 'hash' \(GROUNDED_EMBED__MODEL\); known embedding "
                                              r"models: bundled:all-MiniLM-L6-v2, bundled:multilingual-e5-small"):
            make_embedder(EmbedSettings(model="hash"))
    finally:
        fakes.register()


def test_an_unknown_model_name_is_a_config_error_naming_the_choices():
    with pytest.raises(ConfigError, match="unknown embedding model 'no-such-model'.*bundled:all-MiniLM-L6-v2"):
        make_embedder(EmbedSettings(model="no-such-model"))


def test_a_directory_without_a_model_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no sentence-transformers model"):
        make_embedder(EmbedSettings(model=str(tmp_path)))


def test_a_local_model_directory_is_loaded_lazily(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    e = make_embedder(EmbedSettings(model=str(tmp_path)))
    assert isinstance(e, SentenceTransformerEmbedder) and e.path == tmp_path and e.languages is None
    assert e.max_tokens == 256, "no sentence_bert_config.json: the default"
    (tmp_path / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    assert SentenceTransformerEmbedder(tmp_path, "x", EmbedSettings()).max_tokens == 128


def test_the_bundled_model_is_named_without_loading_it():
    e = make_embedder(EmbedSettings(model=BUNDLED_MODEL))
    assert isinstance(e, SentenceTransformerEmbedder)
    assert e.name == BUNDLED_MODEL and e.languages == ("en",)
    assert e.path == bundled_model_path() and "model" not in e.__dict__, "the model loads on first use only"


# --- the bundled MiniLM ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def minilm():
    return make_embedder(EmbedSettings(model=BUNDLED_MODEL, ingest_threads=1))


@pytest.mark.model
def test_minilm_query_and_batch_encodes_agree_and_are_normalised(minilm):
    batch = minilm.encode(TEXTS)
    one = np.vstack([minilm.encode([t], query=True) for t in TEXTS])
    assert batch.shape == (4, 384) and batch.dtype == np.float32
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert np.allclose(batch, one, atol=1e-5)


@pytest.mark.model
def test_minilm_encodes_no_texts_as_an_empty_array(minilm):
    assert minilm.encode([]).shape == (0, 384)


@pytest.mark.model
def test_minilm_similarity_is_meaningful(minilm):
    a, b, c = minilm.encode(["Huawei will ship Ascend chips.", "Huawei plans to deliver Ascend processors.",
                             "The weather in Lisbon was mild."])
    assert float(a @ b) > float(a @ c) + 0.2


@pytest.mark.model
def test_minilm_tokens(minilm):
    assert minilm.max_tokens == 256
    assert minilm.count_tokens("") == 2, "[CLS] and [SEP]"
    text = "ECCN 3A090.a"
    starts = minilm.token_starts(text)
    assert minilm.count_tokens(text) == len(starts) + 2
    assert starts[0] == 0 and starts == sorted(starts) and all(0 <= s < len(text) for s in starts)
    assert minilm.count_tokens("word " * 400) > minilm.max_tokens, "counting never truncates"
