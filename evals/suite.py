"""What a suite is: a declaration of its data (the cases), its corpus (the product's index or one of its own), the
evaluators that score each case and the summary over all of them. `evals.runner.run_suite` runs any suite on any
system; a new suite is one file `evals/<name>_suite.py` that defines `SUITES = [Suite(...)]` (the shape of
pydantic_evals: Case / Dataset / Evaluator, with report-level metrics in `summarize`).

The flow for one case: `inputs(case)` gives (question, history); the system's `Target` answers it (`ask`, the
/v1/ask response dict) and ranks (`rank`, optional); each evaluator turns (case, Output) into row fields; the rows
of all cases go to `summarize`, whose dict is the suite's summary in results.json and report.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kernel.errors import ConfigError


@dataclass(frozen=True)
class Output:
    """What a system gave for one case: the /v1/ask answer dict, its ranking (doc ids or `(doc_id, *copies)`
    tuples, or 1-based pages; None when the system does not rank), the wall time of `ask` in ms, and the text of a
    cited document (`doc_text(doc_id) -> str | None`, what citation offsets index)."""

    answer: dict
    ranked: list | None
    ms: float
    doc_text: Callable[[str], str | None]


Evaluator = Callable[[Any, Output], dict]
"""Scores one case: `(case, output) -> row fields` (metrics of that case and what explains them)."""


@dataclass
class Target:
    """One system over one suite's corpus: `ask(question, history) -> dict` (/v1/ask shape), `doc_text`, optional
    `rank(question, history) -> list` (as `Output.ranked`), `warmup()` before the timed questions, and `notes`
    merged into the summary (e.g. the documents the corpus build skipped)."""

    ask: Callable[[str, list[dict]], dict]
    doc_text: Callable[[str], str | None]
    rank: Callable[[str, list[dict]], list] | None = None
    warmup: Callable[[], None] | None = None
    notes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Corpus:
    """A suite's own corpus: `sources` (files, folders or `.jsonl` corpora, what the product's ingest and the
    baseline read), indexed under `<home>/suites/<suite name>` so it never touches the product's index.
    `accept`: the ingest exit codes that are not a failure (1: some files skipped, named in `documents_skipped`)."""

    sources: Callable[[], list[Path]]
    accept: tuple[int, ...] = (0,)
    report_skipped: bool = False

    def build(self, settings):
        """Ingest the sources into the index under `settings.home` (incremental: a second run embeds nothing); the
        ingest report. RuntimeError when the ingest exits with a code not in `accept`."""
        from ingest.pipeline import run

        sources = self.sources()
        report = run(sources, settings)
        if report.exit_code not in self.accept:
            raise RuntimeError(f"ingesting {', '.join(map(str, sources))} failed: {report}")
        return report

    def notes(self, report) -> dict:
        """What the summary says about the build: `documents_skipped` ([{"file", "reason"}]) when asked for."""
        if not self.report_skipped:
            return {}
        return {"documents_skipped": [{"file": s.source, "reason": s.reason} for s in report.skipped]}


def own_settings(settings, name: str):
    """The same settings with their own home under `<home>/suites/<name>` (a suite's own index)."""
    return settings.model_copy(update={"home": settings.home / "suites" / name})


def inputs(case) -> tuple[str, list[dict]]:
    """(question, history as /v1/ask dicts) of a case: an `evals.cases.Case` or a dict with `question`."""
    if isinstance(case, Mapping):
        return case["question"], list(case.get("history") or [])
    return case.question, [{"role": t.role, "content": t.content} for t in case.history]


@dataclass(frozen=True)
class Suite:
    """A named suite. `dataset(limit)`: its cases (at most `limit`, the same limit always the same cases; raises
    ConfigError when they cannot be read); `evaluators`: row fields per case, merged in order; `summarize(rows)`:
    the suite's metrics; `corpus`: its own corpus (None: the product's index under settings.home); `ranking`: what
    a Target's `rank` returns for it, `docs` or `pages` (None: the suite does not read rankings); `not_for`: system
    kinds (`url`, `baseline`) that cannot run it, with the reason; `order`: place in the default run (lower first);
    `sample`: which cases `--limit N` takes, as `python -m evals run --help` prints it."""

    name: str
    description: str
    dataset: Callable[[int | None], Sequence]
    evaluators: tuple[Evaluator, ...]
    summarize: Callable[[list[dict]], dict]
    corpus: Corpus | None = None
    ranking: Literal["docs", "pages"] | None = None
    not_for: Mapping[str, str] = field(default_factory=dict)
    order: int = 100
    sample: str = "its first N"

    def size(self, limit: int | None) -> int:
        """How many cases a run asks (for the progress bar)."""
        return len(self.dataset(limit))

    def score(self, case, output: Output) -> dict:
        """One case's row: every evaluator's fields, in order."""
        row: dict = {}
        for evaluate in self.evaluators:
            row |= evaluate(case, output)
        return row

    def skip_reason(self, system) -> str | None:
        """Why `system` cannot run this suite, None when it can (see `evals.system.System.skip_reason`)."""
        return system.skip_reason(self)


@contextmanager
def loading(what: str):
    """Turn an OSError or ValueError while reading a suite's data into a one-line ConfigError: `what` says what was
    being read and where it comes from."""
    try:
        yield
    except OSError as exc:
        raise ConfigError(f"{what}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def interleave_kinds(cases: list, limit: int | None) -> list:
    """The cases; with a limit, a sample that takes the kinds in turn (a file grouped by kind would otherwise give
    only its first kind), kept in file order. The same limit always gives the same cases."""
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
