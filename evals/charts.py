"""The report's PNG charts (matplotlib, drawn headless): metrics per suite and system, the latency distribution
and the comparison with the previous run."""

from __future__ import annotations

from pathlib import Path

from evals.report_metrics import fmt, is_rate, label, latencies, metrics_of, pairs

CHARTS = {"metrics": "metrics.png", "latency": "latency.png", "comparison": "comparison.png"}


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
