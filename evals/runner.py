"""Systems under evaluation and the suites they run: the product in process, a running server, a baseline.

A `System` is anything that answers like `/v1/ask`: `ask(question, history) -> dict` (the response shape of
../shared/design/API.md), `doc_text(doc_id) -> str | None` (the cleaned text the citations point into) and,
optionally, `rank(question, history)`: the documents its retrieval ranks first, best first, each item a doc id or a
tuple `(doc_id, *syndicated_copies)`. Suites that need more than that (ClapNQ builds its own index) are run by a
function the system supplies in `suites`; a system that cannot run a suite names the reason in `unsupported`.

A baseline plugs in through `evals.baseline.make_system(settings, engine) -> System` (see `baseline_systems`).

The pieces: evals/system.py (System, Suite), evals/suite_runs.py (how each suite runs and its size),
evals/system_builders.py (the product, a server, the baseline as Systems). This module holds the suite registry
(`SUITES`, `suites`) and runs one suite on one system (`run_suite`); the public names of the others are re-exported.
"""

from __future__ import annotations

import hashlib
import json
import time

from evals.suite_runs import (
    LLAMA_DESCRIPTIONS,
    OWN_INDEX,
    clapnq_size,
    compliance_size,
    golden_cases,
    llama_size,
    retrieval_scores,
    run_clapnq,
    run_golden,
    run_llama,
)
from evals.system import Progress, Suite, SuiteRun, System
from evals.system_builders import baseline_systems, product_systems, url_systems
from ingest.errors import ConfigError

__all__ = ["LLAMA_DESCRIPTIONS", "OWN_INDEX", "SUITES", "Progress", "Suite", "SuiteRun", "System", "baseline_systems",
           "cases_digest", "clapnq_size", "compliance_size", "golden_cases", "llama_size", "product_systems",
           "retrieval_scores", "run_clapnq", "run_golden", "run_llama", "run_suite", "suites", "url_systems"]


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
