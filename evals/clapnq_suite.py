"""The ClapNQ suite: 300 Wikipedia questions, half unanswerable, over its own index of 597 passages.

Read in place from ../shared/benchmarks/clapnq; the index lives under `<home>/suites/clapnq` and never touches the
product's. Measures passage retrieval (hit@1/@5, MRR on answerable questions), abstention both ways, and the
token-F1 / ROUGE-L of answered answerable questions against the human reference answers, and citation precision
(the share of their citations that cite a gold passage).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from evals.metrics import abstention, citation_precision, hit_at, percentile, reciprocal_rank, rouge_l, token_f1

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "clapnq"


def suite_settings(settings, name: str = "clapnq"):
    """The same settings with their own home under `<home>/suites/<name>`."""
    return settings.model_copy(update={"home": settings.home / "suites" / name})


def build(settings, data: Path = DATA) -> None:
    """Ingest the suite's corpus into its own index (incremental: a second run embeds nothing)."""
    from ingest.pipeline import run

    report = run([data / "corpus.jsonl"], settings)
    if report.exit_code not in (0,):
        raise RuntimeError(f"ingesting {data / 'corpus.jsonl'} failed: {report}")


def plain(answer_text: str) -> str:
    """The answer without markers, bullets, quote marks and source tags (for token overlap with references)."""
    import re

    text = re.sub(r"\s?\[\d+\]", "", answer_text)
    text = re.sub(r"\((?:[^()]*,\s*)?(?:\d{4}-\d\d-\d\d|date not given)\)", "", text)
    return re.sub(r"^\s*-\s+|[“”]", "", text, flags=re.M)


def interleaved(questions: list[dict]) -> list[dict]:
    """Answerable and unanswerable questions alternating, so that any `--limit` tests both."""
    yes = [q for q in questions if q["answerable"]]
    no = [q for q in questions if not q["answerable"]]
    out = [q for pair in zip(yes, no, strict=False) for q in pair]
    return out + yes[len(no):] + no[len(yes):]


def load_questions(data: Path = DATA) -> list[dict]:
    return interleaved([json.loads(line) for line in (data / "questions.jsonl").read_text().splitlines()
                        if line.strip()])


def score(questions: list[dict], ask, rank, progress=None) -> tuple[list[dict], dict]:
    """Rows and summary for any system: `ask(question) -> dict` (the /v1/ask shape), `rank(question, gold) -> doc ids`
    best first (the product's retrieval, or a baseline's)."""
    rows = []
    for q in questions:
        t = time.perf_counter()
        ans = ask(q["question"])
        ms = (time.perf_counter() - t) * 1e3
        gold = set(q.get("gold_passage_ids") or [])
        ranked = rank(q["question"], gold)
        row = {"id": q["id"], "question": q["question"], "answerable": q["answerable"], "abstained": ans["abstained"],
               "ms": ms, "answer": ans, "ranked": ranked[:10]}
        if q["answerable"]:
            row |= {"hit1": hit_at(ranked, gold, 1), "hit5": hit_at(ranked, gold, 5), "rr": reciprocal_rank(ranked, gold)}
            row["cites_gold"] = bool({c["doc_id"] for c in ans["citations"]} & gold)
            row["citations"] = len(ans["citations"]) if not ans["abstained"] else 0
            row["citations_precise"] = sum(c["doc_id"] in gold for c in ans["citations"]) if not ans["abstained"] else 0
            refs = q.get("reference_answers") or []
            row["f1"] = token_f1(plain(ans["answer"]), refs) if not ans["abstained"] else 0.0
            row["rouge_l"] = rouge_l(plain(ans["answer"]), refs) if not ans["abstained"] else 0.0
            row["correct"] = not ans["abstained"] and row["cites_gold"]
        else:
            row["correct"] = False
        rows.append(row)
        if progress:
            progress(1)
    ans_rows = [r for r in rows if r["answerable"]]
    answered = [r for r in ans_rows if not r["abstained"]]
    mean = lambda xs: sum(xs) / len(xs) if xs else None  # noqa: E731
    summary = {"questions": len(rows),
               "hit@1": mean([r["hit1"] for r in ans_rows]), "hit@5": mean([r["hit5"] for r in ans_rows]),
               "mrr": mean([r["rr"] for r in ans_rows]),
               "citation_precision": citation_precision(answered),
               "token_f1_answered": mean([r["f1"] for r in answered]), "rouge_l_answered": mean([r["rouge_l"] for r in answered]),
               "token_f1_all": mean([r["f1"] for r in ans_rows]),
               **abstention(rows),
               "latency_p50_ms": percentile([r["ms"] for r in rows], 50),
               "latency_p95_ms": percentile([r["ms"] for r in rows], 95)}
    return rows, summary


def run(settings, engine: str = "extractive", limit: int | None = None, progress=None,
        data: Path = DATA) -> tuple[list[dict], dict]:
    """The product in process over the suite's own index."""
    from assistant.answer import get_assistant

    s = suite_settings(settings)
    build(s, data)
    assistant = get_assistant(s)

    def rank(question: str, gold: set[str]) -> list[str]:
        return list(dict.fromkeys(h.doc_id for h in assistant.context(question, [], None).hits))
    return score(load_questions(data)[:limit], lambda q: assistant.ask(q, engine=engine).as_dict(), rank, progress)
