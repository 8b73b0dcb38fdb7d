"""The ClapNQ suite: 300 Wikipedia questions, half unanswerable, over its own index of 597 passages.

Read in place from ../shared/benchmarks/clapnq; the index lives under `<home>/suites/clapnq` and never touches the
product's. Measures passage retrieval (hit@1/@5, MRR on answerable questions), abstention both ways, and the
token-F1 / ROUGE-L of answered answerable questions against the human reference answers, and citation precision
(the share of their citations that cite a gold passage).
"""

from __future__ import annotations

import json
from pathlib import Path

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

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "clapnq"


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
    """Every question of `data/questions.jsonl`, `interleaved`."""
    return interleaved([json.loads(line) for line in (data / "questions.jsonl").read_text().splitlines()
                        if line.strip()])


def questions(limit: int | None = None) -> list[dict]:
    """The first `limit` questions (answerable and not alternating); ConfigError when the data is missing."""
    with loading(f"the clapnq suite needs {DATA / 'questions.jsonl'} (../shared/benchmarks/clapnq)"):
        return load_questions()[:limit]


def passage_ranking(ranked: list) -> list[str]:
    """Passage ids best first, each once: a ranked item is an id or `(id, *syndicated copies)`, read as its id."""
    return list(dict.fromkeys(item if isinstance(item, str) else item[0] for item in ranked))


def score_question(q: dict, out: Output) -> dict:
    """One question's row: retrieval against the gold passages, citation of a gold passage, answer overlap with
    the references (token-F1, ROUGE-L, 0.0 when abstained), abstention. `correct`: answered and cites gold."""
    ans = out.answer
    gold = set(q.get("gold_passage_ids") or [])
    ranked = passage_ranking(out.ranked or [])
    row = {"id": q["id"], "question": q["question"], "answerable": q["answerable"], "abstained": ans["abstained"],
           "ms": out.ms, "answer": ans, "ranked": ranked[:10]}
    if not q["answerable"]:
        return row | {"correct": False}
    row |= rank_scores(ranked, gold)
    row["cites_gold"] = bool({c["doc_id"] for c in ans["citations"]} & gold)
    row["citations"] = len(ans["citations"]) if not ans["abstained"] else 0
    row["citations_precise"] = sum(c["doc_id"] in gold for c in ans["citations"]) if not ans["abstained"] else 0
    refs = q.get("reference_answers") or []
    row["f1"] = token_f1(plain(ans["answer"]), refs) if not ans["abstained"] else 0.0
    row["rouge_l"] = rouge_l(plain(ans["answer"]), refs) if not ans["abstained"] else 0.0
    row["correct"] = not ans["abstained"] and row["cites_gold"]
    return row


def summarize(rows: list[dict]) -> dict:
    """Passage hit@1/@5 and MRR over answerable questions, citation precision, token-F1 / ROUGE-L (answered, all),
    abstention both ways (`evals.metrics.abstention`), p50/p95 latency (ms)."""
    ans_rows = [r for r in rows if r["answerable"]]
    answered = [r for r in ans_rows if not r["abstained"]]
    return {"questions": len(rows),
            **rank_means(ans_rows),
            "citation_precision": citation_precision(answered),
            "token_f1_answered": mean([r["f1"] for r in answered]), "rouge_l_answered": mean([r["rouge_l"] for r in answered]),
            "token_f1_all": mean([r["f1"] for r in ans_rows]),
            **abstention(rows),
            "latency_p50_ms": percentile([r["ms"] for r in rows], 50),
            "latency_p95_ms": percentile([r["ms"] for r in rows], 95)}


SUITES = [Suite("clapnq", "ClapNQ: 300 Wikipedia questions, half unanswerable, in its own index", questions,
                (score_question,), summarize, corpus=Corpus(lambda: [DATA / "corpus.jsonl"]), ranking="docs", order=10,
                sample="its first N, answerable and unanswerable alternating")]
