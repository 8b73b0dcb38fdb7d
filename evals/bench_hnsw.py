"""Chroma HNSW recall against exact search, and dense query latency, per ef_search, on a synthetic collection.

    python -m evals.bench_hnsw [--n 100000] [--home DIR] [--queries 300] [--ef 50,100,200,400,800] [--rebuild]

Builds the synthetic index (`evals.synthetic`, reused when `--home` already holds one with the same size and
seed), encodes the ClapNQ questions with the configured model (query=True: one torch thread), and for each
ef_search value measures, through the assistant's own read path (`Index.dense_search`, k=40):
recall@10 and recall@40 of the HNSW result against exact search (numpy dot product over every stored, normalised
embedding), and per-query latency p50/p95. The same for two metadata filters (a publisher, a date range), whose
exact answer is computed over the matching chunks only.

How ef_search is changed: it is a search-time setting in chromadb 1.x, changed on an existing collection with
`collection.modify(configuration={"hnsw": {"ef_search": ef}})`. Measured here (chromadb 1.5.9, embedded): the
new value is persisted at once, but a process that has already loaded the collection's HNSW index keeps
searching with the old one; it applies when the index is next loaded. So each ef value is measured on a fresh
client (`SharedSystemClient.clear_system_cache()`), modified before its first query. Also measured:
`get_or_create_collection(configuration=...)` ignores the configuration for an existing collection, so a new
default `GROUNDED_STORE__HNSW_EF_SEARCH` reaches only collections created after it. At the end the collection's
ef_search is set back to the settings' value (`GROUNDED_STORE__HNSW_EF_SEARCH`, default 200).

Prints a Markdown table and a recommendation; writes the figures to `<home>/reports/bench_hnsw.json`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from evals.bench_hnsw_exact import exact_top_k, fidelity, recall
from evals.bench_hnsw_report import print_report
from evals.metrics import percentile
from evals.synthetic import CLAPNQ_CORPUS, SYNTH_VERSION, build_synthetic_index, dir_size_mb, synthetic_info
from ingest.chroma_store import chroma_where
from ingest.vector_store import Condition, MetaFilter

QUESTIONS = CLAPNQ_CORPUS.parent / "questions.jsonl"
K = 40  # dense candidates the assistant takes
WARMUP = 5


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _release_chroma() -> None:
    """Stop every Chroma client of this process (its SQLite handles and loaded HNSW indexes go with it)."""
    from chromadb.api.client import SharedSystemClient

    for system in list(SharedSystemClient._identifier_to_system.values()):
        system.stop()
    SharedSystemClient.clear_system_cache()
    gc.collect()


def _fresh_index(settings, ef: int):
    """A new Chroma client whose collection searches with `ef` (see the module docstring for why fresh)."""
    from ingest.index import open_index

    _release_chroma()
    index = open_index(settings)
    col = index.store.col
    for attempt in range(20):  # the stopped client's SQLite handle may take a moment to go
        try:
            col.modify(configuration={"hnsw": {"ef_search": ef}})
            break
        except Exception as exc:
            if "locked" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.25)
    got = (col.configuration_json or {}).get("hnsw", {}).get("ef_search")
    if got != ef:
        raise RuntimeError(f"could not set ef_search={ef} (collection reports {got})")
    return index


def _measure(settings, ef: int, queries: np.ndarray, truths: list[np.ndarray], emb: np.ndarray, ids: list[str],
             row_of: dict[str, int], where: MetaFilter | None) -> dict:
    index = _fresh_index(settings, ef)
    try:
        t = time.perf_counter()
        index.dense_search(queries[0], k=K, where=where)  # loads the HNSW index
        cold = time.perf_counter() - t
        for q in queries[1:WARMUP]:
            index.dense_search(q, k=K, where=where)
        lat, r10, r40, t10, t40 = [], [], [], [], []
        for q, truth in zip(queries, truths, strict=True):
            t = time.perf_counter()
            got = [cid for cid, _ in index.dense_search(q, k=K, where=where)]
            lat.append((time.perf_counter() - t) * 1000)
            sims = emb @ q
            a10, b10 = recall(got, truth, 10, ids, sims, row_of)
            a40, b40 = recall(got, truth, K, ids, sims, row_of)
            r10.append(a10)
            r40.append(a40)
            t10.append(b10)
            t40.append(b40)
    finally:
        index.manifest.close()
    return {"ef_search": ef, "recall@10": float(np.mean(r10)), "recall@40": float(np.mean(r40)),
            "recall@10_ties": float(np.mean(t10)), "recall@40_ties": float(np.mean(t40)),
            "min_recall@10": float(np.min(r10)), "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
            "cold_first_query_s": cold}


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=_positive, default=100_000, help="chunks in the synthetic collection")
    p.add_argument("--home", type=Path, default=None, help="index home (default: a temp dir per n)")
    p.add_argument("--queries", type=_positive, default=300, help="ClapNQ questions to use (at most 300)")
    p.add_argument("--ef", default="50,100,200,400,800", help="comma-separated ef_search values")
    p.add_argument("--seed", type=int, default=0, help="random seed of the synthetic collection (0)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the synthetic index even if one is there")
    p.add_argument("--no-filters", action="store_true", help="skip the filtered-search measurements")
    return p


def _synthetic_index(args, home: Path):
    """(settings, synthetic_info) of the synthetic index under `home`, built unless one of the asked size, seed,
    model and version is there (or `--rebuild`)."""
    from kernel.settings import load_settings

    settings = load_settings(home)
    info = synthetic_info(settings)
    want = {"n_chunks": args.n, "seed": args.seed, "embed_model": settings.embed.model, "version": SYNTH_VERSION}
    if args.rebuild or not info or any(info.get(k) != v for k, v in want.items()):
        _say(f"building a synthetic index of {args.n} chunks under {home}")
        settings = build_synthetic_index(home, args.n, args.seed, settings)
        info = synthetic_info(settings)
    else:
        _say(f"reusing the synthetic index under {home}")
    return settings, info


def _stored(settings) -> dict:
    """What the index holds: `rows` (its chunks), `ids`, `row_of` (id -> row), `emb` (normalised float32
    embeddings, one row per chunk), `published` and `publisher` per doc id, and the collection's `hnsw` settings."""
    from ingest.index import open_index

    t = time.perf_counter()
    index = open_index(settings)
    rows = index.chunks()
    ids = [r["chunk_id"] for r in rows]
    stored = index.store.embeddings(ids)
    emb = np.vstack([stored[c] for c in ids]).astype(np.float32)
    norms = np.linalg.norm(emb, axis=1)
    emb /= norms[:, None]
    documents = index.documents()
    out = {"rows": rows, "ids": ids, "row_of": {c: i for i, c in enumerate(ids)}, "emb": emb,
           "published": {d["doc_id"]: d["published"] for d in documents},
           "publisher": {d["doc_id"]: d["publisher"] for d in documents},
           "hnsw": (index.store.col.configuration_json or {}).get("hnsw", {})}
    index.manifest.close()
    del index, stored
    _say(f"loaded {len(ids)} embeddings (dim {emb.shape[1]}, norms {norms.min():.4f}-{norms.max():.4f}) "
         f"in {time.perf_counter() - t:.1f} s")
    return out


