"""A large synthetic index for scale tests (HNSW recall, answer latency), in exactly the layout ingest writes.

    python -m evals.synthetic --home DIR [--n 100000] [--seed 0] [--no-seed-docs]

`build_synthetic_index(home, n_chunks)` writes a complete index under `home/index` that `ingest.index.open_index`
opens as if `python -m ingest` had built it: the manifest (documents with text, chunks with offsets, the
`shaping` / `corpus_version` / `bm25` / `in_sync` keys), the Chroma collection (same metadata keys and types as
the pipeline, via `ingest.pipeline._metadata`) and the BM25 index (`ingest.lexical.build`).

What is real and what is synthetic:
- The five seed articles of `corpus/` go through the real pipeline first (clean, chunk, embed, dedupe), so the
  golden questions stay answerable in the big collection and their `also_in` links are real.
- Every other document is synthetic. Its title is a real ClapNQ passage title; each of its chunks is 3-6 real
  sentences (ClapNQ passages, split with `kernel.sentences`) drawn with a seeded RNG from that passage
  (twice as likely) and its 5 nearest passages, not repeating a sentence within a document until that
  neighbourhood is used up, and packed under the chunker's token budget. A chunk's text is its sentences joined
  by a space; a document's text is its chunks joined by a newline (so `text[start:end]` is the chunk).
- Embeddings are SYNTHETIC: each unique real sentence is encoded once with the configured model (cached in
  `home/synthetic-cache/`), and a chunk's embedding is the L2-normalised mean of its sentences' embeddings and
  its title's, not the model's encoding of the chunk text (the model mean-pools tokens, so the two are close
  but not equal; `python -m evals.bench_hnsw` prints how close).
- A small share of documents (`dated_fraction`, at least 3) get a publisher and a published date, so metadata
  filters (`publisher`, `published_ts`) select a few percent of the collection.
- Synthetic chunks are marked as already compared for syndicated copies (they share sentences by design; the
  dedupe pass would link them all and take hours); a later `python -m ingest` on this home keeps them as they are.

ClapNQ is read in place from `../shared/benchmarks/clapnq/` and never copied into the repository.

The collection goes to the configured store (`ingest.vector_store.open_store`; embedded under `home` by default).
To serve an index built embedded from a Chroma server, copy its collection into the server (`python -m
evals.bench_http --home DIR --chroma-copy`, `evals.bench_http_servers.copy_collection`): about 5 minutes for 100k
chunks here, against the build's half hour.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from evals.synthetic_docs import Pool, as_pipeline_docs, generate, passages
from ingest.shaping import shaping_hash
from kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CLAPNQ_CORPUS = ROOT.parent / "shared" / "benchmarks" / "clapnq" / "corpus.jsonl"
SEED_CORPUS = ROOT / "corpus"
SYNTH_VERSION = "2"
GROUP = 5000  # chunks per write: Chroma first, then the manifest, as the pipeline does


def _say(verbose: bool) -> Callable[[str], None]:
    def say(msg: str) -> None:
        if verbose:
            print(msg, file=sys.stderr, flush=True)

    return say


def synthetic_info(settings: Settings) -> dict | None:
    """What `build_synthetic_index` recorded in the manifest of `settings.home` (None: not a synthetic index)."""
    from ingest.manifest import Manifest

    path = settings.index_dir / "manifest.sqlite"
    if not path.exists():
        return None
    man = Manifest(path)
    try:
        raw = man.get("synthetic")
        if not raw or man.get("in_sync") != "1":
            return None
        return json.loads(raw)
    finally:
        man.close()


def _refuse_real_index(settings: Settings) -> None:
    """ValueError when `settings.index_dir` holds a real index (documents, and no `synthetic` key)."""
    from ingest.manifest import Manifest

    man_path = settings.index_dir / "manifest.sqlite"
    if not man_path.exists():
        return
    man = Manifest(man_path)
    try:
        is_synthetic = man.get("synthetic") is not None or not man.docs()
    finally:
        man.close()
    if not is_synthetic:
        raise ValueError(f"{settings.index_dir} holds a real index; build_synthetic_index only replaces synthetic ones")


def _seed_articles(seed_corpus: Path, settings: Settings, timings: dict, say) -> int:
    """Run the real pipeline over the seed articles; the number of chunks it wrote (`seed_pipeline_s` timed)."""
    from ingest.pipeline import run

    t = time.perf_counter()
    report = run([seed_corpus], settings)
    timings["seed_pipeline_s"] = time.perf_counter() - t
    say(f"seed articles through the pipeline: {len(report.added)} documents, {report.chunks} chunks, "
        f"{report.duplicate_chunks} linked ({timings['seed_pipeline_s']:.1f} s)")
    return report.chunks


def _write(man, store, entries, n_synth: int, timings: dict, say) -> None:
    """Write `entries` ((CleanDoc, [Chunk], path, embeddings) per document) in groups of about GROUP chunks,
    Chroma first, then the manifest, as the pipeline does; `write_s`, `chroma_upsert_s` and `manifest_s` timed."""
    from ingest.pipeline import _metadata

    t = time.perf_counter()
    totals = {"written": 0, "store": 0.0, "manifest": 0.0}
    batch: list = []

    def flush() -> None:
        if not batch:
            return
        chunks = [c for _, cs, _, _ in batch for c in cs]
        ts = time.perf_counter()
        store.upsert([c.chunk_id for c in chunks], np.vstack([e for *_, e in batch]),
                     [c.text for c in chunks], [_metadata(c, d) for d, cs, _, _ in batch for c in cs])
        tm = time.perf_counter()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        man.put([(d, cs, p) for d, cs, p, _ in batch], now=now)
        man.add_pairs([c.chunk_id for c in chunks], [])  # never dedupe-compared (see module docstring)
        totals["store"] += tm - ts
        totals["manifest"] += time.perf_counter() - tm
        totals["written"] += len(chunks)
        batch.clear()
        rate = totals["written"] / (time.perf_counter() - t)
        say(f"  wrote {totals['written']}/{n_synth} synthetic chunks ({rate:.0f} chunks/s)")

    in_batch = docs = 0
    for entry in entries:
        batch.append(entry)
        docs += 1
        in_batch += len(entry[1])
        if in_batch >= GROUP:
            flush()
            in_batch = 0
    flush()
    timings["write_s"] = time.perf_counter() - t
    timings["chroma_upsert_s"], timings["manifest_s"] = totals["store"], totals["manifest"]
    say(f"synthetic documents: {docs}, chunks: {totals['written']} (Chroma {totals['store']:.1f} s, "
        f"manifest {totals['manifest']:.1f} s)")


def _finish(man, store, settings: Settings, info: dict, timings: dict, t0: float, say) -> int:
    """Check Chroma and the manifest agree, build BM25, record the corpus version and `info` and mark the index in
    sync; the number of chunks. RuntimeError when the two stores disagree."""
    from ingest import lexical
    from ingest.pipeline import corpus_version

    t = time.perf_counter()
    chunk_ids = man.chunk_ids()
    in_store = store.count()
    if in_store != len(chunk_ids):
        raise RuntimeError(f"Chroma holds {in_store} chunks, the manifest {len(chunk_ids)}")
    version = corpus_version(chunk_ids, shaping_hash(settings))
    ids, texts = man.bm25_corpus()
    bm25 = lexical.build(settings.index_dir, version, ids, texts)
    timings["bm25_s"] = time.perf_counter() - t
    info["timings"] = {k: round(v, 1) for k, v in timings.items()}
    info["build_s"] = round(time.perf_counter() - t0, 1)
    man.set(corpus_version=version, bm25=bm25, in_sync="1", synthetic=json.dumps(info, sort_keys=True),
            updated_at=datetime.now(UTC).isoformat(timespec="seconds"))
    lexical.prune(settings.index_dir, keep=bm25)
    say(f"BM25 over {len(ids)} chunks ({timings['bm25_s']:.1f} s); corpus version {version}")
    return len(chunk_ids)


def build_synthetic_index(home: Path, n_chunks: int = 100_000, seed: int = 0, settings: Settings | None = None, *,
                          include_seed_docs: bool = True, dated_fraction: float = 0.02,
                          corpus: Path = CLAPNQ_CORPUS, seed_corpus: Path = SEED_CORPUS,
                          verbose: bool = True) -> Settings:
    """Write a complete index of exactly `n_chunks` chunks under `home` and return the Settings that open it.

    `settings` picks the embedder (`settings.embed.model`; tests pass `tests.helpers.fast_settings` for the hash
    embedder), chunk budget and HNSW build settings; its `home` is replaced by `home`. Defaults: the environment's
    settings (`GROUNDED_*`), i.e. the bundled model. An existing synthetic index under `home` is replaced; a real
    (non-synthetic) index there is refused (ValueError), as is an `n_chunks` below the seed articles' chunks. See
    the module docstring for what is real and what is synthetic.
    """
    from ingest.embed import make_embedder
    from ingest.lock import IndexLock
    from ingest.manifest import Manifest
    from ingest.vector_store import open_store
    from kernel.settings import load_settings

    say = _say(verbose)
    home = Path(home)
    settings = (settings or load_settings()).model_copy(update={"home": home})
    index_dir = settings.index_dir
    _refuse_real_index(settings)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    shutil.rmtree(index_dir, ignore_errors=True)
    rng = np.random.default_rng(seed)

    seed_chunks = _seed_articles(seed_corpus, settings, timings, say) if include_seed_docs else 0
    n_synth = n_chunks - seed_chunks
    if n_synth < 0:
        raise ValueError(f"n_chunks={n_chunks} is smaller than the {seed_chunks} chunks of the seed articles")

    t = time.perf_counter()
    embedder = make_embedder(settings.embed)
    pool = Pool(passages(corpus), embedder, home / "synthetic-cache", say)
    timings["pool_s"] = time.perf_counter() - t
    budget = settings.chunk.max_tokens - 2  # [CLS] and [SEP], as ingest.chunk does

    info = {"version": SYNTH_VERSION, "n_chunks": n_chunks, "seed": seed, "embed_model": settings.embed.model,
            "include_seed_docs": include_seed_docs, "dated_fraction": dated_fraction, "corpus": str(corpus)}
    with IndexLock(index_dir / "ingest.lock"):
        man = Manifest(index_dir / "manifest.sqlite")
        try:
            man.set(in_sync="0", shaping=shaping_hash(settings), synthetic=json.dumps(info, sort_keys=True))
            store = open_store(settings)
            _write(man, store, as_pipeline_docs(generate(pool, n_synth, rng, budget, dated_fraction), pool, corpus),
                   n_synth, timings, say)
            n = _finish(man, store, settings, info, timings, t0, say)
        finally:
            man.close()
    say(f"built {n} chunks under {index_dir} in {time.perf_counter() - t0:.1f} s")
    return settings


def dir_size_mb(path: Path) -> float:
    """The size of the files under `path`, in MB (10^6 bytes)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--home", type=Path, required=True, help="where to write the index (GROUNDED_HOME to open it)")
    p.add_argument("--n", type=int, default=100_000, help="chunks in the collection, seed articles included")
    p.add_argument("--seed", type=int, default=0, help="random seed (0): the same seed writes the same index")
    p.add_argument("--no-seed-docs", action="store_true", help="leave the five corpus/ articles out")
    args = p.parse_args(argv)
    settings = build_synthetic_index(args.home, args.n, args.seed, include_seed_docs=not args.no_seed_docs)
    print(json.dumps({**(synthetic_info(settings) or {}), "index_mb": round(dir_size_mb(settings.index_dir), 1)},
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
