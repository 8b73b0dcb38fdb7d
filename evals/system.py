"""What is evaluated: a `System` (the product in process, a running server, the LlamaIndex baseline) opens a
`Target` over a suite's corpus (`evals.suite.Target`); `evals.system_builders` makes the three kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from evals.suite import Suite, Target

Progress = Callable[[int], None] | None


@dataclass
class System:
    """One thing being evaluated, named as it appears in reports (`extractive`, `llm`, `baseline`, ...). `kind`:
    `product`, `url` or `baseline` (a suite's `not_for` names kinds); `open(suite) -> Target` answers over the
    suite's corpus; `own_index`: whether it can build a suite's own corpus (`unsupported_reason` otherwise);
    `stamp`: what shaped its answers, recorded in results.json."""

    name: str
    kind: str
    open: Callable[[Suite], Target]
    own_index: bool = True
    unsupported_reason: Callable[[str], str] | None = None
    stamp: dict = field(default_factory=dict)

    def skip_reason(self, suite: Suite) -> str | None:
        """Why this system cannot run `suite` (the suite's `not_for` its kind, or it needs its own index and the
        system cannot build one), None when it can."""
        if self.kind in suite.not_for:
            return suite.not_for[self.kind]
        if suite.corpus is not None and not self.own_index:
            return (self.unsupported_reason(suite.name) if self.unsupported_reason
                    else f"{self.name} cannot run the {suite.name} suite")
        return None
