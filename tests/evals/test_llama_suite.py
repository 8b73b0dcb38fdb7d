"""The llama-datasets suites (alexnet, solana) on a tiny generated dataset: a two-page PDF, three questions with gold
pages, the hash embedder. Checks page hit@k / MRR, the rows and the summary, and that a second build embeds nothing."""

from __future__ import annotations

import json

import pytest

from evals import llama_suite, runner
from evals.suite import own_settings

PAGE_1 = [
    "Volcanoes of Iceland",
    "The Katla volcano lies beneath the Myrdalsjokull glacier in southern Iceland.",
    "Katla erupted in 1918 and sent floods of meltwater across the sandur plains.",
    "Volcanologists monitor Katla with seismometers because its eruptions melt the ice cap.",
]
PAGE_2 = [
    "Fisheries of the Faroe Islands",
    "The Faroese fishing fleet lands mostly cod, haddock and blue whiting.",
    "Salmon farming in the Faroe fjords grew rapidly after 1990 and now dominates exports.",
    "Fishermen in Klaksvik process blue whiting into fishmeal for animal feed.",
]


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF: one page per list of text lines (Helvetica), with a valid xref table."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, lines in enumerate(pages):
        body = "BT /F1 11 Tf 14 TL 50 780 Td " + " ".join(f"({esc(t)}) Tj T*" for t in lines) + " ET"
        objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 3 0 R >> >> "
                    f"/Contents {5 + 2 * i} 0 R >>")
        objs.append(f"<< /Length {len(body)} >>\nstream\n{body}\nendstream")
    out, offsets = b"%PDF-1.4\n", []
    for k, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{k} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


QUESTIONS = [
    {"id": 0, "query": "When did the Katla volcano erupt?", "gold_page_labels": ["1"],
     "reference_answer": "Katla erupted in 1918."},
    {"id": 1, "query": "What do fishermen in Klaksvik make from blue whiting?", "gold_page_labels": ["2"],
     "reference_answer": "They process blue whiting into fishmeal for animal feed."},
    {"id": 2, "query": "Which glacier covers the Katla volcano?", "gold_page_labels": ["1"]},  # answer: rag_dataset
]


def write_dataset(tmp_path):
    """A llama-datasets-style suite: a two-page PDF and the questions above with gold pages."""
    data = tmp_path / "llama_tiny"
    (data / "source_files").mkdir(parents=True)
    (data / "source_files" / "Tiny.pdf").write_bytes(make_pdf([PAGE_1, PAGE_2]))
    (data / "questions_with_gold_pages.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    examples = [{"query": q["query"], "reference_answer": q.get("reference_answer") or
                 "Katla lies beneath the Myrdalsjokull glacier."} for q in QUESTIONS]
    (data / "rag_dataset.json").write_text(json.dumps({"examples": examples}))
    return data


@pytest.fixture
def dataset(tmp_path):
    return write_dataset(tmp_path)


@pytest.fixture
def settings(tmp_path):
    from assistant.settings import AssistantSettings
    from kernel.settings import ChunkSettings, CleanSettings, EmbedSettings

    return AssistantSettings(home=tmp_path / "home", embed=EmbedSettings(model="hash"),
                             clean=CleanSettings(offtopic=False), chunk=ChunkSettings(max_tokens=48, target_tokens=24))


