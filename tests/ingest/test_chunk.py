"""Chunks: whole sentences, exact offsets, nothing lost, never longer than the model reads."""

from __future__ import annotations

import re

import pytest

from ingest.chunk import chunk
from ingest.clean import clean
from ingest.embed import make_embedder
from ingest.load import load
from ingest.models import CleanDoc, DocMeta, Segment, SourceDoc
from kernel.sentences import sentences
from kernel.settings import ChunkSettings, EmbedSettings
from tests.fakes import HashEmbedder
from tests.helpers import CORPUS


@pytest.fixture(scope="module")
def tokenizer_embedder():
    """The bundled model's tokenizer (the weights are not loaded for counting)."""
    return make_embedder(EmbedSettings())


def _doc(text: str, title: str | None = None) -> CleanDoc:
    src = SourceDoc(doc_id="d", source="d.txt", fmt="txt", text=text, meta=DocMeta(title=title), content_hash="h")
    return CleanDoc(doc=src, text=text, meta=src.meta, segments=(Segment(0, 0, len(text)),))


def _check_lead(c, text: str, prefix: str) -> None:
    """A chunk's `lexical_text`, when it has one, is its title line, then sentences of its own paragraph just
    before it (one line), then its text."""
    if c.lexical_text is None:
        return
    assert c.lexical_text.startswith(prefix) and c.lexical_text.endswith("\n" + c.text)
    lead = c.lexical_text[len(prefix):len(c.lexical_text) - len(c.text)]
    assert lead.strip() and "\n" not in lead[:-1]
    assert " ".join(text[:c.start].split()).endswith(lead.strip()), (lead, c.text[:60])


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
            _check_lead(c, cleaned.text, prefix)
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
        _check_lead(c, MINUTES, prefix)
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


BULLETIN = ("Penalties for export violations were raised this year. An unlicensed shipment can now cost up to "
            "\u20ac250,000 per violation, or three times the value of the goods, whichever is greater. Voluntary "
            "disclosure is considered when the penalty is set.\n\nEvery consignee is screened before each shipment. "
            "Screening is repeated whenever the consignee's owners change, and the result is filed with the order. "
            "Possible matches wait for the duty officer.\n\nShipping records must be kept for seven years from the "
            "date of export. Audits check a sample of them.\n\nThe annual training for warehouse staff takes place on "
            "9 October 2026 in the Kulim office. Attendance is mandatory for everyone who handles Z3 modules.")
LEAD = "The annual training for warehouse staff takes place on 9 October 2026 in the Kulim office."
TAIL = "Attendance is mandatory for everyone who handles Z3 modules."


def test_a_paragraph_tail_cut_into_the_next_chunk_is_indexed_with_its_lead(tokenizer_embedder):
    """Issue 14 (stop-18 open item): the bulletin's last paragraph was cut after its first sentence (the chunk had
    reached its 120-piece target), leaving "Attendance is mandatory for everyone who handles Z3 modules." alone in a
    chunk that never says what is attended. The chunk boundaries, texts and embeddings stay as they were (growing
    the chunk instead cost compliance_docs citation precision and solana hit@5, commit 378bb24; embedding the lead
    cost citation precision); the tail's chunk is BM25-indexed with the paragraph's sentence before it."""
    settings = ChunkSettings()
    chunks = chunk(_doc(BULLETIN, "Kulim Compliance Bulletin, autumn 2026"), tokenizer_embedder, settings)
    [tail] = [c for c in chunks if c.text.startswith(TAIL)]
    assert tail.text == TAIL  # the chunk itself is unchanged: what is quoted and cited
    assert tail.embed_text == "Kulim Compliance Bulletin, autumn 2026\n" + TAIL
    assert tail.lexical_text == "Kulim Compliance Bulletin, autumn 2026\n" + LEAD + "\n" + TAIL
    for c in chunks:
        assert c.embed_text == "Kulim Compliance Bulletin, autumn 2026\n" + c.text
        assert c is tail or c.lexical_text is None  # no other change


def test_only_a_short_remainder_of_a_paragraph_gets_its_lead(tokenizer_embedder):
    """A chunk that starts at a paragraph (after a blank line), whose part of the paragraph it starts in is long
    enough (over half the target) to say what it is about, that holds more paragraphs after it, or whose paragraph
    is longer than the target (split anyway: the 40-sentence one here) is indexed as before; the short remainder
    of a short paragraph, alone in its chunk, gets the sentences before it, and only sentences of its own
    paragraph. (Leads for every short remainder, alone or not, touched 100 of alexnet's 262 chunks and cost two
    of its answers; for every lone remainder, 209 of ClapNQ's 1,210 chunks.)"""
    para = " ".join(f"Sentence {i} of one long paragraph about licences and shipments to the region." for i in range(40))
    text = para + "\n\n" + BULLETIN
    settings = ChunkSettings()
    chunks = chunk(_doc(text), tokenizer_embedder, settings)
    kinds = []
    for c in chunks:
        starts_paragraph = c.start == 0 or text[:c.start].rstrip(" ").endswith("\n\n")
        alone = "\n\n" not in c.text  # nothing but the paragraph's remainder in the chunk
        paragraph = text[text.rfind("\n\n", 0, c.start) + 2:c.end]
        short = alone and tokenizer_embedder.count_tokens(c.text) - 2 <= settings.target_tokens // 2 and \
            tokenizer_embedder.count_tokens(paragraph) - 2 <= settings.target_tokens  # less [CLS] and [SEP]
        assert c.embed_text == c.text
        if starts_paragraph or not short:
            assert c.lexical_text is None, c.text[:60]
            kinds.append("paragraph start" if starts_paragraph else "long or not alone")
        else:
            _check_lead(c, text, "")
            assert "\n\n" not in text[c.start - len(c.lexical_text) + len(c.text):c.start]  # its own paragraph
            kinds.append("short remainder")
    assert {"paragraph start", "long or not alone", "short remainder"} <= set(kinds), kinds


def test_a_lone_tail_is_found_by_the_words_of_its_paragraph(tmp_path):
    """End to end through the index (hash embedder, one word a piece): BM25 finds the tail's chunk, the one that
    answers "Is the October warehouse training compulsory for staff?"; before, that chunk shared no word with the
    question (BM25 gives only scores > 0)."""
    from ingest.index import open_index
    from ingest.pipeline import run
    from tests.helpers import fast_settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    filler = "Every consignee is screened against the restricted entity list before each shipment, not only when " \
             "an order is first entered, and again whenever its owners change."  # 27 words: + LEAD passes 40
    (corpus / "bulletin.txt").write_text("Kulim Compliance Bulletin\n\n" + filler + "\n\n" + LEAD + " " + TAIL + "\n",
                                         encoding="utf-8")
    settings = fast_settings(tmp_path / "state")
    settings.chunk.target_tokens, settings.chunk.max_tokens = 40, 80
    assert run([corpus], settings).exit_code == 0
    index = open_index(settings)
    rows = index.chunks(doc_id="bulletin")
    [tail] = [r for r in rows if r["text"].startswith(TAIL)]  # the fixture does cut the paragraph before the tail
    hits = [cid for cid, _ in index.lexical_search("Is the October warehouse training compulsory for staff?", k=5)]  # scores > 0
    assert tail["chunk_id"] in hits, [r["text"][:50] for r in rows]
