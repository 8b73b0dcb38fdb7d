"""The query embedding paths side by side: `python -m evals.bench_query_path [--queries N] [--rounds R]`.

For the golden and ClapNQ questions (up to N), each path of the embedder (`SentenceTransformer.encode`, the
TorchScript trace of ingest.embed_query, ONNX Runtime of ingest.embed_query_onnx) encodes every question one at a
time with the query thread count (1 by default), the paths taking turns round by round so that a busy machine
favours none. Prints the process CPU milliseconds per query (median over rounds, `time.process_time`), wall p50 / p95,
the question lengths in word pieces, and each path's largest difference from `encode` (1 - cosine, and the largest
coordinate difference), with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from evals.metrics import percentile


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.bench_query_path", description=__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=430, help="golden then ClapNQ questions to encode (default: all 430)")
    p.add_argument("--rounds", type=int, default=3, help="passes over the questions per path")
    args = p.parse_args(argv)
    if args.queries < 1 or args.rounds < 1:
        p.error("--queries and --rounds must be at least 1")

    import torch

    from evals.bench_embed import _questions
    from ingest.embed import make_embedder
    from ingest.embed_query import PROBES, QueryPath
    from ingest.embed_query_onnx import OnnxQueryPath
    from kernel.settings import EmbedSettings

    settings = EmbedSettings()
    embedder = make_embedder(settings)
    model = embedder.model
    torch.set_num_threads(settings.query_threads)
    questions = _questions(args.queries)

    def encode(text: str) -> np.ndarray:
        return model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]

    paths = {"SentenceTransformer.encode": encode}
    if (traced := QueryPath.build(model)) is not None:
        paths["TorchScript (ingest.embed_query)"] = traced.encode_one
    if (onnx := OnnxQueryPath.build(model, settings.query_threads, PROBES)) is not None:
        paths["ONNX Runtime (ingest.embed_query_onnx)"] = onnx.encode_one
    reference = {q: encode(q) for q in questions}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    wall: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, fn in paths.items():
            fn(questions[0])
            c = time.process_time()
            for q in questions:
                t = time.perf_counter()
                fn(q)
                wall[name].append((time.perf_counter() - t) * 1e3)
            cpu[name].append((time.process_time() - c) * 1e3 / len(questions))
    pieces = [len(model.preprocess([q])["input_ids"][0]) for q in questions]
    print(f"{len(questions)} questions, {statistics.mean(pieces):.1f} word pieces on average (median "
          f"{statistics.median(pieces):.0f}), {args.rounds} rounds, {settings.query_threads} thread(s)")
    print("| path | CPU ms/query (median of rounds) | wall p50 ms | wall p95 ms | max 1 - cosine to encode | "
          "max coordinate difference |")
    print("|---|---|---|---|---|---|")
    for name, fn in paths.items():
        got = np.stack([fn(q) for q in questions])
        want = np.stack([reference[q] for q in questions])
        off = float(np.max(1.0 - np.sum(got * want, axis=1)))
        print(f"| {name} | {statistics.median(cpu[name]):.2f} | {percentile(wall[name], 50):.2f} | "
              f"{percentile(wall[name], 95):.2f} | {max(off, 0.0):.1e} | {float(np.max(np.abs(got - want))):.1e} |")
    print(f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
