"""How each suite runs on a System and how many questions it asks: golden (with retrieval metrics), ClapNQ and the
llama-datasets suites through a system's own `ask` / `rank` (a baseline's index), and compliance_docs' size."""

from __future__ import annotations

import time

from evals.metrics import percentile
from evals.system import Progress, System
from ingest.errors import ConfigError

# --- golden -------------------------------------------------------------------------------------------------------

def golden_cases(limit: int | None = None):
    """The golden cases; with a limit, a sample that takes the kinds in turn (the file is grouped by kind, so its
    first N would all be facts), kept in file order. The same limit always gives the same cases."""
    from evals.cases import load_cases
    from evals.golden_suite import GOLDEN

    try:
        cases = load_cases(GOLDEN)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load the golden cases: {exc}") from None
    if limit is None or limit >= len(cases):
        return cases
    by_kind: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        by_kind.setdefault(case.kind, []).append(i)
    picked: list[int] = []
    for turn in range(len(cases)):
        picked += [ix[turn] for ix in by_kind.values() if turn < len(ix)]
        if len(picked) >= limit:
            break
    return [cases[i] for i in sorted(picked[:limit])]


def _groups(ranked: list) -> list[frozenset[str]]:
    """Ranked items as sets of doc ids (a document with its syndicated copies), first occurrence of each doc kept."""
    out, seen = [], set()
    for item in ranked:
        ids = (item,) if isinstance(item, str) else tuple(item)
        if ids and ids[0] not in seen:
            seen.add(ids[0])
            out.append(frozenset(ids))
    return out


def retrieval_scores(ranked: list, expected: set[str]) -> dict:
    """hit@1, hit@5, reciprocal rank and recall@5 of the expected documents in one ranking."""
    groups = _groups(ranked)
    first = next((i for i, g in enumerate(groups) if g & expected), None)
    top5 = set().union(*groups[:5]) if groups else set()
    return {"hit1": float(first == 0), "hit5": float(first is not None and first < 5),
            "rr": 1.0 / (first + 1) if first is not None else 0.0,
            "doc_recall5": len(top5 & expected) / len(expected)}


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def run_golden(system: System, limit: int | None, progress: Progress) -> tuple[list[dict], dict]:
    """The golden suite through `system.ask`, plus retrieval metrics when the system ranks documents and time to
    first token when its answers report one (`timings_ms.first_token`)."""
    from evals import golden_suite

    cases = golden_cases(limit)
    rows, summary = golden_suite.run(system.ask, system.doc_text, cases, progress)
    by_id = {c.id: c for c in cases}
    if system.rank is not None:
        scored = []
        for row in rows:
            case = by_id[row["id"]]
            history = [{"role": t.role, "content": t.content} for t in case.history]
            ranked = system.rank(case.question, history)
            row["ranked"] = [sorted(g) if len(g) > 1 else next(iter(g)) for g in _groups(ranked)][:10]
            if case.answerable and case.expected_docs:
                row |= retrieval_scores(ranked, set(case.expected_docs))
                scored.append(row)
        summary |= {"hit@1": _mean([r["hit1"] for r in scored]), "hit@5": _mean([r["hit5"] for r in scored]),
                    "mrr": _mean([r["rr"] for r in scored]), "doc_recall@5": _mean([r["doc_recall5"] for r in scored])}
    ttft = [r["answer"]["timings_ms"]["first_token"] for r in rows if "first_token" in r["answer"].get("timings_ms", {})]
    if ttft:
        summary |= {"ttft_p50_ms": percentile(ttft, 50), "ttft_p95_ms": percentile(ttft, 95)}
    return rows, summary


# --- clapnq -------------------------------------------------------------------------------------------------------

def clapnq_size(limit: int | None) -> int:
    """How many ClapNQ questions a run asks (at most `limit`); ConfigError when the data is missing."""
    from evals.clapnq_suite import DATA

    path = DATA / "questions.jsonl"
    try:
        n = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    except OSError as exc:
        raise ConfigError(f"the clapnq suite needs {path} (../shared/benchmarks/clapnq): {exc.strerror}") from None
    return min(n, limit) if limit is not None else n


def run_clapnq(system: System, limit: int | None, progress: Progress) -> tuple[list[dict], dict]:
    """ClapNQ through any system whose `ask` and `rank` answer over the ClapNQ passages (a baseline's own index),
    scored by `evals.clapnq_suite.score` like the product."""
    from evals.clapnq_suite import load_questions, score

    def rank(question: str, gold: set[str]) -> list[str]:
        return [min(g & gold or g) for g in _groups(system.rank(question, []) if system.rank else [])]
    return score(load_questions()[:limit], lambda q: system.ask(q, []), rank, progress)


# --- llama-datasets (alexnet, solana) ------------------------------------------------------------------------------

LLAMA_DESCRIPTIONS = {
    "alexnet": "llama-datasets History of AlexNet: 160 questions over one PDF (gold pages), in its own index",
    "solana": "llama-datasets Blockchain Solana: 58 questions over one PDF (gold pages), in its own index",
}


def llama_size(name: str, limit: int | None) -> int:
    """How many questions the llama-datasets suite `name` asks (at most `limit`); ConfigError when missing."""
    from evals.llama_suite import DATASETS, size

    try:
        return size(name, limit)
    except OSError as exc:
        raise ConfigError(f"the {name} suite needs {DATASETS[name]} (../shared/benchmarks/{DATASETS[name].name}): "
                          f"{exc.strerror}") from None


def _answer_view(ans: dict):
    """A /v1/ask dict seen as the product's Answer, as `llama_suite.score_row` reads it (citations' `page`)."""
    from types import SimpleNamespace

    cites = [SimpleNamespace(page=c.get("page")) for c in ans.get("citations") or []]
    return SimpleNamespace(answer=ans.get("answer") or "", abstained=bool(ans.get("abstained")), citations=cites,
                           as_dict=lambda: ans)


def run_llama(system: System, name: str, limit: int | None, progress: Progress) -> tuple[list[dict], dict]:
    """A llama-datasets suite through any system whose `ask` answers over the suite's PDF (a baseline's own index)
    and whose `rank(question, history)` returns the 1-based pages of its retrieved chunks, best first, each once:
    the same rows and summary as `evals.llama_suite.run`, which is tied to the product's assistant."""
    from evals import llama_suite

    questions = llama_suite.load_questions(llama_suite.DATASETS[name])[:limit]
    if system.warmup is not None:
        system.warmup()  # the index and the embedding model load here, not in the first question's timing
    rows = []
    for q in questions:
        t = time.perf_counter()
        ans = system.ask(q["question"], [])
        ms = (time.perf_counter() - t) * 1e3
        ranked = list(system.rank(q["question"], [])) if system.rank else []
        rows.append(llama_suite.score_row(q["id"], q["question"], q["gold_pages"], q["reference_answer"],
                                          _answer_view(ans), ranked, ms))
        if progress:
            progress(1)
    return rows, llama_suite.summarize(rows)


# --- compliance_docs ----------------------------------------------------------------------------------------------

def compliance_size(limit: int | None) -> int:
    """How many compliance_docs cases a run asks (at most `limit`); ConfigError when they cannot be loaded."""
    from evals.compliance_suite import CASES, load

    try:
        return len(load(limit))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load the compliance_docs cases ({CASES}): {exc}") from None


OWN_INDEX = ("clapnq", "compliance_docs", *LLAMA_DESCRIPTIONS)  # suites that build their own index
