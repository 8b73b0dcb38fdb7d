"""Answer latency in process: `python -m evals.bench_answer [--synthetic HOME] [--llm]`.

Prints p50/p95 of `answer()` with the extractive engine on the product's index (the golden questions; the model is
loaded first, so this is warm: a first pass, then a second pass over the same questions, whose query vectors the
embedder has cached, as for any repeated question), optionally on a large
synthetic index (ClapNQ questions), and optionally the LLM engine's time to first token and total time on the
mission question. Each row also gives the process CPU time per answer (`time.process_time`, all threads: less
sensitive than wall time to other work on a shared machine), and the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from evals.metrics import percentile

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
CLAPNQ = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "clapnq" / "questions.jsonl"


def timed(assistant, questions: list[tuple[str, list]]) -> tuple[list[float], float]:
    """Wall milliseconds of each answer, and the process CPU milliseconds per answer over all of them."""
    out = []
    cpu = time.process_time()
    for q, history in questions:
        t = time.perf_counter()
        assistant.ask(q, history)
        out.append((time.perf_counter() - t) * 1e3)
    return out, (time.process_time() - cpu) * 1e3 / max(1, len(questions))


def line(name: str, timing: tuple[list[float], float]) -> str:
    ms, cpu = timing
    return (f"| {name} | {len(ms)} | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} | {max(ms):.1f} | "
            f"{cpu:.1f} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.bench_answer", description=__doc__.splitlines()[0])
    p.add_argument("--home", type=Path, help="the product's state directory (default: GROUNDED_HOME or .state)")
    p.add_argument("--synthetic", type=Path, help="home of a synthetic index (python -m evals.bench_hnsw builds one)")
    p.add_argument("--questions", type=int, default=200, help="ClapNQ questions to time on the synthetic index")
    p.add_argument("--llm", action="store_true", help="also time the LLM engine on the mission question")
    args = p.parse_args(argv)

    from assistant.answer import get_assistant
    from assistant.models import Turn
    from assistant.settings import load_assistant_settings
    from evals.cases import load_cases
    from evals.golden_suite import GOLDEN

    settings = load_assistant_settings(args.home)
    assistant = get_assistant(settings)
    assistant.ask("warm-up question about the Ascend guidance")
    golden = [(c.question, [Turn(h.role, h.content) for h in c.history]) for c in load_cases(GOLDEN)]
    rows = ["| index, engine | questions | p50 ms | p95 ms | max ms | CPU ms/answer |", "|---|---|---|---|---|---|"]
    rows.append(line(f"corpus ({assistant.index.manifest.get('corpus_version')}), extractive, first pass",
                     timed(assistant, golden)))
    rows.append(line("corpus, extractive, second pass (query vectors cached)", timed(assistant, golden)))
    if args.synthetic:
        syn = get_assistant(settings.model_copy(update={"home": args.synthetic}))
        n = syn.index.manifest.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        questions = [json.loads(x)["question"] for x in CLAPNQ.read_text().splitlines() if x.strip()]
        syn.ask(questions[-1])
        rows.append(line(f"synthetic {n:,} chunks, extractive, first pass",
                         timed(syn, [(q, []) for q in questions[: args.questions]])))
    print("\n".join(rows))
    print(f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores")
    if args.llm:
        eng = assistant.engine("llm")
        list(eng.llm.stream([{"role": "user", "content": "Say yes."}]))  # load the model: time the answer, not the load
        first: list[float] = []
        t = time.perf_counter()
        ans = assistant.ask(MISSION, engine="llm", on_token=lambda _: first or first.append(time.perf_counter()))
        total = time.perf_counter() - t
        ttft = (first[0] - t) if first else float("nan")
        print(f"\nLLM engine ({eng.llm.name}), mission question: time to first token {ttft:.2f} s, total {total:.2f} s, "
              f"abstained={ans.abstained}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
