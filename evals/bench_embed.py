"""Embedding models side by side: query latency, ingest encoding throughput and memory, measured interleaved.

    python -m evals.bench_embed [--models A,B] [--queries N] [--rounds R]

Query latency: the golden and ClapNQ questions (up to N), each encoded by every model in turn (the order alternates
per question), one at a time as the assistant does (`query=True`: query threads, 1 by default). Interleaving keeps a
busy shared machine from favouring one model. Ingest: the ClapNQ passages encoded in batches as ingest does
(`query=False`: every core), the models taking turns batch by batch. Memory: each model in a fresh process
(`--rss MODEL`): resident memory after importing ingest.embed, after loading the model and after encoding.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

MODELS = "bundled:all-MiniLM-L6-v2,bundled:multilingual-e5-small"


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _questions(n: int) -> list[str]:
    from evals.cases import load_cases
    from evals.clapnq_suite import load_questions
    from evals.golden_suite import GOLDEN

    qs = [c.question for c in load_cases(GOLDEN)] + [q["question"] for q in load_questions()]
    return qs[:n]


def _passages() -> list[str]:
    from evals.clapnq_suite import DATA

    return [json.loads(line)["text"] for line in (DATA / "corpus.jsonl").read_text().splitlines() if line.strip()]


def rss(model: str) -> dict:
    """Resident memory of a process that loads `model` and encodes with it (run in a fresh process)."""
    base = _rss_mb()
    from ingest.embed import make_embedder
    from kernel.settings import EmbedSettings

    e = make_embedder(EmbedSettings(model=model))
    e.encode(["warm up"], query=True)
    loaded = _rss_mb()
    e.encode(_passages()[:128])
    for q in _questions(50):
        e.encode([q], query=True)
    return {"model": model, "start_mb": round(base, 1), "loaded_mb": round(loaded, 1), "after_mb": round(_rss_mb(), 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.bench_embed", description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=MODELS, help=f"comma-separated embedding models (default: {MODELS})")
    p.add_argument("--queries", type=int, default=430, help="questions embedded one at a time per model (430)")
    p.add_argument("--rounds", type=int, default=1, help="passes over the ClapNQ passages")
    p.add_argument("--passages", type=int, default=597, help="ClapNQ passages encoded per round (597: all)")
    p.add_argument("--rss", metavar="MODEL", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rss:
        print(json.dumps(rss(args.rss)))
        return 0
    from ingest.embed import make_embedder
    from kernel.settings import EmbedSettings

    names = args.models.split(",")
    models = {n: make_embedder(EmbedSettings(model=n)) for n in names}
    for m in models.values():
        m.encode(["warm up"], query=True)
        m.encode(["warm up passage"])
    qs = _questions(args.queries)
    ms: dict[str, list[float]] = {n: [] for n in names}
    for i, q in enumerate(qs):
        for n in names if i % 2 == 0 else names[::-1]:
            t = time.perf_counter()
            models[n].encode([q], query=True)
            ms[n].append((time.perf_counter() - t) * 1e3)
    passages = _passages()[:args.passages]
    secs = dict.fromkeys(names, 0.0)
    for _ in range(args.rounds):
        for j in range(0, len(passages), 64):
            for n in names if (j // 64) % 2 == 0 else names[::-1]:
                t = time.perf_counter()
                models[n].encode(passages[j:j + 64])
                secs[n] += time.perf_counter() - t
    out = []
    for n in names:
        a = np.array(ms[n])
        row = {"model": n, "queries": len(a), "query_p50_ms": round(float(np.percentile(a, 50)), 1),
               "query_p95_ms": round(float(np.percentile(a, 95)), 1), "query_mean_ms": round(float(a.mean()), 1),
               "passages_per_s": round(len(passages) * args.rounds / secs[n], 1)}
        done = subprocess.run([sys.executable, "-m", "evals.bench_embed", "--rss", n], capture_output=True, text=True)
        row |= json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {"rss_error": done.stderr[-300:]}
        out.append(row)
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
