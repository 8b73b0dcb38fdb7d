"""Risk–coverage of the answerability decision: what the answers would be as its threshold sweeps.

Each answer may carry `"answerability": {"answerable": bool, "probability": float, "threshold": float}` (the
probability that the documents answer the question, and the threshold in force). For a threshold t, a question is
answered when its probability is at least t. At each t this module counts (method: the risk–coverage curve of
selective prediction, Geifman & El-Yaniv 2017, "Selective classification for deep neural networks"; PaperQA2's
precision/accuracy split for abstention):

- coverage: the share of questions answered;
- correct answers: the share of all questions answered correctly (an answerable question answered and scored
  `correct` by its suite); an unanswerable question answered is never correct;
- correct abstention / false abstention: the share of unanswerable / answerable questions with probability below t;
- accuracy of answered: correct answers over answered questions.

A question that was abstained on at the operating threshold has no answer to score: below the operating threshold
it counts as answered but not correct (so the curve there is a lower bound), and `unscored` counts such questions.
Rows are the per-case rows of any suite (`answerable`, `correct`, `abstained`, `answer`).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

GRID = tuple(round(0.1 * i, 1) for i in range(11))


def scored_rows(rows: list[dict]) -> list[tuple[float, dict]]:
    """(probability, row) for the rows whose answer carries an answerability probability."""
    out = []
    for row in rows:
        info = (row.get("answer") or {}).get("answerability")
        p = info.get("probability") if isinstance(info, dict) else None
        if isinstance(p, int | float) and not isinstance(p, bool):
            out.append((float(p), row))
    return out


def operating_threshold(rows: list[dict]) -> float | None:
    """The threshold the answers report (the most common one), or None."""
    found = Counter(float(t) for r in rows
                    if isinstance(t := ((r.get("answer") or {}).get("answerability") or {}).get("threshold"),
                                  int | float) and not isinstance(t, bool))
    return found.most_common(1)[0][0] if found else None


def point(scored: list[tuple[float, dict]], t: float) -> dict:
    """Every measure at threshold `t` (see the module docstring)."""
    n = len(scored)
    answered = [(p, r) for p, r in scored if p >= t]
    correct = sum(1 for _, r in answered if r["answerable"] and r.get("correct") and not r.get("abstained"))
    unans = [p for p, r in scored if not r["answerable"]]
    ans = [p for p, r in scored if r["answerable"]]
    return {"threshold": t, "answered": len(answered), "coverage": len(answered) / n if n else None,
            "correct_answers": correct / n if n else None,
            "accuracy_answered": correct / len(answered) if answered else None,
            "correct_abstention": sum(p < t for p in unans) / len(unans) if unans else None,
            "false_abstention": sum(p < t for p in ans) / len(ans) if ans else None,
            "unscored": sum(1 for _, r in answered if r["answerable"] and r.get("abstained"))}


def actual(scored: list[tuple[float, dict]]) -> dict:
    """The measures as the answers were given (answered = not abstained), which differ from the operating point
    when something other than the threshold made an answer abstain."""
    n = len(scored)
    answered = [r for _, r in scored if not r.get("abstained")]
    correct = sum(1 for r in answered if r["answerable"] and r.get("correct"))
    unans = [r for _, r in scored if not r["answerable"]]
    ans = [r for _, r in scored if r["answerable"]]
    return {"coverage": len(answered) / n if n else None, "correct_answers": correct / n if n else None,
            "accuracy_answered": correct / len(answered) if answered else None,
            "correct_abstention": sum(bool(r.get("abstained")) for r in unans) / len(unans) if unans else None,
            "false_abstention": sum(bool(r.get("abstained")) for r in ans) / len(ans) if ans else None}


def curve(rows: list[dict]) -> dict | None:
    """The sweep over every distinct probability (and above the highest, where nothing is answered), the table at
    thresholds 0.0, 0.1, …, 1.0 and the operating threshold, and the operating point; None when no answer carries
    answerability."""
    scored = scored_rows(rows)
    if not scored:
        return None
    op = operating_threshold([r for _, r in scored])
    sweep_at = sorted({p for p, _ in scored} | {max(p for p, _ in scored) + 1e-9})
    table_at = sorted(set(GRID) | ({op} if op is not None else set()))
    return {"n": len(scored), "operating_threshold": op,
            "sweep": [point(scored, t) for t in sweep_at],
            "table": [point(scored, t) for t in table_at],
            "operating": point(scored, op) if op is not None else None, "actual": actual(scored)}


def chart(result: dict, title: str, path: Path) -> None:
    """Correct answers (share of all questions) and accuracy of answered against coverage; the operating point
    marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = sorted(result["sweep"], key=lambda p: p["coverage"])
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.plot([p["coverage"] for p in sweep], [p["correct_answers"] for p in sweep], "-", color="#37b",
            label="correct answers (share of all questions)")
    acc = [p for p in sweep if p["accuracy_answered"] is not None]
    ax.plot([p["coverage"] for p in acc], [p["accuracy_answered"] for p in acc], "--", color="#b73",
            label="accuracy of answered")
    op = result.get("operating")
    if op is not None:
        ax.plot([op["coverage"]], [op["correct_answers"]], "o", color="#37b", markersize=8)
        if op["accuracy_answered"] is not None:
            ax.plot([op["coverage"]], [op["accuracy_answered"]], "o", color="#b73", markersize=8)
        ax.axvline(op["coverage"], color="grey", linestyle=":", linewidth=1)
        if any(p["unscored"] for p in sweep):
            ax.axvspan(op["coverage"], 1.02, color="grey", alpha=0.08,
                       label="past the operating point: a lower bound")
        ax.annotate(f"operating point (threshold {op['threshold']:.2f})", (op["coverage"], op["correct_answers"]),
                    textcoords="offset points", xytext=(6, -14), fontsize=8)
    real = result.get("actual")
    if real and real["coverage"] is not None:
        ax.plot([real["coverage"]], [real["correct_answers"]], "x", color="black", markersize=8,
                label="as answered (abstained = not answered)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage (share of questions answered)")
    ax.set_ylabel("share")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _f(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def table(result: dict) -> list[str]:
    """The markdown table: threshold, coverage, correct abstention, false abstention, accuracy of answered, correct
    answers; the operating threshold's row in bold."""
    out = ["| threshold | coverage | correct abstention | false abstention ↓ | accuracy of answered | correct answers |",
           "|---|---|---|---|---|---|"]
    for p in result["table"]:
        cells = [f"{p['threshold']:.2f}", _f(p["coverage"]), _f(p["correct_abstention"]), _f(p["false_abstention"]),
                 _f(p["accuracy_answered"]), _f(p["correct_answers"])]
        if p["threshold"] == result.get("operating_threshold"):
            cells = [f"**{c}**" for c in cells]
        out.append("| " + " | ".join(cells) + " |")
    return out


def file_name(suite: str, system: str) -> str:
    return "risk_coverage_" + re.sub(r"[^a-z0-9]+", "-", f"{suite}-{system}".lower()).strip("-") + ".png"


def section(pairs, out_dir: Path | None, draw: bool = True) -> tuple[list[str], dict[str, dict]]:
    """The report section (markdown lines) for every (suite, system, entry) whose answers carry answerability, and
    the curves by "suite / system"; ([], {}) when none does. Charts are written into `out_dir` when `draw`."""
    lines: list[str] = []
    curves: dict[str, dict] = {}
    for suite, system, entry in pairs:
        result = curve(entry.get("cases") or [])
        if result is None:
            continue
        curves[f"{suite} / {system}"] = result
        lines += [f"### {suite} / {system}", ""]
        if draw and out_dir is not None:
            name = file_name(suite, system)
            chart(result, f"{suite} / {system}: risk–coverage ({result['n']} questions)", out_dir / name)
            lines += [f"![risk–coverage {suite} / {system}]({name})", ""]
        unscored = result["table"][0]["unscored"] if result["table"] else 0
        real = result["actual"]
        lines += [f"Operating threshold: {_f(result['operating_threshold'])}. "
                  f"Below it, {unscored} answerable question(s) abstained on at the operating point count as "
                  "answered but not correct (their answers were not produced): a lower bound. As answered: coverage "
                  f"{_f(real['coverage'])}, correct abstention {_f(real['correct_abstention'])}, false abstention "
                  f"{_f(real['false_abstention'])}, accuracy of answered {_f(real['accuracy_answered'])}.", "",
                  *table(result), ""]
    if lines:
        lines = ["## Risk–coverage of the answerability decision", "",
                 "Each answer's answerability probability swept as a threshold: coverage is the share answered; "
                 "correct answers are over all questions.", "", *lines]
    return lines, curves
