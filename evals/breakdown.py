"""Per-kind and per-tag breakdown of the suites scored case by case with key facts (golden, compliance_docs): the
same metrics as the suite's summary (`evals.golden_suite.summarize`), over each group of cases."""

from __future__ import annotations

from evals.report_metrics import fmt, label

COLUMNS = ("accuracy", "key_fact_recall", "key_facts_all_found", "source_ok", "citation_precision", "correct_abstention",
           "false_abstention", "forbidden_hits", "bottom_line", "warning_recall", "page_accuracy")


def scored_by_facts(rows: list[dict]) -> bool:
    """Whether rows come from a key-fact suite (they carry `kind` and `key_facts`)."""
    return bool(rows) and all("kind" in r and "key_facts" in r for r in rows)


def groups(rows: list[dict]) -> dict[str, list[dict]]:
    """Rows by kind (in order of first appearance), then by tag (`tag NAME`) and, when some rows are tagged, the
    untagged rest (`untagged`)."""
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["kind"], []).append(row)
    tags = list(dict.fromkeys(t for r in rows for t in r.get("tags") or ()))
    for tag in tags:
        out[f"tag {tag}"] = [r for r in rows if tag in (r.get("tags") or ())]
    if tags:
        out["untagged"] = [r for r in rows if not r.get("tags")]
    return {k: v for k, v in out.items() if v}


def summaries(rows: list[dict]) -> dict[str, dict]:
    """Each group's summary (the suite's metrics over that group's cases, plus `correct`: a count)."""
    from evals.golden_suite import summarize

    out = {}
    for name, sub in groups(rows).items():
        summary = {**summarize(sub), "correct": sum(bool(r.get("correct")) for r in sub)}
        if not any(r["answerable"] for r in sub):  # no key facts to recall (summarize reports 0)
            summary["key_fact_recall"] = None
        out[name] = summary
    return out


def table(rows: list[dict]) -> list[str]:
    """A markdown table: one line per group, the columns that any group has."""
    by_group = summaries(rows)
    cols = [c for c in COLUMNS if any(s.get(c) is not None for s in by_group.values())]
    out = ["| group | cases | correct | " + " | ".join(label(c) for c in cols) + " |",
           "|" + "---|" * (3 + len(cols))]
    for name, s in by_group.items():
        out.append(f"| {name} | {s['cases']} | {s['correct']} | " + " | ".join(fmt(c, s.get(c)) for c in cols) + " |")
    return out


def section(pairs) -> list[str]:
    """The report section for every (suite, system, entry) of a key-fact suite; [] when there is none."""
    lines: list[str] = []
    for suite, system, entry in pairs:
        rows = entry.get("cases") or []
        if scored_by_facts(rows):
            lines += [f"### {suite} / {system}", "", *table(rows), ""]
    return ["## Results by kind and tag", "", "The suite's metrics over each group of its cases.", "", *lines] \
        if lines else []


def main(argv: list[str] | None = None) -> int:
    """`python -m evals.breakdown RESULTS_JSON [SUITE ...]`: print the breakdown tables of an earlier run."""
    import argparse
    import json
    import sys

    p = argparse.ArgumentParser(prog="python -m evals.breakdown",
                                description="Print the results by kind and tag of a run's results.json.")
    p.add_argument("results", help="a results.json written by python -m evals run")
    p.add_argument("suites", nargs="*", metavar="SUITE", help="only these suites (default: every key-fact suite)")
    args = p.parse_args(argv)
    try:
        with open(args.results, encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.results}: {exc}", file=sys.stderr)
        return 1
    chosen = [(s, n, e) for s, systems in (results.get("suites") or {}).items() for n, e in systems.items()
              if not args.suites or s in args.suites]
    print("\n".join(section(chosen)) or "no key-fact suite in this run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
