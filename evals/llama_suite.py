"""The llama-datasets suites: `alexnet` (160 questions) and `solana` (58), each over one PDF in its own index.

Read in place from ../shared/benchmarks/llama_history_of_alexnet and ../shared/benchmarks/llama_blockchain_solana:
`source_files/*.pdf`, `questions_with_gold_pages.jsonl` (`query`, `reference_answer`, `gold_page_labels`: 1-based
PDF pages) and `rag_dataset.json` (the reference answers again, used when a question line lacks one). Each suite's
index lives under `<home>/suites/<name>` and never touches the product's. Every question is answerable, so the
suite measures gold-page retrieval (hit@1/@5, MRR over the pages of the retrieved chunks, first occurrence kept),
whether the citations include a gold page, citation precision (the share of citations on a gold page), token-F1 /
ROUGE-L against the reference answer, the false-abstention rate and latency.

A chunk counts for the page it starts on (`Hit.page`, `Citation.page`): a chunk that runs onto the next page does
not count for that page.
"""

from __future__ import annotations

import json
from pathlib import Path

from evals.clapnq_suite import plain
from evals.metrics import (
    abstention,
    citation_precision,
    mean,
    percentile,
    rank_means,
    rank_scores,
    rouge_l,
    token_f1,
)
from evals.suite import Corpus, Output, Suite, loading

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
DATASETS = {"alexnet": BENCHMARKS / "llama_history_of_alexnet", "solana": BENCHMARKS / "llama_blockchain_solana"}
QUESTIONS = "questions_with_gold_pages.jsonl"


def load_questions(data: Path) -> list[dict]:
    """The questions in file order: `id`, `question`, `gold_pages` (a set of ints) and `reference_answer`
    (from the question line, else from the same example of rag_dataset.json)."""
    lines = [json.loads(line) for line in (data / QUESTIONS).read_text(encoding="utf-8").splitlines() if line.strip()]
    refs: list[str] = []
    if any(not q.get("reference_answer") for q in lines) and (data / "rag_dataset.json").exists():
        examples = json.loads((data / "rag_dataset.json").read_text(encoding="utf-8")).get("examples", [])
        refs = [e.get("reference_answer") or "" for e in examples]
    out = []
    for i, q in enumerate(lines):
        ref = q.get("reference_answer") or (refs[i] if i < len(refs) else "")
        out.append({"id": q.get("id", i), "question": q["query"], "reference_answer": ref,
                    "gold_pages": {int(p) for p in q.get("gold_page_labels") or []}})
    return out


def questions(name: str, limit: int | None) -> list[dict]:
    """The first `limit` questions of the suite `name`; ConfigError when its data is missing."""
    data = DATASETS[name]
    with loading(f"the {name} suite needs {data} (../shared/benchmarks/{data.name})"):
        return load_questions(data)[:limit]


def score_row(qid, question: str, gold: set[int], reference: str, ans: dict, ranked: list[int], ms: float) -> dict:
    """One question's row from its /v1/ask answer: retrieval against the gold pages, citation of a gold page,
    answer overlap (token-F1, ROUGE-L against the reference), abstention. `correct`: answered and cites gold."""
    abstained = bool(ans.get("abstained"))
    pages = [c.get("page") for c in ans.get("citations") or []] if not abstained else []
    cited = {p for p in pages if p is not None}
    cites_gold = bool(cited & gold)
    text = plain(ans.get("answer") or "")
    refs = [reference] if reference else []
    return {"id": qid, "question": question, "answerable": True, "abstained": abstained, "ms": ms,
            "answer": ans, "gold_pages": sorted(gold), "ranked": ranked[:10], "cited_pages": sorted(cited),
            **rank_scores(ranked, gold),
            "cites_gold": cites_gold, "citations": len(pages), "citations_precise": sum(p in gold for p in pages),
            "f1": token_f1(text, refs) if not abstained and refs else 0.0,
            "rouge_l": rouge_l(text, refs) if not abstained and refs else 0.0,
            "correct": not abstained and cites_gold}


def score_question(q: dict, out: Output) -> dict:
    """The evaluator: `score_row` of one question and the system's page ranking."""
    return score_row(q["id"], q["question"], q["gold_pages"], q["reference_answer"], out.answer,
                     list(out.ranked or []), out.ms)


def summarize(rows: list[dict]) -> dict:
    """Gold-page hit@1/@5 and MRR, citation of a gold page and citation precision (answered questions), token-F1 /
    ROUGE-L (answered, all), false abstention, precision and accuracy (no unanswerable questions), p50/p95 ms."""
    answered = [r for r in rows if not r["abstained"]]
    return {"questions": len(rows),
            **rank_means(rows),
            "citation_gold_page": mean([float(r["cites_gold"]) for r in answered]),
            "citation_precision": citation_precision(answered),
            "token_f1_answered": mean([r["f1"] for r in answered]),
            "rouge_l_answered": mean([r["rouge_l"] for r in answered]),
            "token_f1_all": mean([r["f1"] for r in rows]), "rouge_l_all": mean([r["rouge_l"] for r in rows]),
            **{k: v for k, v in abstention(rows).items() if k != "correct_abstention"},  # no unanswerable questions
            "latency_p50_ms": percentile([r["ms"] for r in rows], 50),
            "latency_p95_ms": percentile([r["ms"] for r in rows], 95)}


def pdf_suite(name: str, description: str, order: int = 100) -> Suite:
    """A llama-datasets suite over `DATASETS[name]` (read when it runs): its questions, its PDFs as its own corpus."""
    return Suite(name, description, lambda limit: questions(name, limit), (score_question,), summarize,
                 corpus=Corpus(lambda: [DATASETS[name] / "source_files"]), ranking="pages", order=order)


SUITES = [
    pdf_suite("alexnet", "llama-datasets History of AlexNet: 160 questions over one PDF (gold pages), in its own index", 30),
    pdf_suite("solana", "llama-datasets Blockchain Solana: 58 questions over one PDF (gold pages), in its own index", 40),
]
