"""What the reports know about a metric: which way is better, whether it is a rate, how it is printed, and the
walk over a run's (suite, system, entry) triples. Shared by evals/report.py, evals/regressions.py, evals/charts.py
and evals/report_markdown.py."""

from __future__ import annotations

import math

LOWER_IS_BETTER = frozenset({"false_abstention", "forbidden_hits"})
COUNTS = frozenset({"forbidden_hits"})
NOT_METRICS = frozenset({"cases", "questions"})


def lower_is_better(metric: str) -> bool:
    """True for the metrics where less is better: false abstention, forbidden hits, every latency (`_ms`)."""
    return metric in LOWER_IS_BETTER or metric.endswith("_ms")


def is_rate(metric: str) -> bool:
    """True for a 0..1 rate (not a count, not a latency)."""
    return metric not in COUNTS and not metric.endswith("_ms")


def metrics_of(summary: dict) -> dict[str, float | None]:
    """The metrics of a summary (numbers or None), without case counts."""
    return {k: v for k, v in summary.items()
            if k not in NOT_METRICS and (v is None or (isinstance(v, int | float) and not isinstance(v, bool)))}


def fmt(metric: str, value) -> str:
    """A metric value as printed: a dash when missing, ms without decimals, counts as is, rates to 3 places."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric.endswith("_ms"):
        return f"{value:,.0f}"
    if metric in COUNTS or isinstance(value, int):
        return f"{value:g}"
    return f"{value:.3f}"


def grid(systems: dict[str, dict]) -> tuple[list[str], list[str], dict[str, dict]]:
    """The table of one suite, as the console and report.md print it: (system names, metrics in order of first
    appearance, {system: its metrics}) from `{system: entry}`."""
    values = {n: metrics_of(e.get("summary", {})) for n, e in systems.items()}
    return list(systems), list(dict.fromkeys(m for v in values.values() for m in v)), values


def label(metric: str) -> str:
    """A metric's name as printed, with ↓ when lower is better."""
    return f"{metric} ↓" if lower_is_better(metric) else metric


def pairs(results: dict):
    """(suite, system, entry) for every suite run on every system."""
    for suite, systems in (results.get("suites") or {}).items():
        for system, entry in systems.items():
            yield suite, system, entry


def latencies(entry: dict) -> list[float]:
    """Per-case latency in ms: the suite's own `ms`, else the answer's `timings_ms.total`."""
    out = []
    for row in entry.get("cases") or []:
        ms = row.get("ms", (row.get("answer") or {}).get("timings_ms", {}).get("total"))
        if isinstance(ms, int | float):
            out.append(float(ms))
    return out
