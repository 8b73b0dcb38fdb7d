"""Run reports: `results.json` (every case, every summary, stamps), `report.md` (regressions first, then tables) and
PNG charts (metrics per suite and system, latency distribution, comparison with the previous run).

`results` is the dict `python -m evals run` builds: `{"created", "git", "settings_hash", "corpus_version",
"engines", "mode", "limit", ..., "suites": {suite: {system: {"summary", "cases", "seconds", "n_cases",
"cases_digest", "stamp"}}}, "skipped": [{"suite", "system", "reason"}]}`. Each suite and system is compared with
the most recent earlier `results.json` in a sibling directory of the report (same reports root) that has it over
the same cases.

This module writes a run (`write`) and prints its summary (`console`); the parts live in evals/report_metrics.py
(metric direction and formatting), evals/regressions.py (the previous run, the comparison), evals/charts.py and
evals/report_markdown.py, and their public names are re-exported here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from evals.charts import CHARTS, _pyplot, chart_comparison, chart_latency, chart_metrics
from evals.regressions import LATENCY_TOLERANCE, RATE_TOLERANCE, compare, find_previous, is_regression, worse_by
from evals.report_markdown import baseline_of, markdown, metrics_table
from evals.report_metrics import (
    COUNTS,
    LOWER_IS_BETTER,
    NOT_METRICS,
    fmt,
    grid,
    is_rate,
    label,
    latencies,
    lower_is_better,
    metrics_of,
    pairs,
)

__all__ = ["CHARTS", "COUNTS", "LATENCY_TOLERANCE", "LOWER_IS_BETTER", "NOT_METRICS", "RATE_TOLERANCE", "baseline_of",
           "chart_comparison", "chart_latency", "chart_metrics", "compare", "console", "find_previous", "fmt",
           "is_rate", "is_regression", "label", "latencies", "lower_is_better", "markdown", "metrics_of",
           "metrics_table", "pairs", "stamp_now", "worse_by", "write"]


def write(out: Path, results: dict, previous: dict | None = None, previous_dir: Path | None = None) -> dict:
    """Write results.json, the charts and report.md into `out`; returns the results as written (with the
    comparison and the regressions)."""
    from evals import breakdown, risk_coverage

    out.mkdir(parents=True, exist_ok=True)
    changes, notes = compare(previous, results) if previous is not None else ([], [])
    charts: dict[str, str] = {}
    try:
        _pyplot()
        can_draw = True
    except ImportError:
        can_draw = False
        note = "not drawn: matplotlib is not installed (`.venv/bin/pip install matplotlib`)"
        charts |= {f"{k}_note": note for k in CHARTS}
    else:
        chart_metrics(results, out / CHARTS["metrics"])
        chart_latency(results, out / CHARTS["latency"])
        charts |= {"metrics": CHARTS["metrics"], "latency": CHARTS["latency"]}
        if previous is not None:
            chart_comparison(changes, out / CHARTS["comparison"])
            charts["comparison"] = CHARTS["comparison"]
        else:
            charts["comparison_note"] = "no previous run to compare with"
    risk_lines, curves = risk_coverage.section(list(pairs(results)), out, draw=can_draw)
    extra = [*breakdown.section(list(pairs(results))), *risk_lines]
    written = {**results, "previous_run": str(previous_dir) if previous_dir else None,
               "comparison": changes, "comparison_notes": notes,
               "regressions": [c for c in changes if c["regression"]],
               **({"risk_coverage": curves} if curves else {})}
    (out / "results.json").write_text(json.dumps(written, indent=1, ensure_ascii=False, default=str) + "\n",
                                      encoding="utf-8")
    root = out.parent if previous_dir is None else previous_dir.parent
    (out / "report.md").write_text(markdown(results, changes, notes, charts, previous_dir, previous, root, extra),
                                   encoding="utf-8")
    return written


def console(written: dict, report_path: Path) -> str:
    """A compact plain-text summary for stdout: regressions, a metrics table per suite, the report's path."""
    lines = []
    regressions = written.get("regressions") or []
    if written.get("previous_run") and not written.get("comparison"):
        lines.append(f"previous run ({written['previous_run']}): nothing to compare "
                     f"({'; '.join(written.get('comparison_notes') or []) or 'no common suite and system'})")
    elif written.get("previous_run"):
        lines.append(f"regressions against the previous run ({written['previous_run']}): "
                     f"{len(regressions) or 'none'}")
        lines += [f"  {c['suite']} / {c['system']}: {c['metric']} {fmt(c['metric'], c['previous'])} -> "
                  f"{fmt(c['metric'], c['now'])}" for c in regressions]
    for suite, systems in (written.get("suites") or {}).items():
        names, metrics, values = grid(systems)
        width = max([len(suite) + 12, *(len(label(m)) + 2 for m in metrics)])
        cols = [max(10, len(n) + 1) for n in names]
        n_cases = "/".join(str(systems[n].get("n_cases", "?")) for n in names)
        lines.append("")
        lines.append(f"{suite} ({n_cases} cases)".ljust(width) + "".join(n.rjust(c) for n, c in zip(names, cols, strict=True)))
        for m in metrics:
            lines.append(f"  {label(m)}".ljust(width)
                         + "".join(fmt(m, values[n].get(m)).rjust(c) for n, c in zip(names, cols, strict=True)))
    for item in written.get("skipped") or []:
        lines.append(f"skipped {item['suite']} / {item['system']}: {item['reason']}")
    lines += ["", f"report: {report_path}"]
    return "\n".join(lines).lstrip("\n")


def stamp_now() -> tuple[str, str]:
    """(ISO date for results.json, directory name) for a run starting now, in UTC."""
    now = datetime.now(UTC)
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z"), now.strftime("%Y%m%dT%H%M%SZ")
