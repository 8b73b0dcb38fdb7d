"""The LlamaIndex baseline: answer shape, doc ids, raw-text offsets, top-2 retrieval, index reuse, no global models."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from llama_index.core.embeddings import BaseEmbedding

from evals import baseline as baseline_module
from evals import llama_suite, runner
from evals.baseline import Baseline, bundled_embedding
from tests.evals.test_llama_suite import write_dataset
from tests.fakes import ScriptedLLM

DIM = 64
ALPHA = "Alpha reactors run on molten salt. The alpha design was tested in Norway in 2021. "
BETA = "Beta turbines are built offshore. Each beta turbine produces 15 megawatts. "
GAMMA = "Gamma rays come from radioactive decay. Gamma sources are shielded with lead. "


class CountingHashEmbedding(BaseEmbedding):
    """Deterministic bag-of-words hashing; counts the texts it embeds."""

    texts_embedded: int = 0
    queries_embedded: int = 0

    def __init__(self) -> None:
        super().__init__(model_name="counting-hash")

    @staticmethod
    def _vec(text: str) -> list[float]:
        v = [0.0] * DIM
        for w in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            v[h % DIM] += 1.0
        norm = sum(x * x for x in v) ** 0.5 or 1.0
        return [x / norm for x in v]

    def _get_query_embedding(self, query: str) -> list[float]:
        self.queries_embedded += 1
        return self._vec(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        self.texts_embedded += 1
        return self._vec(text)


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    # long enough for the default SentenceSplitter (1,024 tokens) to cut it in two: the second chunk starts later
    filler = "".join(f"Filler sentence number {i} talks about nothing in particular at all. " for i in range(90))
    (d / "alpha-reactors.txt").write_text("ALPHA NEWS\n\n" + filler + ALPHA * 3, encoding="utf-8")
    (d / "beta-turbines.txt").write_text("Advertisement: buy now!\n" + BETA * 3, encoding="utf-8")
    (d / "gamma-rays.txt").write_text(GAMMA * 3, encoding="utf-8")
    (d / "sources.csv").write_text("file,title\nalpha-reactors.txt,Alpha\n", encoding="utf-8")
    (d / ".hidden.txt").write_text("never read", encoding="utf-8")
    return d


@pytest.fixture
def embed():
    return CountingHashEmbedding()


def _no_global_models():
    from llama_index.core import Settings

    assert Settings._llm is None and Settings._embed_model is None  # no default (OpenAI) model was resolved


def test_answer_shape_doc_ids_offsets_and_top2(corpus, tmp_path, embed):
    b = Baseline([corpus], tmp_path / "work", embed_model=embed)
    assert not b.reused and b.mode == "retrieval"
    assert sorted(b.doc_ids()) == ["alpha-reactors", "beta-turbines", "gamma-rays"]  # stems; sources.csv skipped
    assert b.baseline_doc_text("beta-turbines").startswith("Advertisement: buy now!")  # raw: nothing cleaned
    assert b.baseline_doc_text("nope") is None

    a = b.ask("How many megawatts does each beta turbine produce?", [{"role": "user", "content": "hi"}])
    assert set(a) >= {"answer", "abstained", "citations", "timings_ms", "engine", "retrieved"}
    assert a["engine"] == "baseline" and a["abstained"] is False and a["timings_ms"]["total"] > 0
    assert [c["id"] for c in a["citations"]] == [1, 2]  # top-k 2
    assert a["retrieved"][0] == "beta-turbines" and len(a["retrieved"]) <= 2
    assert a["answer"].index("[1]") < a["answer"].index("[2]")
    for c in a["citations"]:
        assert set(c) >= {"id", "doc_id", "quote", "start", "end", "also_in"}
        assert c["quote"].strip() and c["also_in"] == []
        assert b.baseline_doc_text(c["doc_id"])[c["start"]:c["end"]] == c["quote"]
        assert f"{c['quote']} [{c['id']}]" in a["answer"]
    assert set(b.ranked("alpha reactors molten salt", 10)) == {"alpha-reactors", "beta-turbines", "gamma-rays"}
    _no_global_models()


def test_second_chunk_offsets_point_into_raw_text(corpus, tmp_path, embed):
    b = Baseline([corpus], tmp_path / "work", embed_model=embed, top_k=4)
    assert b.nodes == 4  # alpha was cut in two
    cites = b.ask("Where was the alpha molten salt reactor design tested?")["citations"]
    second = [c for c in cites if c["doc_id"] == "alpha-reactors" and c["start"] > 0]
    assert len(second) == 1 and "Norway" in second[0]["quote"]
    assert b.baseline_doc_text("alpha-reactors")[second[0]["start"]:second[0]["end"]] == second[0]["quote"]


def test_index_is_reused_when_inputs_unchanged_and_rebuilt_when_changed(corpus, tmp_path, embed):
    work = tmp_path / "work"
    Baseline([corpus], work, embed_model=embed)
    assert embed.texts_embedded == 4
    again = CountingHashEmbedding()
    b = Baseline([corpus], work, embed_model=again)
    assert b.reused and again.texts_embedded == 0  # nothing re-embedded
    assert b.ask("gamma rays lead shielding")["retrieved"][0] == "gamma-rays"
    assert json.loads((work / "baseline.json").read_text())["nodes"] == 4

    (corpus / "gamma-rays.txt").write_text(GAMMA + "Gamma bursts were seen in 1967.", encoding="utf-8")
    third = CountingHashEmbedding()
    b = Baseline([corpus], work, embed_model=third)
    assert not b.reused and third.texts_embedded == 4 and "1967" in b.baseline_doc_text("gamma-rays")
    assert b.index.vector_store._collection.count() == 4  # the old chunks are gone


def test_jsonl_corpus_one_document_per_record(tmp_path, embed):
    path = tmp_path / "corpus.jsonl"
    records = [{"_id": "p1", "title": "Alpha", "text": ALPHA}, {"_id": "p2", "title": "Beta", "text": BETA},
               {"_id": "p3", "title": "Gamma", "text": GAMMA}]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    b = Baseline([path], tmp_path / "work", embed_model=embed)
    assert b.nodes == 3 and sorted(b.doc_ids()) == ["p1", "p2", "p3"]
    a = b.ask("beta turbines offshore megawatts")
    assert a["retrieved"][0] == "p2"
    for c in a["citations"]:
        assert b.baseline_doc_text(c["doc_id"])[c["start"]:c["end"]] == c["quote"]


def test_llm_mode_uses_citation_query_engine_with_the_given_llm(corpus, tmp_path, embed):
    llm = ScriptedLLM("Each beta turbine produces 15 megawatts [1]. See also [7].")
    b = Baseline([corpus], tmp_path / "work", embed_model=embed, llm=llm)
    a = b.ask("How many megawatts does each beta turbine produce?")
    assert b.mode == "llm" and a["answer"].startswith("Each beta turbine produces 15 megawatts [1]")
    prompt = llm.calls[0][0]["content"]
    assert "Source 1:" in prompt and "15 megawatts" in prompt  # CitationQueryEngine's numbered sources
    assert [c["id"] for c in a["citations"]] == [1] and len(a["sources"]) >= 2  # only what [n] names is cited
    c = a["citations"][0]
    assert c["doc_id"] == "beta-turbines" and b.baseline_doc_text(c["doc_id"])[c["start"]:c["end"]] == c["quote"]
    assert a["warnings"] == ["[7] names no source"]
    _no_global_models()


def test_llm_source_references_are_read_as_markers(corpus, tmp_path, embed):
    llm = ScriptedLLM("Beta turbines are built offshore [Source 2]. According to Source 1, they make 15 megawatts.")
    a = Baseline([corpus], tmp_path / "work", embed_model=embed, llm=llm).ask("How are beta turbines built?")
    assert a["answer"].startswith("Beta turbines are built offshore [2].")
    assert [c["id"] for c in a["citations"]] == [1, 2] and a["warnings"] == []


@pytest.mark.model
def test_real_bundled_model(corpus, tmp_path):
    b = Baseline([corpus], tmp_path / "work", embed_model=bundled_embedding())
    assert type(b.embed_model).__name__ == "HuggingFaceEmbedding"
    assert b.ask("What are gamma sources shielded with?")["retrieved"][0] == "gamma-rays"
    _no_global_models()


def test_word_file_without_the_file_readers_is_a_clear_error(tmp_path, embed):
    try:
        import llama_index.readers.file  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("llama-index-readers-file is installed")
    (tmp_path / "paper.docx").write_bytes(b"PK not really")
    with pytest.raises(RuntimeError, match="llama-index-readers-file"):
        Baseline([tmp_path / "paper.docx"], tmp_path / "work", embed_model=embed)


@pytest.fixture
def pdf_dataset(tmp_path):
    """test_llama_suite's two-page PDF suite."""
    return write_dataset(tmp_path)


