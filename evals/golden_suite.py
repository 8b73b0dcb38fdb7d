"""The golden suite: the hand-written cases over the corpus (evals/golden/cases.jsonl), scored case by case with
key facts, sources, citations and abstention (`score_case`, `summarize`, which compliance_docs reuses), plus
document retrieval when the system ranks (`retrieval`) and time to first token when its answers report one."""

from __future__ import annotations

import re
from pathlib import Path

from evals.cases import Case, load_cases
from evals.metrics import (
    abstention,
    citation_precision,
    citation_validity,
    cited_docs,
    doc_groups,
    mean,
    percentile,
    rank_means,
    rank_scores,
)
from evals.suite import Output, Suite, interleave_kinds, loading

GOLDEN = Path(__file__).parent / "golden" / "cases.jsonl"
MULTI_SOURCE = frozenset({"multi_doc", "conflict"})  # kinds whose answer must cite two expected documents


def score_case(case: Case, answer: dict, doc_text) -> dict:
    """Every metric of one case from its answer (the /v1/ask response shape)."""
    text = answer["answer"]
    abstained = bool(answer["abstained"])
    valid, total, problems = citation_validity(answer, doc_text) if not abstained else (0, 0, [])
    cited = cited_docs(answer) if not abstained else set()
    expected = set(case.expected_docs)
    need = 2 if case.kind in MULTI_SOURCE else 1
    missing = case.missing_facts(text) if not abstained else list(case.key_facts)
    violations = case.violations(text)
    sources_ok = len(cited & expected) >= min(need, len(expected)) if expected else True
    bottom = (["abstained"] if abstained else case.bottom_line_problems(text)) if case.checks_bottom_line else []
    warnings_missing = case.missing_warnings(list(answer.get("warnings") or []))
    pages_ok = _pages_ok(case, answer) if case.expected_pages and not abstained else not case.expected_pages
    correct = (case.answerable and not abstained and not missing and not violations and sources_ok
               and not warnings_missing and pages_ok)
    return {"id": case.id, "kind": case.kind, "question": case.question, "answerable": case.answerable,
            "abstained": abstained, "correct": correct,
            "key_facts_found": len(case.key_facts) - len(missing), "key_facts": len(case.key_facts),
            "missing_facts": missing, "violations": violations,
            "citations_valid": valid, "citations": total, "citation_problems": problems,
            "citations_precise": _precise(case, answer) if not abstained else 0,
            "source_recall": len(cited & expected) / len(expected) if expected else None, "sources_ok": sources_ok,
            "bottom_line_ok": not bottom if case.checks_bottom_line else None, "bottom_line_problems": bottom,
            "warnings_expected": bool(case.warnings), "warnings_missing": warnings_missing,
            "pages_ok": pages_ok if case.expected_pages else None, "tags": list(case.tags),
            "answer": answer}


def _pages_ok(case: Case, answer: dict) -> bool:
    """A citation of an expected document that quotes a key fact is on an expected page, and no such citation is
    on another page (each citation must carry the page of its own quote)."""
    expected = set(case.expected_docs)
    pages = [c.get("page") for c in answer["citations"]
             if c["doc_id"] in expected and any(re.search(p, c["quote"], re.I) for p in case.key_facts)]
    return bool(pages) and all(p in case.expected_pages for p in pages)


def _precise(case: Case, answer: dict) -> int:
    """Citations whose quote holds a key fact of the case, or comes from an expected document (a rule or context
    sentence from the right source counts; a passage from elsewhere without a key fact does not)."""
    expected = set(case.expected_docs)
    return sum(1 for c in answer["citations"]
               if any(re.search(p, c["quote"], re.I) for p in case.key_facts)
               or {c["doc_id"], *c.get("also_in", ())} & expected)


