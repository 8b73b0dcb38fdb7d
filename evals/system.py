"""The two shapes the runner works with: a `System` (what answers: the product, a server, a baseline) and a
`Suite` (what it is asked). See evals/runner.py for what a System must provide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
        """Why `system` cannot run this suite (its `unsupported` reason, or it has neither a runner of its own
        for it nor `ask` and `doc_text`), None when it can."""
        if self.name in system.unsupported:
            return system.unsupported[self.name]
        if self.name in system.suites or (self.run is not None and system.ask and system.doc_text):
            return None
        return f"{system.name} cannot run the {self.name} suite"

    def run_on(self, system: System, limit: int | None, progress: Progress) -> tuple[list[dict], dict]:
        """(rows, summary) of this suite on `system`: the system's own runner for it when it has one, else `run`."""
        if self.name in system.suites:
            return system.suites[self.name](limit, progress)
        return self.run(system, limit, progress)