def test_pdf_is_read_one_document_per_page_with_page_citations_and_ranking(pdf_dataset, tmp_path, embed):
    b = Baseline([pdf_dataset / "source_files"], tmp_path / "work", embed_model=embed)
    assert b.doc_ids() == ["Tiny"] and b.nodes == 2  # one Document per page, each page one chunk
    text = b.baseline_doc_text("Tiny")
    assert "Katla erupted in 1918" in text and "Klaksvik" in text and text.index("Katla") < text.index("Faroe")

    a = b.ask("When did the Katla volcano erupt?")
    assert [c["page"] for c in a["citations"]] == [1, 2]
    for c in a["citations"]:
        assert text[c["start"]:c["end"]] == c["quote"]  # offsets still index the joined pages
    assert "Katla" in a["citations"][0]["quote"] and "Klaksvik" in a["citations"][1]["quote"]
    assert b.ranked_pages("When did the Katla volcano erupt?") == [1, 2]
    assert b.ranked_pages("What do fishermen in Klaksvik make from blue whiting?") == [2, 1]
    assert b.ranked("Klaksvik blue whiting") == ["Tiny"]

    node = b._retrieve("When did the Katla volcano erupt?", 1)[0].node
    assert node.metadata["page_label"] == "1" and node.metadata["file_name"] == "Tiny.pdf"  # as PDFReader's
    _no_global_models()


