"""The systems under evaluation: the product in process (`product_systems`), a running server (`url_systems`) and
the LlamaIndex baseline (`baseline_systems`), one System per engine."""

from __future__ import annotations

import time

from evals.suite_runs import LLAMA_DESCRIPTIONS, OWN_INDEX, run_clapnq, run_llama
from evals.system import System
from ingest.errors import ConfigError


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
