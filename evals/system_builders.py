"""The systems under evaluation: the product in process (`product_systems`), a running server (`url_systems`) and
the LlamaIndex baseline (`baseline_systems`), one System per engine. Each opens a `Target` over any suite's corpus
from the suite's declaration alone (`Suite.corpus`, `Suite.ranking`): nothing here names a suite."""

from __future__ import annotations

import time

from evals.suite import Suite, Target, own_settings
from evals.system import System
from kernel.errors import ConfigError


def _warm(settings, engine: str) -> None:
    """Load the embedder, BM25, the evidence cache and what the engine's first answer would load (an LLM's model
    file) before the timed questions."""
    from assistant.answer import get_assistant
    from assistant.engines import registry

    assistant = get_assistant(settings)
    assistant.ask("What does it say about this?", engine=registry.fallback())
    registry.spec(engine).warm(assistant.engine(engine))


def _product_target(settings, engine: str, ranking: str | None, notes: dict) -> Target:
    """The assistant in this process over the index under `settings.home`: answers through `answer()` (time to
    first token in `timings_ms.first_token` when the engine streams), documents from the index, the retrieval's
    ranking as `(doc_id, *also_in)` per hit (`docs`) or the 1-based pages of the hits, each once (`pages`)."""
    from assistant.answer import answer, get_assistant, turns
    from kernel.errors import NotFoundError

    texts: dict[str, str | None] = {}

    def doc_text(doc_id: str) -> str | None:
        if doc_id not in texts:
            try:
                texts[doc_id] = get_assistant(settings).index.document(doc_id)["text"]
            except NotFoundError:
                texts[doc_id] = None
        return texts[doc_id]

    def ask(question: str, history: list[dict]) -> dict:
        t0, first = time.perf_counter(), []
        ans = answer(question, history, engine, settings=settings,
                     on_token=lambda _t: first or first.append(time.perf_counter())).as_dict()
        if first:
            ans["timings_ms"]["first_token"] = round((first[0] - t0) * 1e3, 2)
        return ans

    def rank(question: str, history: list[dict]) -> list:
        hits = get_assistant(settings).context(question, turns(history), None).hits
        if ranking == "pages":
            return list(dict.fromkeys(h.page for h in hits if h.page is not None))
        return [(h.doc_id, *h.also_in) for h in hits]

    return Target(ask, doc_text, rank if ranking else None, lambda: _warm(settings, engine), notes)


def product_systems(settings, engines: list[str]) -> list[System]:
    """The assistant in this process, one system per engine: the product's index under `settings.home`, and a
    suite's own corpus ingested (incrementally) under `<home>/suites/<suite>`."""
    from assistant.engines import registry

    for e in engines:
        registry.spec(e)  # ConfigError listing the known engines

    def make(engine: str) -> System:
        def open_target(suite: Suite) -> Target:
            if suite.corpus is None:
                return _product_target(settings, engine, suite.ranking, {})
            s = own_settings(settings, suite.name)
            notes = suite.corpus.notes(suite.corpus.build(s))
            return _product_target(s, engine, suite.ranking, notes)

        return System(engine, "product", open_target,
                      stamp={"mode": "in-process", "engine": engine, "settings_hash": settings.settings_hash})

    return [make(e) for e in engines]


def url_systems(client, engines: list[str]) -> list[System]:
    """A running server through its HTTP API (`evals.client.Client`), one system per engine; it answers over the
    server's index only, so suites with their own corpus are skipped with the reason."""
    def why(name: str) -> str:
        return (f"{name} is not supported with --url: it needs its own index, which the server at {client.base} does "
                "not hold; run it in process (without --url)")

    def make(engine: str) -> System:
        def open_target(suite: Suite) -> Target:
            return Target(lambda q, h: client.ask(q, h, engine), client.doc_text)

        return System(engine, "url", open_target, own_index=False, unsupported_reason=why,
                      stamp={"mode": "url", "url": client.base, "engine": engine})

    return [make(e) for e in engines]


def baseline_systems(settings, engines: list[str]) -> list[System]:
    """The LlamaIndex baseline (`evals.baseline.Baseline`), one system per engine (`baseline` retrieves only;
    `baseline-llm` answers with the product's LLM through CitationQueryEngine); ConfigError when it cannot be
    imported. Its index of a suite's corpus (the raw files) lives under `<home>/suites/baseline-<suite>`."""
    try:
        from evals import baseline
    except ImportError as exc:
        missing = getattr(exc, "name", None)
        detail = "" if missing in ("evals.baseline", None) else f" ({exc})"
        raise ConfigError(f"--baseline is not available yet: the LlamaIndex baseline (evals/baseline.py) "
                          f"cannot be imported{detail}") from None
    out: dict[str, System] = {}
    for engine in engines:
        system = _baseline_system(baseline, settings, engine)
        out.setdefault(system.name, system)
    return list(out.values())


def _baseline_system(baseline, settings, engine: str) -> System:
    """The recipe as a System; each suite's index is built or reopened when the suite opens it."""
    def open_target(suite: Suite) -> Target:
        from assistant.engines import registry

        llm = None
        if registry.spec(engine).uses_llm:
            from assistant.llm import make_llm

            llm = make_llm(settings.llm, settings.home)
        sources = suite.corpus.sources() if suite.corpus is not None else [settings.corpus]
        recipe = baseline.Baseline(sources, settings.home / "suites" / f"baseline-{suite.name}",
                                   embed_model=baseline.bundled_embedding(settings.embed), llm=llm,
                                   query_threads=settings.embed.query_threads)
        rank = recipe.ranked_pages if suite.ranking == "pages" else recipe.ranked
        return Target(lambda q, h: recipe.ask(q, h), recipe.baseline_doc_text,
                      (lambda q, h: rank(q)) if suite.ranking else None, lambda: rank("warm up"))

    from assistant.engines import registry

    with_llm = registry.spec(engine).uses_llm
    return System(f"baseline-{engine}" if with_llm else "baseline", "baseline", open_target,
                  stamp={"mode": "in-process", "engine": engine,
                         "recipe": f"llama-index v{baseline.RECIPE_VERSION}, top-k {baseline.TOP_K}",
                         "baseline": f"CitationQueryEngine ({engine})" if with_llm else "retrieval only"})
