"""Chunks: whole sentences, exact offsets, nothing lost, never longer than the model reads."""

from __future__ import annotations

import re

import pytest

from ingest.chunk import chunk, sentences
from ingest.clean import clean
from ingest.embed import HashEmbedder, make_embedder
from ingest.load import load
from ingest.models import CleanDoc, DocMeta, Segment, SourceDoc
from ingest.settings import ChunkSettings, EmbedSettings
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
            assert c.embed_text.endswith(c.text) and c.embed_text.startswith(cleaned.meta.title or "")
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
