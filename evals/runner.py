"""Systems under evaluation and the suites they run: the product in process, a running server, a baseline.

A `System` is anything that answers like `/v1/ask`: `ask(question, history) -> dict` (the response shape of
../shared/design/API.md), `doc_text(doc_id) -> str | None` (the cleaned text the citations point into) and,
optionally, `rank(question, history)`: the documents its retrieval ranks first, best first, each item a doc id or a
tuple `(doc_id, *syndicated_copies)`. Suites that need more than that (ClapNQ builds its own index) are run by a
function the system supplies in `suites`; a system that cannot run a suite names the reason in `unsupported`.

A baseline plugs in through `evals.baseline.make_system(settings, engine) -> System` (see `baseline_systems`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from evals.metrics import percentile
from ingest.errors import ConfigError

Progress = Callable[[int], None] | None
SuiteRun = Callable[[int | None, Progress], tuple[list[dict], dict]]


@dataclass
class System:
    """One thing being evaluated, named as it appears in reports (`extractive`, `llm`, `baseline`, ...)."""

    name: str
    ask: Callable[[str, list[dict]], dict] | None = None
    doc_text: Callable[[str], str | None] | None = None
    rank: Callable[[str, list[dict]], list] | None = None
    suites: dict[str, SuiteRun] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)
    stamp: dict = field(default_factory=dict)
    warmup: Callable[[], None] | None = None  # loads models and indexes before the timed questions


@dataclass(frozen=True)
class Suite:
    """A named suite: how many questions it asks (for the progress bar) and how it runs on a system."""

    name: str
    description: str
    size: Callable[[int | None], int]
    run: Callable[[System, int | None, Progress], tuple[list[dict], dict]] | None = None

    def skip_reason(self, system: System) -> str | None:
        if self.name in system.unsupported:
            return system.unsupported[self.name]
        if self.name in system.suites or (self.run is not None and system.ask and system.doc_text):
            return None
        return f"{system.name} cannot run the {self.name} suite"

    def run_on(self, system: System, limit: int | None, progress: Progress) -> tuple[list[dict], dict]:
        if self.name in system.suites:
            return system.suites[self.name](limit, progress)
        return self.run(system, limit, progress)


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
    from evals.compliance_suite import CASES, load

    try:
        return len(load(limit))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load the compliance_docs cases ({CASES}): {exc}") from None


OWN_INDEX = ("clapnq", "compliance_docs", *LLAMA_DESCRIPTIONS)  # suites that build their own index


SUITES: dict[str, Suite] = {
    "golden": Suite("golden", "hand-written cases over corpus/ (evals/golden/cases.jsonl)",
                    lambda limit: len(golden_cases(limit)), run_golden),
    "clapnq": Suite("clapnq", "ClapNQ: 300 Wikipedia questions, half unanswerable, in its own index", clapnq_size),
    "compliance_docs": Suite("compliance_docs", "18 compliance documents of issue 14's kinds (PDF, .docx, Windows-1252, "
                             "French, identifiers, planted instructions) and 91 questions, in its own index",
                             compliance_size),
    **{name: Suite(name, description, lambda limit, name=name: llama_size(name, limit))
       for name, description in LLAMA_DESCRIPTIONS.items()},
}


def suites(names: list[str]) -> list[Suite]:
    """The named suites (all when none), in the order given; ConfigError lists the known ones."""
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise ConfigError(f"unknown suite{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                          f"known suites: {', '.join(SUITES)}")
    return [SUITES[n] for n in dict.fromkeys(names or SUITES)]


# --- systems ------------------------------------------------------------------------------------------------------

def product_systems(settings, engines: list[str]) -> list[System]:
    """The assistant in this process, one system per engine, on the index under `settings.home`."""
    from assistant.answer import ENGINE_NAMES

    unknown = [e for e in engines if e not in ENGINE_NAMES]
    if unknown:
        raise ConfigError(f"unknown engine {unknown[0]!r}; known engines: {', '.join(ENGINE_NAMES)}")
    texts: dict[str, str | None] = {}

    def doc_text(doc_id: str) -> str | None:
        from assistant.answer import get_assistant
        from ingest.errors import NotFoundError

        if doc_id not in texts:
            try:
                texts[doc_id] = get_assistant(settings).index.document(doc_id)["text"]
            except NotFoundError:
                texts[doc_id] = None
        return texts[doc_id]

    def rank(question: str, history: list[dict]) -> list:
        from assistant.answer import get_assistant, turns

        ctx = get_assistant(settings).context(question, turns(history), None)
        return [(h.doc_id, *h.also_in) for h in ctx.hits]

    def make(engine: str) -> System:
        def ask(question: str, history: list[dict]) -> dict:
            from assistant.answer import answer

            t0, first = time.perf_counter(), []
            ans = answer(question, history, engine, settings=settings,
                         on_token=lambda _t: first or first.append(time.perf_counter())).as_dict()
            if first:
                ans["timings_ms"]["first_token"] = round((first[0] - t0) * 1e3, 2)
            return ans

        def warm(s) -> None:
            from assistant.answer import get_assistant

            assistant = get_assistant(s)
            assistant.ask("What does it say about this?", engine="extractive")  # embedder, BM25, evidence cache
            if engine == "llm":
                _ = assistant.engine("llm").llm  # the model file loads here, not in the first question's timing

        def clapnq(limit, progress):
            from evals import clapnq_suite

            s = clapnq_suite.suite_settings(settings)
            clapnq_suite.build(s)  # its own index (incremental); run() finds it up to date
            warm(s)
            return clapnq_suite.run(settings, engine, limit, progress)

        def compliance(limit, progress):
            from evals import compliance_suite

            s = compliance_suite.suite_settings(settings)
            compliance_suite.build(s)  # its own index (incremental); run() finds it up to date
            warm(s)
            return compliance_suite.run(settings, engine, limit, progress)

        def llama(name: str):
            def run_it(limit, progress):
                from evals import llama_suite

                s = llama_suite.suite_settings(settings, name)
                llama_suite.build(s, llama_suite.DATASETS[name])  # its own index (incremental)
                warm(s)
                return llama_suite.run(name, settings, engine, limit, progress)
            return run_it

        def warmup() -> None:
            warm(settings)

        own_index = {"clapnq": clapnq, "compliance_docs": compliance, **{n: llama(n) for n in LLAMA_DESCRIPTIONS}}
        return System(engine, ask, doc_text, rank, suites=own_index, warmup=warmup,
                      stamp={"mode": "in-process", "engine": engine, "settings_hash": settings.settings_hash})

    return [make(e) for e in engines]


def url_systems(client, engines: list[str]) -> list[System]:
    """A running server through its HTTP API (`evals.client.Client`), one system per engine."""
    def why(name: str) -> str:
        return (f"{name} is not supported with --url: it needs its own index, which the server at {client.base} does "
                "not hold; run it in process (without --url)")

    def make(engine: str) -> System:
        return System(engine, lambda q, h: client.ask(q, h, engine), client.doc_text, None,
                      unsupported={n: why(n) for n in OWN_INDEX},
                      stamp={"mode": "url", "url": client.base, "engine": engine})

    return [make(e) for e in engines]


def baseline_systems(settings, engines: list[str]) -> list[System]:
    """The LlamaIndex baseline, one system per engine: `evals.baseline.make_system(settings, engine) -> System`
    when the module defines it, else built here from its `golden_baseline` / `clapnq_baseline` (each a `Baseline`
    with `ask`, `baseline_doc_text` and `ranked`). Without an LLM (engine `extractive`) the recipe retrieves only."""
    try:
        from evals import baseline
    except ImportError as exc:
        missing = getattr(exc, "name", None)
        detail = "" if missing in ("evals.baseline", None) else f" ({exc})"
        raise ConfigError(f"--baseline is not available yet: the LlamaIndex baseline (evals/baseline.py) "
                          f"cannot be imported{detail}") from None
    make = getattr(baseline, "make_system", None)
    if make is None and all(hasattr(baseline, f) for f in ("golden_baseline", "clapnq_baseline")):
        make = _recipe_system
    if make is None:
        raise ConfigError("--baseline is not available yet: evals/baseline.py has neither make_system(settings, "
                          "engine) nor golden_baseline/clapnq_baseline")
    out: dict[str, System] = {}
    for engine in engines:
        system = make(settings, engine)
        out.setdefault(system.name, system)
    return list(out.values())


def _recipe_system(settings, engine: str) -> System:
    """The baseline recipe as a System; its indexes (golden, clapnq, alexnet, solana) are opened on first use.
    On the llama-datasets suites its `rank` is the page ranking (`Baseline.ranked_pages`) that `run_llama` reads."""
    from evals import baseline

    built: dict[str, object] = {}

    def recipe(which: str):
        if which not in built:
            llm = None
            if engine == "llm":
                from assistant.llm import make_llm

                llm = make_llm(settings.llm, settings.home)
            if which == "golden":
                built[which] = baseline.golden_baseline(settings, llm=llm)
            elif which == "clapnq":
                built[which] = baseline.clapnq_baseline(settings, llm=llm)
            else:
                built[which] = baseline.llama_baseline(settings, which, llm=llm)
        return built[which]

    def system_over(which: str) -> System:
        paged = which in LLAMA_DESCRIPTIONS
        return System("baseline" if engine == "extractive" else f"baseline-{engine}",
                      lambda q, h: recipe(which).ask(q, h), lambda d: recipe(which).baseline_doc_text(d),
                      (lambda q, h: recipe(which).ranked_pages(q)) if paged else (lambda q, h: recipe(which).ranked(q)),
                      warmup=(lambda: recipe(which).ranked_pages("warm up")) if paged else None,
                      stamp={"mode": "in-process", "engine": engine,
                      "recipe": f"llama-index v{baseline.RECIPE_VERSION}, top-k {baseline.TOP_K}",
                      "baseline": "retrieval only" if engine == "extractive" else f"CitationQueryEngine ({engine})"})

    golden = system_over("golden")
    golden.unsupported["compliance_docs"] = ("the LlamaIndex baseline is not run on compliance_docs (not built for it; "
                                             "its .docx memo needs llama-index-readers-file)")
    golden.suites["clapnq"] = lambda limit, progress: run_clapnq(system_over("clapnq"), limit, progress)
    for name in LLAMA_DESCRIPTIONS:
        golden.suites[name] = lambda limit, progress, name=name: run_llama(system_over(name), name, limit, progress)
    return golden


# --- running ------------------------------------------------------------------------------------------------------

def _stamp_from_answers(rows: list[dict]) -> dict:
    """settings_hash and corpus_version as the answers report them (the first answer that has them)."""
    for row in rows:
        ans = row.get("answer") or {}
        got = {k: ans[k] for k in ("settings_hash", "corpus_version") if ans.get(k)}
        if got:
            return got
    return {}


def cases_digest(rows: list[dict]) -> str:
    """A short hash of the case ids a suite ran (two runs compare only over the same cases)."""
    return hashlib.sha256(json.dumps(sorted(str(r.get("id")) for r in rows)).encode()).hexdigest()[:12]


def run_suite(suite: Suite, system: System, limit: int | None, progress: Progress) -> dict:
    """One suite on one system: its summary, every case, how long it took and what shaped the answers."""
    if system.warmup is not None and suite.name not in system.suites:
        system.warmup()
    t0 = time.perf_counter()
    rows, summary = suite.run_on(system, limit, progress)
    return {"summary": summary, "cases": rows, "seconds": round(time.perf_counter() - t0, 2),
            "n_cases": len(rows), "cases_digest": cases_digest(rows),
            "stamp": {**system.stamp, **_stamp_from_answers(rows)}}
