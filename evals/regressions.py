"""The previous run and the comparison with it: which earlier `results.json` each (suite, system) is compared
with (`find_previous`), every metric's change (`compare`) and when a change is a regression (`is_regression`)."""

from __future__ import annotations

import json
from pathlib import Path

from evals.report_metrics import COUNTS, lower_is_better, metrics_of, pairs

RATE_TOLERANCE = 0.005        # a rate worse by more than this is a regression (one golden case is ~0.01)
LATENCY_TOLERANCE = (0.25, 50.0)  # latency: worse by more than 25% and more than 50 ms (a shared machine is noisy)


def worse_by(metric: str, before: float | None, after: float | None) -> float | None:
    """How much worse `after` is than `before` (positive: worse), None when either is missing."""
    if before is None or after is None:
        return None
    return after - before if lower_is_better(metric) else before - after


def is_regression(metric: str, before: float | None, after: float | None) -> bool:
    """Whether `after` is worse than `before` by more than the tolerance: RATE_TOLERANCE for a rate, nothing for a
    count, LATENCY_TOLERANCE (relative and absolute) for a latency. False when either is missing."""
    delta = worse_by(metric, before, after)
    if delta is None:
        return False
    if metric.endswith("_ms"):
        return delta > max(LATENCY_TOLERANCE[0] * before, LATENCY_TOLERANCE[1])
    return delta > (0 if metric in COUNTS else RATE_TOLERANCE)


def _runs(root: Path, exclude: Path | None, before: str | None) -> list[tuple[str, Path, dict]]:
    """Earlier runs under `root` as (created, directory, results), newest first."""
    runs = []
    for path in sorted(root.glob("*/results.json")) if root.is_dir() else ():
        if exclude is not None and path.parent.resolve() == exclude.resolve():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        created = str(data.get("created", "")) if isinstance(data, dict) else ""
        if created and (before is None or created < before):
            runs.append((created, path.parent, data))
    return sorted(runs, key=lambda r: r[0], reverse=True)


def find_previous(root: Path, exclude: Path | None = None, before: str | None = None,
                  now: dict | None = None) -> tuple[Path, dict] | None:
    """The previous run under `root`: its directory and results. With `now`, each (suite, system) of `now` is
    matched with the most recent earlier run that has it over the same cases, so a run of other suites in
    between does not hide the comparison; the result then merges those entries (`runs` says which directory each
    came from) and its directory is the newest one used. Without a match, the most recent earlier run."""
    runs = _runs(root, exclude, before)
    if not runs:
        return None
    if now is None:
        return runs[0][1], runs[0][2]
    merged: dict = {"suites": {}, "runs": {}}
    used: list[tuple[str, Path, dict]] = []
    for suite, system, entry in pairs(now):
        for run in runs:
            old = (run[2].get("suites") or {}).get(suite, {}).get(system)
            if old is not None and (not old.get("cases_digest") or old.get("cases_digest") == entry.get("cases_digest")):
                merged["suites"].setdefault(suite, {})[system] = old
                merged["runs"][f"{suite} / {system}"] = str(run[1])
                used.append(run)
                break
    if not used:
        return runs[0][1], runs[0][2]
    newest = max(used, key=lambda r: r[0])
    merged |= {k: newest[2].get(k) for k in ("created", "settings_hash", "corpus_version")}
    return newest[1], merged


def compare(previous: dict, now: dict) -> tuple[list[dict], list[str]]:
    """Every metric of every (suite, system) both runs have over the same cases, and notes on the pairs that
    could not be compared."""
    changes, notes = [], []
    before = {(s, n): e for s, n, e in pairs(previous)}
    for suite, system, entry in pairs(now):
        old = before.get((suite, system))
        if old is None:
            notes.append(f"{suite} / {system}: not in the previous run")
            continue
        if old.get("cases_digest") and entry.get("cases_digest") and old["cases_digest"] != entry["cases_digest"]:
            notes.append(f"{suite} / {system}: not compared, the previous run asked other cases "
                         f"({old.get('n_cases', '?')} then, {entry.get('n_cases', '?')} now)")
            continue
        was, isnow = metrics_of(old.get("summary", {})), metrics_of(entry.get("summary", {}))
        for metric in [m for m in isnow if m in was]:
            a, b = was[metric], isnow[metric]
            changes.append({"suite": suite, "system": system, "metric": metric, "previous": a, "now": b,
                            "change": None if a is None or b is None else b - a,
                            "regression": is_regression(metric, a, b)})
    return changes, notes