def test_runner_reports_the_baseline_on_a_llama_suite(pdf_dataset, tmp_path, monkeypatch):
    from assistant.settings import AssistantSettings
    from kernel.settings import EmbedSettings

    monkeypatch.setitem(llama_suite.DATASETS, "alexnet", pdf_dataset)
    monkeypatch.setattr(baseline_module, "bundled_embedding", lambda *a, **k: CountingHashEmbedding())
    settings = AssistantSettings(home=tmp_path / "home", embed=EmbedSettings(model="hash"))
    system = runner.baseline_systems(settings, ["extractive"])[0]
    suite = runner.SUITES["alexnet"]
    assert system.name == "baseline" and suite.skip_reason(system) is None and suite.size(None) == 3

    result = runner.run_suite(suite, system, None, None)
    assert (settings.home / "suites" / "baseline-alexnet" / "baseline.json").exists()
    rows, summary = result["cases"], result["summary"]
    assert [r["id"] for r in rows] == [0, 1, 2] and result["n_cases"] == 3
    assert [r["ranked"] for r in rows] == [[1, 2], [2, 1], [1, 2]]
    assert all(r["cited_pages"] == [1, 2] and r["cites_gold"] and not r["abstained"] for r in rows)
    assert rows[0]["answer"]["engine"] == "baseline" and rows[0]["f1"] > 0
    assert set(summary) == set(llama_suite.summarize(rows))  # the product's summary keys
    assert (summary["hit@1"], summary["hit@5"], summary["mrr"], summary["citation_gold_page"]) == (1.0, 1.0, 1.0, 1.0)
    assert summary["false_abstention"] == 0.0 and summary["questions"] == 3

    limited = runner.run_suite(suite, system, 1, None)
    assert limited["n_cases"] == 1
