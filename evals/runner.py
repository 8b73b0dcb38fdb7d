"""The one runner: any suite (`evals.suite.Suite`) on any system (`evals.system.System`).

Suites are found, not listed: every module `evals/<name>_suite.py` that defines `SUITES` (a list of Suite) joins
the registry (`SUITES`, ordered by `Suite.order`), so a new suite is one new file. `run_suite` opens the system's
Target over the suite's corpus, warms it up, asks every case, scores it with the suite's evaluators and
summarizes the rows; the systems are built by evals/system_builders.py (re-exported here).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
import time
from pathlib import Path

from evals.golden_suite import golden_cases
from evals.suite import Output, Suite, inputs
from evals.system import Progress, System
from evals.system_builders import baseline_systems, product_systems, url_systems
from kernel.errors import ConfigError

__all__ = ["SUITES", "Progress", "Suite", "System", "baseline_systems", "cases_digest", "discover", "golden_cases",
           "product_systems", "run_suite", "suites", "url_systems"]


def discover(folder: Path = Path(__file__).parent, package: str = "evals") -> dict[str, Suite]:
    """The suites declared in `folder`'s `*_suite.py` modules (their `SUITES` lists), by name, in `order`;
    `package`: the modules' package (a test's own folder gives its own)."""
    found: dict[str, Suite] = {}
    for module in pkgutil.iter_modules([str(folder)]):
        if not module.name.endswith("_suite"):
            continue
        for suite in importlib.import_module(f"{package}.{module.name}" if package else module.name).__dict__.get(
                "SUITES", []):
            if suite.name in found:
                raise ValueError(f"two suites are called {suite.name!r} (the second in {module.name}.py)")
            found[suite.name] = suite
    return dict(sorted(found.items(), key=lambda item: item[1].order))


SUITES: dict[str, Suite] = discover()


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


def evaluate(suite: Suite, system: System, limit: int | None, progress: Progress = None) -> tuple[list[dict], dict]:
    """(rows, summary) of `suite` on `system`: one row per case (the evaluators' fields), the suite's summary with
    the Target's notes. `Output.ms` is the wall time of `ask` alone (the ranking is asked after it, untimed)."""
    cases = suite.dataset(limit)
    target = system.open(suite)
    if target.warmup is not None:
        target.warmup()
    rows = []
    for case in cases:
        question, history = inputs(case)
        t = time.perf_counter()
        answer = target.ask(question, history)
        ms = (time.perf_counter() - t) * 1e3
        ranked = list(target.rank(question, history)) if target.rank is not None else None
        rows.append(suite.score(case, Output(answer, ranked, ms, target.doc_text)))
        if progress:
            progress(1)
    return rows, suite.summarize(rows) | target.notes


def run_suite(suite: Suite, system: System, limit: int | None, progress: Progress = None) -> dict:
    """One suite on one system as results.json holds it: summary, every case, seconds, what shaped the answers."""
    t0 = time.perf_counter()
    rows, summary = evaluate(suite, system, limit, progress)
    return {"summary": summary, "cases": rows, "seconds": round(time.perf_counter() - t0, 2),
            "n_cases": len(rows), "cases_digest": cases_digest(rows),
            "stamp": {**system.stamp, **_stamp_from_answers(rows)}}