def _encode(questions: list[str], embedder) -> tuple[np.ndarray, list[float]]:
    """(query embeddings, ms per question): each question encoded alone, as the assistant does, the model loaded
    before the timing."""
    embedder.encode(questions[:2], query=True)  # load the model outside the timing
    enc_ms, qs = [], []
    for q in questions:
        t = time.perf_counter()
        qs.append(embedder.encode([q], query=True)[0])
        enc_ms.append((time.perf_counter() - t) * 1000)
    _say(f"encoded {len(questions)} questions one at a time: p50 {percentile(enc_ms, 50):.1f} ms, "
         f"p95 {percentile(enc_ms, 95):.1f} ms")
    return np.vstack(qs).astype(np.float32), enc_ms


def _filters(held: dict) -> list[tuple[MetaFilter, np.ndarray]]:
    """The two filters measured, each with the rows it allows: the publisher with the most chunks (when any chunk
    has one) and published on or after 2023-01-01."""
    doc_of = [r["doc_id"] for r in held["rows"]]
    publisher, published = held["publisher"], held["published"]
    by_pub: dict[str, int] = {}
    for d in doc_of:
        if publisher.get(d):
            by_pub[publisher[d]] = by_pub.get(publisher[d], 0) + 1
    filters = []
    if by_pub:
        pub = max(by_pub, key=by_pub.get)
        filters.append((MetaFilter((Condition("publisher", "in", (pub,)),)),
                        np.array([i for i, d in enumerate(doc_of) if publisher.get(d) == pub])))
    ts = {d: int(v.replace("-", "")) for d, v in published.items() if v}
    filters.append((MetaFilter((Condition("published_ts", ">=", 20230101),)),
                    np.array([i for i, d in enumerate(doc_of) if ts.get(d, 0) >= 20230101])))
    return filters


