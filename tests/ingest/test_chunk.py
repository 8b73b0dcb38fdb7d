"""Chunks: whole sentences, exact offsets, nothing lost, never longer than the model reads."""

from __future__ import annotations

import re

import pytest

from ingest.chunk import chunk, sentences
from ingest.clean import clean
from ingest.embed import make_embedder
from ingest.load import load
from ingest.models import CleanDoc, DocMeta, Segment, SourceDoc
from ingest.settings import ChunkSettings, EmbedSettings
from tests.fakes import HashEmbedder
from tests.helpers import CORPUS


@pytest.fixture(scope="module")
def tokenizer_embedder():
    """The bundled model's tokenizer (the weights are not loaded for counting)."""
    return make_embedder(EmbedSettings())


def _doc(text: str, title: str | None = None) -> CleanDoc:
    src = SourceDoc(doc_id="d", source="d.txt", fmt="txt", text=text, meta=DocMeta(title=title), content_hash="h")
    return CleanDoc(doc=src, text=text, meta=src.meta, segments=(Segment(0, 0, len(text)),))


def test_sentences_keep_abbreviations_and_never_cross_lines():
    text = "The U.S. Department of Commerce acted on Tuesday. It named the 910B.\nA heading\nLast line here."
    spans = [text[s:e] for s, e in sentences(text)]
    assert spans == ["The U.S. Department of Commerce acted on Tuesday.", "It named the 910B.", "A heading",
                     "Last line here."]


@pytest.mark.parametrize("max_tokens,target", [(200, 120), (64, 40)])
def test_seed_chunks_fit_the_model_and_cover_the_text(tokenizer_embedder, max_tokens, target):
    settings = ChunkSettings(max_tokens=max_tokens, target_tokens=target)
    for doc in load([CORPUS], 10**8).docs:
        cleaned = clean(doc)
        chunks = chunk(cleaned, tokenizer_embedder, settings)
        assert chunks, doc.doc_id
        for c in chunks:
            assert cleaned.text[c.start:c.end] == c.text
            assert tokenizer_embedder.count_tokens(c.embed_text) <= max_tokens, (doc.doc_id, c.text)
            prefix = c.embed_text[:len(c.embed_text) - len(c.text)]
            assert c.embed_text.endswith(c.text) and (cleaned.meta.title or "").startswith(prefix.rstrip("\n"))
        assert [c.start for c in chunks] == sorted(c.start for c in chunks)
        covered = re.sub(r"\s+", "", "".join(c.text for c in chunks))
        assert covered == re.sub(r"\s+", "", cleaned.text), doc.doc_id


def test_an_overlong_sentence_is_cut_at_word_boundaries(tokenizer_embedder):
    words = " ".join(f"export{i} controls" for i in range(400)) + "."
    chunks = chunk(_doc(words, title="Long"), tokenizer_embedder, ChunkSettings(max_tokens=100, target_tokens=60))
    assert len(chunks) > 5
    for c in chunks:
        assert tokenizer_embedder.count_tokens(c.embed_text) <= 100
        assert words[c.start:c.end] == c.text and not c.text.startswith(" ")
        assert c.start == 0 or words[c.start - 1] == " "  # starts on a word


def test_chunk_ids_are_stable_content_hashes():
    text = "First sentence about Huawei. Second sentence about the 910D.\nSame line.\nSame line."
    a = chunk(_doc(text), HashEmbedder(), ChunkSettings(max_tokens=32, target_tokens=16))
    b = chunk(_doc(text), HashEmbedder(), ChunkSettings(max_tokens=32, target_tokens=16))
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)


def test_empty_document_has_no_chunks():
    assert chunk(_doc(""), HashEmbedder()) == []


LONG_TITLE = " ".join(["Minutes of the regional export compliance working group on controlled sensors"] * 28)  # 280 words
MINUTES = ("The quarterly review of licence applications was held in the Johor office on October 14, 2025. "
           "Twelve applications for infrared sensor exports were examined by the committee members present. "
           "Three applications were returned because the end-user statements were incomplete or unsigned. "
           "The committee agreed to publish revised guidance on end-user statements before the end of the year.\n"
           "The next meeting will be held in the Penang office on January 20, 2026, at ten in the morning. ") * 3


def test_a_long_title_never_pushes_the_chunk_out_of_the_window_nor_splits_sentences(tokenizer_embedder):
    doc = _doc(MINUTES, title=LONG_TITLE)
    chunks = chunk(doc, tokenizer_embedder)
    window = tokenizer_embedder.max_tokens  # 256 word pieces for the bundled model
    for c in chunks:
        assert tokenizer_embedder.count_tokens(c.embed_text) <= min(window, ChunkSettings().max_tokens)
        assert c.embed_text.endswith(c.text)
        prefix = c.embed_text[:len(c.embed_text) - len(c.text)]
        assert 0 < tokenizer_embedder.count_tokens(prefix) - 2 <= ChunkSettings().title_tokens
        assert LONG_TITLE.startswith(prefix.rstrip("\n"))
    sentence_spans = sentences(MINUTES)
    for s, e in sentence_spans:  # every sentence lies whole inside one chunk
        assert any(c.start <= s and e <= c.end for c in chunks), MINUTES[s:e]
    texts = [c.text for c in chunks]
    assert not any(t.endswith("held in the Johor office on") for t in texts)
    assert len(chunks) <= 4  # chunks of about target size, not 16-word-piece fragments


def test_title_prefix_is_cut_at_a_word_by_the_model_tokenizer(tokenizer_embedder):
    from ingest.chunk import title_prefix

    assert title_prefix("Short title", tokenizer_embedder, 48) == "Short title\n"
    assert title_prefix(None, tokenizer_embedder, 48) == "" and title_prefix("x", tokenizer_embedder, 0) == ""
    cut = title_prefix(LONG_TITLE, tokenizer_embedder, 20)
    assert len(tokenizer_embedder.token_starts(cut)) <= 20 and LONG_TITLE.startswith(cut.rstrip("\n"))
    assert LONG_TITLE[len(cut) - 1] == " "  # ends on a word boundary


def test_a_list_item_is_never_split_between_chunks(tokenizer_embedder):
    """A two-sentence item ("- Ōtsuka Seimitsu K.K. of Ōsaka, Japan. Added on 28 April 2025 …") stays in one chunk
    even when the chunk reaches its target after the item's first sentence; chunks still break between items."""
    items = [f"- Entity number {i} Trading Company Limited of the City of Somewhere {i} in the Republic of Country "
             f"{i}. Added on {i} May 2025." for i in range(1, 30)]
    text = "Restricted entity list\n\n" + "\n".join(items)
    chunks = chunk(_doc(text), tokenizer_embedder, ChunkSettings(max_tokens=120, target_tokens=50))
    assert len(chunks) > 3
    for item in items:
        body = item[2:]
        assert any(body in c.text for c in chunks), item  # the whole item inside one chunk
    for c in chunks:
        assert tokenizer_embedder.count_tokens(c.embed_text) <= 120
