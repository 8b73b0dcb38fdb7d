"""Ingest benchmark on the ClapNQ corpus: pipeline chunks/s vs raw encode, peak memory, unchanged re-run time.

    python -m evals.bench_ingest [--corpus PATH]      (make bench)

Prints figures; asserts nothing. The raw rate is SentenceTransformer.encode on exactly the chunk texts the
pipeline embedded, with the same batch size and thread count, in the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "benchmarks" / "clapnq" / "corpus.jsonl"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _raw_rate(texts: list[str], settings) -> float:
    from ingest.embed import make_embedder

    emb = make_embedder(settings.embed)
    emb.encode(texts[:8])  # load and warm up outside the timing
    t = time.perf_counter()
    emb.encode(texts)
    return len(texts) / (time.perf_counter() - t)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT,
                   help="a ClapNQ corpus.jsonl (default: ../shared/benchmarks/clapnq/corpus.jsonl)")
    args = p.parse_args()
    if not args.corpus.exists():
        print(f"error: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import sentence_transformers  # noqa: F401  - import cost is paid once, outside both timings

    from ingest.manifest import Manifest
    from ingest.pipeline import run
    from kernel.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    settings = Settings(home=home)
    rss0 = _rss_mb()
    report = run([args.corpus], settings)
    rss1 = _rss_mb()
    man = Manifest(settings.index_dir / "manifest.sqlite")
    texts = [r["embed_text"] for r in man.chunk_rows()]
    man.close()
    pipe_rate = report.chunks_embedded / report.seconds
    raw_rate = _raw_rate(texts, settings)
    env = {**os.environ, "GROUNDED_HOME": str(home), "PYTHONPATH": str(ROOT)}
    probe = ("import sys, time; t = time.perf_counter(); from ingest.cli import main; main([sys.argv[1], '--quiet']); "
             "print(f'{time.perf_counter() - t:.3f} {\"torch\" in sys.modules} {\"sentence_transformers\" in sys.modules}',"
             " file=sys.stderr)")
    t = time.perf_counter()
    rerun = subprocess.run([sys.executable, "-c", probe, str(args.corpus)], capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    in_main, torch_loaded, st_loaded = rerun.stderr.strip().splitlines()[-1].split()
    figures = {
        "documents": len(report.added), "chunks": report.chunks_embedded, "duplicate_chunks": report.duplicate_chunks,
        "pipeline_seconds": round(report.seconds, 2), "pipeline_chunks_per_s": round(pipe_rate, 1),
        "raw_encode_chunks_per_s": round(raw_rate, 1), "ratio": round(pipe_rate / raw_rate, 3),
        "peak_rss_mb": round(rss1, 1), "rss_growth_during_ingest_mb": round(rss1 - rss0, 1),
        "unchanged_rerun_s_in_process": float(in_main), "unchanged_rerun_s_wall_with_interpreter": round(wall, 3),
        "unchanged_rerun_loaded_torch": torch_loaded == "True",
        "unchanged_rerun_loaded_sentence_transformers": st_loaded == "True",
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