def _sweep(settings, efs: list[int], queries: np.ndarray, held: dict, where: MetaFilter | None = None,
           allowed: np.ndarray | None = None) -> list[dict]:
    """`_measure` at every ef_search, against the exact top-k (over the `allowed` rows when filtered)."""
    emb, ids, row_of = held["emb"], held["ids"], held["row_of"]
    t = time.perf_counter()
    truths = exact_top_k(queries, emb, K, allowed)
    if where is None:
        _say(f"exact top-{K} for {len(queries)} queries over {len(ids)} chunks: {time.perf_counter() - t:.2f} s")
    out = []
    for ef in efs:
        r = _measure(settings, ef, queries, truths, emb, ids, row_of, where)
        if where is None:
            _say(f"  ef_search={ef}: recall@10 {r['recall@10']:.4f} recall@40 {r['recall@40']:.4f} "
                 f"p50 {r['p50_ms']:.1f} ms p95 {r['p95_ms']:.1f} ms (cold first query {r['cold_first_query_s']:.2f} s)")
        else:
            r.update(where=chroma_where(where), matching_chunks=int(len(allowed)))
            _say(f"  {json.dumps(chroma_where(where))} ({len(allowed)} chunks) ef_search={ef}: recall@10 "
                 f"{r['recall@10']:.4f} recall@40 {r['recall@40']:.4f} p50 {r['p50_ms']:.1f} ms p95 {r['p95_ms']:.1f} ms")
        out.append(r)
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); 0 when the figures were written."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    from ingest.embed import make_embedder

    home = args.home or Path(tempfile.gettempdir()) / f"grounded-synth-{args.n}"
    efs = [int(x) for x in args.ef.split(",") if x.strip()]
    load0 = os.getloadavg()
    settings, info = _synthetic_index(args, home)
    held = _stored(settings)

    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text().splitlines() if x.strip()][:args.queries]
    embedder = make_embedder(settings.embed)
    queries, enc_ms = _encode(questions, embedder)

    fid = fidelity(held["rows"], held["emb"], embedder)
    _say(f"synthetic vs model embedding of the same chunk (title + text), {fid['sample']} chunks: mean cosine "
         f"{fid['mean_cos']:.3f} (p5 {fid['p5_cos']:.3f}); mean pairwise cosine {fid['pairwise_model']:.3f} (model) "
         f"vs {fid['pairwise_synthetic']:.3f} (synthetic)")

    results = _sweep(settings, efs, queries, held)
    filtered = [] if args.no_filters else [r for where, allowed in _filters(held) if len(allowed)
                                           for r in _sweep(settings, efs, queries, held, where, allowed)]

    default = settings.store.hnsw_ef_search
    _fresh_index(settings, default).manifest.close()  # leave the collection searching with the settings' value
    _release_chroma()
    load1 = os.getloadavg()

    size = dir_size_mb(settings.index_dir)
    figures = {"n_chunks": len(held["ids"]), "queries": len(questions), "k": K, "hnsw": held["hnsw"],
               "index_mb": round(size, 1), "synthetic": info,
               "query_encode_ms": {"p50": percentile(enc_ms, 50), "p95": percentile(enc_ms, 95)}, "fidelity": fid,
               "loadavg": [load0[0], load1[0]], "unfiltered": results, "filtered": filtered}
    print_report(figures | {"index_mb": size}, enc_ms, default)
    out = settings.home / "reports" / "bench_hnsw.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    _say(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
