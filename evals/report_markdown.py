"""report.md: the Markdown tables and sections of a run's report (`markdown`, `metrics_table`)."""

from __future__ import annotations

from pathlib import Path

from evals.report_metrics import fmt, grid, label, lower_is_better, pairs


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
    names, metrics, values = grid(systems)
    ratios = [(n, b) for n in names if (b := baseline_of(n, names))]
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
