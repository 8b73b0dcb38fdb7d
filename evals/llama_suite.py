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
import time
from pathlib import Path

from evals.clapnq_suite import plain, suite_settings
from evals.metrics import abstention, citation_precision, hit_at, percentile, reciprocal_rank, rouge_l, token_f1

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


def size(name: str, limit: int | None) -> int:
    n = sum(1 for line in (DATASETS[name] / QUESTIONS).read_text(encoding="utf-8").splitlines() if line.strip())
    return min(n, limit) if limit is not None else n


def build(settings, data: Path):
    """Ingest the suite's PDFs into its own index (incremental: a second run embeds nothing); the ingest report."""
    from ingest.pipeline import run

    source = data / "source_files"
    report = run([source], settings)
    if report.exit_code != 0:
        raise RuntimeError(f"ingesting {source} failed: {report}")
    return report


def page_ranking(hits) -> list[int]:
    """The pages of the retrieved chunks in rank order, each page once (first occurrence); unpaged hits skipped."""
    return list(dict.fromkeys(h.page for h in hits if h.page is not None))


def score_row(qid, question: str, gold: set[int], reference: str, ans, ranked: list[int], ms: float) -> dict:
    """One question's row: retrieval against the gold pages, citation of a gold page, answer overlap, abstention."""
    pages = [c.page for c in ans.citations] if not ans.abstained else []
    cited = {p for p in pages if p is not None}
    cites_gold = bool(cited & gold)
    text = plain(ans.answer)
    refs = [reference] if reference else []
    return {"id": qid, "question": question, "answerable": True, "abstained": ans.abstained, "ms": ms,
            "answer": ans.as_dict(), "gold_pages": sorted(gold), "ranked": ranked[:10], "cited_pages": sorted(cited),
            "hit1": hit_at(ranked, gold, 1), "hit5": hit_at(ranked, gold, 5), "rr": reciprocal_rank(ranked, gold),
            "cites_gold": cites_gold, "citations": len(pages), "citations_precise": sum(p in gold for p in pages),
            "f1": token_f1(text, refs) if not ans.abstained and refs else 0.0,
            "rouge_l": rouge_l(text, refs) if not ans.abstained and refs else 0.0,
            "correct": not ans.abstained and cites_gold}


def summarize(rows: list[dict]) -> dict:
    answered = [r for r in rows if not r["abstained"]]
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    return {"questions": len(rows),
            "hit@1": mean([r["hit1"] for r in rows]), "hit@5": mean([r["hit5"] for r in rows]),
            "mrr": mean([r["rr"] for r in rows]),
            "citation_gold_page": mean([float(r["cites_gold"]) for r in answered]),
            "citation_precision": citation_precision(answered),
            "token_f1_answered": mean([r["f1"] for r in answered]),
            "rouge_l_answered": mean([r["rouge_l"] for r in answered]),
            "token_f1_all": mean([r["f1"] for r in rows]), "rouge_l_all": mean([r["rouge_l"] for r in rows]),
            **{k: v for k, v in abstention(rows).items() if k != "correct_abstention"},  # no unanswerable questions
            "latency_p50_ms": percentile([r["ms"] for r in rows], 50),
            "latency_p95_ms": percentile([r["ms"] for r in rows], 95)}


def run(name: str, settings, engine: str = "extractive", limit: int | None = None, progress=None,
        data: Path | None = None) -> tuple[list[dict], dict]:
    """Build the suite's index under `<home>/suites/<name>`, ask its first `limit` questions in process, score them."""
    from assistant.answer import get_assistant

    data = data or DATASETS[name]
    s = suite_settings(settings, name)
    build(s, data)
    assistant = get_assistant(s)
    rows = []
    for q in load_questions(data)[:limit]:
        t = time.perf_counter()
        ans = assistant.ask(q["question"], engine=engine)
        ms = (time.perf_counter() - t) * 1e3
        ranked = page_ranking(assistant.context(q["question"], [], None).hits)
        rows.append(score_row(q["id"], q["question"], q["gold_pages"], q["reference_answer"], ans, ranked, ms))
        if progress:
            progress(1)
    return rows, summarize(rows)