def summarize(rows: list[dict]) -> dict:
    """The key-fact metrics over `score_case` rows: fact recall, citation validity and precision, sources, forbidden
    text, abstention (`evals.metrics.abstention`), the optional rates and the p50/p95 latency (ms)."""
    ans = [r for r in rows if r["answerable"]]
    answered = [r for r in ans if not r["abstained"]]
    cites = sum(r["citations"] for r in rows)
    lat = [r["answer"]["timings_ms"].get("total", 0.0) for r in rows]
    return {
        "cases": len(rows),
        "key_facts_all_found": sum(r["key_facts_found"] == r["key_facts"] for r in answered) / len(ans) if ans else None,
        "key_fact_recall": sum(r["key_facts_found"] for r in ans) / max(1, sum(r["key_facts"] for r in ans)),
        "citation_validity": sum(r["citations_valid"] for r in rows) / cites if cites else None,
        "citation_precision": citation_precision(answered),
        "source_ok": sum(r["sources_ok"] for r in answered) / len(ans) if ans else None,
        "forbidden_hits": sum(bool(r["violations"]) for r in rows),
        **abstention(rows),
        **_optional_rates(rows),
        "latency_p50_ms": percentile(lat, 50), "latency_p95_ms": percentile(lat, 95),
    }


def _optional_rates(rows: list[dict]) -> dict:
    """Rates over the cases that ask for them, present only when some case does: `bottom_line` (answerable cases
    with first_sentence / must_not_first whose answer opens with a passing bottom line; an abstention fails),
    `warning_recall` (cases with expected warnings that got them all), `page_accuracy` (cases with
    expected_pages whose key-fact citations are all on the right page)."""
    out = {}
    for name, asked, ok in (
            ("bottom_line", [r for r in rows if r.get("bottom_line_ok") is not None], lambda r: r["bottom_line_ok"]),
            ("warning_recall", [r for r in rows if r.get("warnings_expected")], lambda r: not r["warnings_missing"]),
            ("page_accuracy", [r for r in rows if r.get("pages_ok") is not None], lambda r: r["pages_ok"])):
        if asked:
            out[name] = sum(bool(ok(r)) for r in asked) / len(asked)
    return out


def golden_cases(limit: int | None = None) -> list[Case]:
    """The golden cases; with a limit, the kinds in turn (`interleave_kinds`). ConfigError when unreadable."""
    with loading("cannot load the golden cases"):
        return interleave_kinds(load_cases(GOLDEN), limit)


def answer_facts(case: Case, out: Output) -> dict:
    """The evaluator of the key-fact suites: `score_case` on the answer, its `timings_ms.total` set to the measured
    wall time when the system did not report one."""
    out.answer.setdefault("timings_ms", {}).setdefault("total", out.ms)
    return score_case(case, out.answer, out.doc_text)


def retrieval_scores(ranked: list, expected: set[str]) -> dict:
    """hit@1, hit@5, reciprocal rank (`evals.metrics.rank_scores`) and recall@5 of the expected documents in one
    ranking of documents (a document's syndicated copies count as the document)."""
    groups = doc_groups(ranked)
    top5 = set().union(*groups[:5]) if groups else set()
    return {**rank_scores(groups, expected), "doc_recall5": len(top5 & expected) / len(expected)}


def retrieval(case: Case, out: Output) -> dict:
    """The documents the system ranks first (`ranked`, ten at most) and, on answerable cases with expected
    documents, `retrieval_scores`; {} when the system does not rank."""
    if out.ranked is None:
        return {}
    row = {"ranked": [sorted(g) if len(g) > 1 else next(iter(g)) for g in doc_groups(out.ranked)][:10]}
    if case.answerable and case.expected_docs:
        row |= retrieval_scores(out.ranked, set(case.expected_docs))
    return row


def summarize_golden(rows: list[dict]) -> dict:
    """`summarize`, plus hit@1, hit@5, MRR and doc_recall@5 over the scored cases when the system ranked, and the
    p50/p95 time to first token when the answers report one (`timings_ms.first_token`)."""
    summary = summarize(rows)
    if any("ranked" in r for r in rows):
        scored = [r for r in rows if "hit1" in r]
        summary |= {**rank_means(scored), "doc_recall@5": mean([r["doc_recall5"] for r in scored])}
    ttft = [r["answer"]["timings_ms"]["first_token"] for r in rows if "first_token" in r["answer"].get("timings_ms", {})]
    if ttft:
        summary |= {"ttft_p50_ms": percentile(ttft, 50), "ttft_p95_ms": percentile(ttft, 95)}
    return summary


SUITES = [Suite("golden", "hand-written cases over corpus/ (evals/golden/cases.jsonl)", golden_cases,
                (answer_facts, retrieval), summarize_golden, ranking="docs", order=0,
                sample="its kinds in turn")]
