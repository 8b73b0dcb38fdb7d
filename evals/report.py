"""Run reports: `results.json` (every case, every summary, stamps), `report.md` (regressions first, then tables) and
PNG charts (metrics per suite and system, latency distribution, comparison with the previous run).

`results` is the dict `python -m evals run` builds: `{"created", "git", "settings_hash", "corpus_version",
"engines", "mode", "limit", ..., "suites": {suite: {system: {"summary", "cases", "seconds", "n_cases",
"cases_digest", "stamp"}}}, "skipped": [{"suite", "system", "reason"}]}`. Each suite and system is compared with
the most recent earlier `results.json` in a sibling directory of the report (same reports root) that has it over
the same cases.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

LOWER_IS_BETTER = frozenset({"false_abstention", "forbidden_hits"})
COUNTS = frozenset({"forbidden_hits"})
NOT_METRICS = frozenset({"cases", "questions"})
RATE_TOLERANCE = 0.005        # a rate worse by more than this is a regression (one golden case is ~0.01)
LATENCY_TOLERANCE = (0.25, 50.0)  # latency: worse by more than 25% and more than 50 ms (a shared machine is noisy)
CHARTS = {"metrics": "metrics.png", "latency": "latency.png", "comparison": "comparison.png"}


def lower_is_better(metric: str) -> bool:
    return metric in LOWER_IS_BETTER or metric.endswith("_ms")


def is_rate(metric: str) -> bool:
    return metric not in COUNTS and not metric.endswith("_ms")


def metrics_of(summary: dict) -> dict[str, float | None]:
    """The metrics of a summary (numbers or None), without case counts."""
    return {k: v for k, v in summary.items()
            if k not in NOT_METRICS and (v is None or (isinstance(v, int | float) and not isinstance(v, bool)))}


def worse_by(metric: str, before: float | None, after: float | None) -> float | None:
    """How much worse `after` is than `before` (positive: worse), None when either is missing."""
    if before is None or after is None:
        return None
    return after - before if lower_is_better(metric) else before - after


def is_regression(metric: str, before: float | None, after: float | None) -> bool:
    delta = worse_by(metric, before, after)
    if delta is None:
        return False
    if metric.endswith("_ms"):
        return delta > max(LATENCY_TOLERANCE[0] * before, LATENCY_TOLERANCE[1])
    return delta > (0 if metric in COUNTS else RATE_TOLERANCE)


def fmt(metric: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric.endswith("_ms"):
        return f"{value:,.0f}"
    if metric in COUNTS or isinstance(value, int):
        return f"{value:g}"
    return f"{value:.3f}"


def label(metric: str) -> str:
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


# --- previous run and comparison ----------------------------------------------------------------------------------

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


# --- charts -------------------------------------------------------------------------------------------------------

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def chart_metrics(results: dict, path: Path) -> None:
    """One panel per suite: grouped bars of its rate metrics (0..1), one colour per system."""
    plt = _pyplot()
    suites = list((results.get("suites") or {}).items())
    fig, axes = plt.subplots(len(suites), 1, figsize=(11, 3.6 * len(suites)), squeeze=False)
    for ax, (suite, systems) in zip(axes[:, 0], suites, strict=True):
        names = list(systems)
        metrics = list(dict.fromkeys(m for e in systems.values() for m in metrics_of(e.get("summary", {}))
                                     if is_rate(m)))
        width = 0.8 / max(1, len(names))
        for i, name in enumerate(names):
            vals = metrics_of(systems[name].get("summary", {}))
            ys = [vals.get(m) if vals.get(m) is not None else 0.0 for m in metrics]
            xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(metrics))]
            bars = ax.bar(xs, ys, width, label=name)
            ax.bar_label(bars, labels=[fmt(m, vals.get(m)) for m in metrics], fontsize=6, rotation=90, padding=2)
        ax.set_xticks(range(len(metrics)), [label(m) for m in metrics], rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 1.15)
        ax.set_title(f"{suite}: metrics per system (↓ lower is better)", fontsize=10)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def chart_latency(results: dict, path: Path) -> None:
    """Box plots of per-case latency, one per (suite, system); log scale when they span two orders of magnitude."""
    plt = _pyplot()
    data = [(f"{suite}\n{system}", latencies(entry)) for suite, system, entry in pairs(results)]
    data = [(name, xs) for name, xs in data if xs] or [("no cases", [0.0])]
    fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(data) + 2), 4))
    ax.boxplot([xs for _, xs in data], tick_labels=[n for n, _ in data], showmeans=True)
    values = [x for _, xs in data for x in xs if x > 0]
    if values and max(values) / min(values) > 100:
        ax.set_yscale("log")
    ax.set_ylabel("latency per question (ms)")
    ax.set_title("Latency distribution per suite and system", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def chart_comparison(changes: list[dict], path: Path) -> None:
    """Bar pairs previous vs now for every compared rate metric; regressions outlined in red."""
    plt = _pyplot()
    from matplotlib.patches import Patch

    groups: dict[str, list[dict]] = {}
    for c in changes:
        if is_rate(c["metric"]):
            groups.setdefault(f"{c['suite']} / {c['system']}", []).append(c)
    groups = groups or {"nothing compared": []}
    fig, axes = plt.subplots(len(groups), 1, figsize=(11, 3.4 * len(groups)), squeeze=False)
    for ax, (name, rows) in zip(axes[:, 0], groups.items(), strict=True):
        xs = range(len(rows))
        ax.bar([x - 0.2 for x in xs], [r["previous"] or 0.0 for r in rows], 0.4, color="#9aa")
        now = ax.bar([x + 0.2 for x in xs], [r["now"] or 0.0 for r in rows], 0.4, color="#37b")
        for bar, r in zip(now, rows, strict=True):
            if r["regression"]:
                bar.set_edgecolor("red")
                bar.set_linewidth(2)
        ax.set_xticks(list(xs), [("⚠ " if r["regression"] else "") + label(r["metric"]) for r in rows],
                      rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_title(f"{name}: previous run vs now (red: regression)", fontsize=10)
        handles = [Patch(color="#9aa", label="previous"), Patch(color="#37b", label="now"),
                   Patch(facecolor="white", edgecolor="red", linewidth=2, label="regression")]
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- markdown -----------------------------------------------------------------------------------------------------

def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(r) + " |" for r in rows)]


def baseline_of(name: str, names: list[str]) -> str | None:
    """The baseline a system is measured against: the recipe with the same engine (`baseline-llm` for `llm`),
    else the retrieval-only `baseline`."""
    if name.startswith("baseline"):
        return None
    return next((b for b in (f"baseline-{name}", "baseline") if b in names), None)


def metrics_table(systems: dict[str, dict]) -> list[str]:
    """Metric rows, one column per system, and a `system ÷ its baseline` ratio column for each system that has
    one (`llm ÷ baseline-llm`, `extractive ÷ baseline`)."""
    names = list(systems)
    ratios = [(n, b) for n in names if (b := baseline_of(n, names))]
    values = {n: metrics_of(e.get("summary", {})) for n, e in systems.items()}
    metrics = list(dict.fromkeys(m for v in values.values() for m in v))
    rows = []
    for m in metrics:
        row = [label(m), *(fmt(m, values[n].get(m)) for n in names)]
        for n, base in ratios:
            a, b = values[n].get(m), values[base].get(m)
            row.append(f"{a / b:.2f}×" if a is not None and b else "–")
        rows.append(row)
    cases = ["cases", *(str(e.get("n_cases", len(e.get("cases") or []))) for e in systems.values()),
             *("" for _ in ratios)]
    return _table(["metric", *names, *(f"{n} ÷ {b}" for n, b in ratios)], [cases, *rows])


def _case_problems(row: dict) -> str | None:
    """Why a golden-style case failed, or None when it passed."""
    if "missing_facts" not in row:
        return None
    why = []
    if row["answerable"] and row["abstained"]:
        why.append("abstained on an answerable question")
    elif not row["answerable"] and not row["abstained"]:
        why.append("answered an unanswerable question")
    if row["answerable"] and not row["abstained"]:
        if row["missing_facts"]:
            why.append("missing " + ", ".join(f"`{p}`" for p in row["missing_facts"]))
        if not row.get("sources_ok", True):
            why.append("expected documents not cited")
        if row.get("pages_ok") is False:
            why.append("a key-fact quote carries the wrong page")
    if row.get("warnings_missing"):
        why.append("no warning matching " + ", ".join(f"`{p}`" for p in row["warnings_missing"]))
    if row.get("bottom_line_ok") is False and row.get("bottom_line_problems") != ["abstained"]:
        why.append("bottom line " + ", ".join(f"`{p}`" for p in row.get("bottom_line_problems") or []))
    if row.get("violations"):
        why.append("contains " + ", ".join(f"`{p}`" for p in row["violations"]))
    if row.get("citation_problems"):
        why.append("; ".join(row["citation_problems"][:3]))
    return "; ".join(why).replace("|", "\\|") or None


def _stamp_lines(results: dict, previous_dir: Path | None, previous: dict | None) -> list[str]:
    git = results.get("git") or {}
    commit = git.get("commit")
    commit = f"`{commit[:12]}`" + (" (with uncommitted changes)" if git.get("dirty") else "") if commit else "unknown"
    versions = {f"{s}": e.get("stamp", {}).get("corpus_version") for s, _, e in pairs(results)}
    others = ", ".join(f"{s}: `{v}`" for s, v in versions.items() if v and v != results.get("corpus_version"))
    lines = [f"- date: {results.get('created', '?')}",
             f"- suites: {', '.join(results.get('suites') or {}) or 'none'}; systems: "
             f"{', '.join(dict.fromkeys(n for _, n, _ in pairs(results))) or 'none'}",
             f"- engine(s): {', '.join(results.get('engines') or []) or '?'}",
             f"- mode: {results.get('mode', '?')}" + (f" ({results['url']})" if results.get("url") else ""),
             f"- settings hash: `{results.get('settings_hash') or '?'}`",
             f"- corpus version: `{results.get('corpus_version') or '?'}`" + (f" (own indexes: {others})" if others else ""),
             f"- git commit: {commit}",
             f"- limit: {results['limit']} cases per suite" if results.get("limit") else "- limit: none (every case)"]
    if previous_dir is not None and previous is not None:
        lines.append(f"- previous run: `{previous_dir}` ({previous.get('created', '?')}, settings "
                     f"`{previous.get('settings_hash') or '?'}`, corpus `{previous.get('corpus_version') or '?'}`)")
        older = {k: v for k, v in (previous.get("runs") or {}).items() if v != str(previous_dir)}
        lines += [f"  - {pair} compared with the older run `{run}` (the newest with it over the same cases)"
                  for pair, run in older.items()]
    return lines


def markdown(results: dict, changes: list[dict], notes: list[str], charts: dict[str, str],
             previous_dir: Path | None, previous: dict | None, root: Path | None, extra: list[str] = ()) -> str:
    """report.md: regressions first, the run's stamp, metrics per suite, `extra` sections (breakdowns,
    risk–coverage), charts, the comparison and the cases that did not pass."""
    regressions = [c for c in changes if c["regression"]]
    created = str(results.get("created", "")).replace("T", " ").rstrip("Z")[:16]
    out = [f"# Evaluation report, {created} UTC", "", "## Regressions against the previous run", ""]
    if previous is None:
        out.append(f"No previous run under `{root}`: nothing to compare against.")
    elif regressions:
        out.append(f"{len(regressions)} metric(s) worse than in the previous run (`{previous_dir}`):")
        out.append("")
        for c in regressions:
            direction = "lower is better" if lower_is_better(c["metric"]) else "higher is better"
            out.append(f"- **{c['suite']} / {c['system']}: {c['metric']} {fmt(c['metric'], c['previous'])} → "
                       f"{fmt(c['metric'], c['now'])}** ({direction})")
    elif not changes:
        out.append(f"Nothing to compare: the previous run (`{previous_dir}`) has none of these suites and systems "
                   "over the same cases.")
    else:
        out.append(f"None: no metric is worse than in the previous run (`{previous_dir}`).")
    out += [f"- note: {n}" for n in notes] if previous is not None and notes else []
    out += ["", "## Run", "", *_stamp_lines(results, previous_dir, previous)]
    for item in results.get("skipped") or []:
        out.append(f"- skipped: {item['suite']} / {item['system']}: {item['reason']}")
    out += ["", "## Metrics per suite and system", "", "↓: lower is better. Rates are 0..1; latencies in ms.", ""]
    for suite, systems in (results.get("suites") or {}).items():
        secs = ", ".join(f"{n} {e.get('seconds', 0):.0f} s" for n, e in systems.items())
        out += [f"### {suite}", "", *metrics_table(systems), "", f"Time: {secs}.", ""]
    out += [*extra, "## Charts", ""]
    for key, title in (("metrics", "Metrics per suite and system"), ("latency", "Latency distribution"),
                       ("comparison", "Previous run vs now")):
        out.append(f"![{title}]({charts[key]})" if key in charts else f"- {title}: {charts.get(key + '_note', '')}")
        out.append("")
    if changes:
        out += ["## Comparison with the previous run", ""]
        rows = [[c["suite"], c["system"], label(c["metric"]), fmt(c["metric"], c["previous"]),
                 fmt(c["metric"], c["now"]),
                 "–" if c["change"] is None else ("+" if c["change"] >= 0 else "") + fmt(c["metric"], c["change"]),
                 "**worse**" if c["regression"] else ""] for c in changes]
        out += [*_table(["suite", "system", "metric", "previous", "now", "change", ""], rows), ""]
    failing = [(s, n, r, why) for s, n, e in pairs(results) for r in e.get("cases") or []
               if (why := _case_problems(r))]
    if failing:
        out += ["## Cases that did not pass", ""]
        out += _table(["suite", "system", "case", "kind", "why"],
                      [[s, n, f"`{r['id']}`", r.get("kind", ""), why] for s, n, r, why in failing[:80]])
        if len(failing) > 80:
            out.append(f"\n… and {len(failing) - 80} more in results.json.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- writing ------------------------------------------------------------------------------------------------------

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
        names = list(systems)
        values = {n: metrics_of(e.get("summary", {})) for n, e in systems.items()}
        metrics = list(dict.fromkeys(m for v in values.values() for m in v))
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