def test_score_row_page_hits_and_mrr():
    ans = {"answer": "Katla erupted in 1918 [1].", "abstained": False, "citations": [{"page": 4}]}
    row = llama_suite.score_row(7, "q?", {2}, "Katla erupted in 1918.", ans, [5, 1, 2, 9], 12.0)
    assert (row["hit1"], row["hit5"], row["rr"]) == (0.0, 1.0, pytest.approx(1 / 3))
    assert row["cites_gold"] is False and row["correct"] is False and row["cited_pages"] == [4]
    assert row["f1"] == pytest.approx(1.0) and row["answerable"] is True
    top = llama_suite.score_row(8, "q?", {5}, "", ans, [5, 1], 1.0)
    assert (top["hit1"], top["hit5"], top["rr"]) == (1.0, 1.0, 1.0) and top["f1"] == 0.0
    miss = llama_suite.score_row(9, "q?", {8}, "x", ans, [1, 2, 3, 4, 5, 8], 1.0)
    assert (miss["hit1"], miss["hit5"], miss["rr"]) == (0.0, 0.0, pytest.approx(1 / 6))

    two = {"answer": "x [1] y [2]", "abstained": False, "citations": [{"page": 2}, {"page": 3}]}
    half = llama_suite.score_row(10, "q?", {2}, "x", two, [2], 1.0)
    assert (half["citations"], half["citations_precise"]) == (2, 1)

    summary = llama_suite.summarize([row, top, miss])
    assert summary["citation_precision"] == 0.0  # each cites page 4, no gold page
    assert llama_suite.summarize([row, half])["citation_precision"] == pytest.approx(1 / 3)
    assert summary["questions"] == 3 and summary["hit@5"] == pytest.approx(2 / 3)
    assert summary["mrr"] == pytest.approx((1 / 3 + 1 + 1 / 6) / 3)
    assert summary["false_abstention"] == 0.0 and "correct_abstention" not in summary


def test_load_questions_takes_missing_references_from_rag_dataset(dataset):
    qs = llama_suite.load_questions(dataset)
    assert [q["gold_pages"] for q in qs] == [{1}, {2}, {1}]
    assert qs[0]["question"] == QUESTIONS[0]["query"] and "Myrdalsjokull" in qs[2]["reference_answer"]


def test_suite_runs_on_its_own_index(dataset, settings, monkeypatch):
    monkeypatch.setitem(llama_suite.DATASETS, "tiny", dataset)
    suite = llama_suite.pdf_suite("tiny", "three questions over a two-page PDF")
    system = runner.product_systems(settings, ["extractive"])[0]
    rows, summary = runner.evaluate(suite, system, None)
    assert (settings.home / "suites" / "tiny").is_dir() and not (settings.home / "index").exists()
    assert [r["id"] for r in rows] == [0, 1, 2]
    for row in rows:
        assert set(row["ranked"]) <= {1, 2} and row["ranked"]
        assert {"hit1", "hit5", "rr", "cites_gold", "f1", "rouge_l", "correct", "ms", "answer"} <= set(row)
        assert row["hit5"] == 1.0  # two pages, several chunks each: both pages are retrieved
    assert rows[0]["ranked"][0] == 1 and rows[1]["ranked"][0] == 2
    assert {"questions", "hit@1", "hit@5", "mrr", "citation_gold_page", "token_f1_answered", "rouge_l_answered",
            "token_f1_all", "false_abstention", "precision", "accuracy", "latency_p50_ms",
            "latency_p95_ms"} <= set(summary)
    assert summary["questions"] == 3 and summary["hit@1"] >= 2 / 3
    answered = [r for r in rows if not r["abstained"]]
    assert answered and summary["citation_gold_page"] == sum(r["cites_gold"] for r in answered) / len(answered)

    again = suite.corpus.build(own_settings(settings, "tiny"))
    assert again.chunks_embedded == 0 and again.unchanged

    limited, s1 = runner.evaluate(suite, system, 1)
    assert len(limited) == 1 and s1["questions"] == 1


def test_registered_in_the_runner():
    if not (llama_suite.BENCHMARKS / "llama_blockchain_solana").exists():
        pytest.skip(f"the solana benchmark is not at {llama_suite.BENCHMARKS}")
    assert {"alexnet", "solana"} <= set(runner.SUITES)
    assert runner.SUITES["solana"].size(5) == 5
    from evals.client import Client

    system = runner.url_systems(Client("http://127.0.0.1:9"), ["extractive"])[0]
    assert "not supported with --url" in runner.SUITES["alexnet"].skip_reason(system)
    assert runner.SUITES["golden"].skip_reason(system) is None
