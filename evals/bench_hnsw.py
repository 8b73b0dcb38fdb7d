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

from evals.synthetic import CLAPNQ_CORPUS, SYNTH_VERSION, build_synthetic_index, dir_size_mb, synthetic_info
from ingest.chroma_store import chroma_where
from ingest.vector_store import Condition, MetaFilter

QUESTIONS = CLAPNQ_CORPUS.parent / "questions.jsonl"
K = 40  # dense candidates the assistant takes
WARMUP = 5


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q)) if xs else float("nan")


def _exact(q: np.ndarray, emb: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[np.ndarray]:
    """Row indices of the exact top-k by cosine for each query (within `rows` when given), best first."""
    pool = emb if rows is None else emb[rows]
    sims = q @ pool.T
    k = min(k, pool.shape[0])
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(sims, top, axis=1).argsort(axis=1)[:, ::-1]
    top = np.take_along_axis(top, order, axis=1)
    return [t if rows is None else rows[t] for t in top]


def _recall(got: list[str], truth_rows: np.ndarray, k: int, ids: list[str], sims: np.ndarray,
            row_of: dict[str, int]) -> tuple[float, float]:
    """(id recall@k, tie-tolerant recall@k): share of the exact top-k returned; share of returned results whose
    exact cosine reaches the exact k-th best (minus 1e-5), so equal-scoring neighbours count as right."""
    truth = truth_rows[:k]
    want = {ids[r] for r in truth}
    n = len(truth)
    if n == 0:
        return 1.0, 1.0
    hit = len(want & set(got[:k])) / n
    kth = sims[truth[-1]] - 1e-5
    ok = sum(1 for c in got[:k] if c in row_of and sims[row_of[c]] >= kth) / n
    return hit, min(ok, 1.0)


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
            a10, b10 = _recall(got, truth, 10, ids, sims, row_of)
            a40, b40 = _recall(got, truth, K, ids, sims, row_of)
            r10.append(a10)
            r40.append(a40)
            t10.append(b10)
            t40.append(b40)
    finally:
        index.manifest.close()
    return {"ef_search": ef, "recall@10": float(np.mean(r10)), "recall@40": float(np.mean(r40)),
            "recall@10_ties": float(np.mean(t10)), "recall@40_ties": float(np.mean(t40)),
            "min_recall@10": float(np.min(r10)), "p50_ms": _pct(lat, 50), "p95_ms": _pct(lat, 95),
            "cold_first_query_s": cold}


def _fidelity(rows: list[dict], emb: np.ndarray, embedder, sample: int = 200) -> dict:
    """How close the synthetic embeddings are to what the model gives for the same chunk text (title + text)."""
    syn = [i for i, r in enumerate(rows) if r["doc_id"].startswith("syn-")]
    pick = np.random.default_rng(0).choice(syn, size=min(sample, len(syn)), replace=False)
    real = embedder.encode([rows[i]["embed_text"] for i in pick])
    mine = emb[pick]
    cos = np.sum(real * mine, axis=1)

    def pairwise(a: np.ndarray) -> float:
        g = a @ a.T
        return float((g.sum() - np.trace(g)) / (len(a) * (len(a) - 1)))

    return {"sample": len(pick), "mean_cos": float(cos.mean()), "p5_cos": float(np.percentile(cos, 5)),
            "pairwise_model": pairwise(real), "pairwise_synthetic": pairwise(mine)}


def _table(rows: list[dict]) -> str:
    out = ["| ef_search | recall@10 | recall@40 | p50 ms | p95 ms |", "|---:|---:|---:|---:|---:|"]
    out += [f"| {r['ef_search']} | {r['recall@10']:.4f} | {r['recall@40']:.4f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |"
            for r in rows]
    return "\n".join(out)


def _recommend(rows: list[dict], default: int) -> str:
    ok = [r for r in rows if r["recall@10"] >= 0.99 and r["recall@40"] >= 0.99]
    at_default = next((r for r in rows if r["ef_search"] == default), None)
    if not ok:
        return (f"Recommendation: no ef_search tried reaches recall@10 >= 0.99 and recall@40 >= 0.99; "
                f"try values above {max(r['ef_search'] for r in rows)}.")
    best = min(ok, key=lambda r: r["ef_search"])
    line = (f"Recommendation: ef_search={best['ef_search']} is the smallest tried with recall@10 >= 0.99 and "
            f"recall@40 >= 0.99 ({best['recall@10']:.4f} / {best['recall@40']:.4f}, p95 {best['p95_ms']:.1f} ms).")
    if at_default is None:
        return line + f" The current default ({default}) was not measured."
    if at_default is best:
        return line + f" That is the current default ({default}): keep it."
    if at_default in ok:
        return line + f" The current default ({default}) reaches it too: keep it or lower it to {best['ef_search']}."
    return line + (f" The current default ({default}) does not ({at_default['recall@10']:.4f} / "
                   f"{at_default['recall@40']:.4f}): raise GROUNDED_STORE__HNSW_EF_SEARCH to {best['ef_search']}.")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000, help="chunks in the synthetic collection")
    p.add_argument("--home", type=Path, default=None, help="index home (default: a temp dir per n)")
    p.add_argument("--queries", type=int, default=300, help="ClapNQ questions to use (at most 300)")
    p.add_argument("--ef", default="50,100,200,400,800", help="comma-separated ef_search values")
    p.add_argument("--seed", type=int, default=0, help="random seed of the synthetic collection (0)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the synthetic index even if one is there")
    p.add_argument("--no-filters", action="store_true", help="skip the filtered-search measurements")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    from ingest.embed import make_embedder
    from ingest.index import open_index
    from ingest.settings import load_settings

    home = args.home or Path(tempfile.gettempdir()) / f"grounded-synth-{args.n}"
    efs = [int(x) for x in args.ef.split(",") if x.strip()]
    settings = load_settings(home)
    load0 = os.getloadavg()
    info = synthetic_info(settings)
    want = {"n_chunks": args.n, "seed": args.seed, "embed_model": settings.embed.model, "version": SYNTH_VERSION}
    if args.rebuild or not info or any(info.get(k) != v for k, v in want.items()):
        _say(f"building a synthetic index of {args.n} chunks under {home}")
        settings = build_synthetic_index(home, args.n, args.seed, settings)
        info = synthetic_info(settings)
    else:
        _say(f"reusing the synthetic index under {home}")

    t = time.perf_counter()
    index = open_index(settings)
    rows = index.chunks()
    ids = [r["chunk_id"] for r in rows]
    row_of = {c: i for i, c in enumerate(ids)}
    stored = index.store.embeddings(ids)
    emb = np.vstack([stored[c] for c in ids]).astype(np.float32)
    norms = np.linalg.norm(emb, axis=1)
    emb /= norms[:, None]
    published = {d["doc_id"]: d["published"] for d in index.documents()}
    publisher = {d["doc_id"]: d["publisher"] for d in index.documents()}
    hnsw_cfg = (index.store.col.configuration_json or {}).get("hnsw", {})
    index.manifest.close()
    del index, stored
    _say(f"loaded {len(ids)} embeddings (dim {emb.shape[1]}, norms {norms.min():.4f}-{norms.max():.4f}) "
         f"in {time.perf_counter() - t:.1f} s")

    questions = [json.loads(x)["question"] for x in QUESTIONS.read_text().splitlines() if x.strip()][:args.queries]
    embedder = make_embedder(settings.embed)
    embedder.encode(questions[:2], query=True)  # load the model outside the timing
    enc_ms, qs = [], []
    for q in questions:
        t = time.perf_counter()
        qs.append(embedder.encode([q], query=True)[0])
        enc_ms.append((time.perf_counter() - t) * 1000)
    queries = np.vstack(qs).astype(np.float32)
    _say(f"encoded {len(questions)} questions one at a time: p50 {_pct(enc_ms, 50):.1f} ms, p95 {_pct(enc_ms, 95):.1f} ms")

    fid = _fidelity(rows, emb, embedder)
    _say(f"synthetic vs model embedding of the same chunk (title + text), {fid['sample']} chunks: mean cosine "
         f"{fid['mean_cos']:.3f} (p5 {fid['p5_cos']:.3f}); mean pairwise cosine {fid['pairwise_model']:.3f} (model) "
         f"vs {fid['pairwise_synthetic']:.3f} (synthetic)")

    t = time.perf_counter()
    truths = _exact(queries, emb, K)
    _say(f"exact top-{K} for {len(queries)} queries over {len(ids)} chunks: {time.perf_counter() - t:.2f} s")

    results = []
    for ef in efs:
        r = _measure(settings, ef, queries, truths, emb, ids, row_of, None)
        results.append(r)
        _say(f"  ef_search={ef}: recall@10 {r['recall@10']:.4f} recall@40 {r['recall@40']:.4f} "
             f"p50 {r['p50_ms']:.1f} ms p95 {r['p95_ms']:.1f} ms (cold first query {r['cold_first_query_s']:.2f} s)")

    filtered = []
    if not args.no_filters:
        doc_of = [r["doc_id"] for r in rows]
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
        for where, allowed in filters:
            if len(allowed) == 0:
                continue
            ftruths = _exact(queries, emb, K, allowed)
            for ef in efs:
                r = _measure(settings, ef, queries, ftruths, emb, ids, row_of, where)
                r.update(where=chroma_where(where), matching_chunks=int(len(allowed)))
                filtered.append(r)
                _say(f"  {json.dumps(chroma_where(where))} ({len(allowed)} chunks) ef_search={ef}: recall@10 {r['recall@10']:.4f} "
                     f"recall@40 {r['recall@40']:.4f} p50 {r['p50_ms']:.1f} ms p95 {r['p95_ms']:.1f} ms")

    default = settings.store.hnsw_ef_search
    _fresh_index(settings, default).manifest.close()  # leave the collection searching with the settings' value
    _release_chroma()
    load1 = os.getloadavg()

    size = dir_size_mb(settings.index_dir)
    print(f"\n## HNSW recall vs exact search: {len(ids)} chunks, {len(questions)} ClapNQ questions, k={K}\n")
    print(f"Build settings (collection): M (max_neighbors)={hnsw_cfg.get('max_neighbors')}, "
          f"ef_construction={hnsw_cfg.get('ef_construction')}, space={hnsw_cfg.get('space')}; "
          f"index {size:.0f} MB on disk; synthetic build {info.get('build_s') if info else '?'} s.")
    print(f"Latency: Index.dense_search (one query, k={K}, embedded Chroma); query encoding (1 torch thread) "
          f"p50 {_pct(enc_ms, 50):.1f} ms, p95 {_pct(enc_ms, 95):.1f} ms. "
          f"Load average {load0[0]:.2f} at start, {load1[0]:.2f} at end (2 cores, shared).\n")
    print(f"Synthetic embeddings vs the model's own for the same chunk text ({fid['sample']} chunks): mean cosine "
          f"{fid['mean_cos']:.3f} (p5 {fid['p5_cos']:.3f}); mean pairwise cosine {fid['pairwise_synthetic']:.3f} "
          f"synthetic vs {fid['pairwise_model']:.3f} model (averaging makes the synthetic set more clustered).\n")
    print(_table(results))
    ties = [r for r in results if abs(r["recall@10_ties"] - r["recall@10"]) > 0.001
            or abs(r["recall@40_ties"] - r["recall@40"]) > 0.001]
    for r in ties:
        print(f"(ef_search={r['ef_search']}: counting equal-scoring neighbours as right gives "
              f"{r['recall@10_ties']:.4f} / {r['recall@40_ties']:.4f})")
    if filtered:
        print("\nWith a metadata filter (exact answer computed over the matching chunks only):\n")
        print("| filter | matching chunks | ef_search | recall@10 | recall@40 | p50 ms | p95 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in filtered:
            print(f"| `{json.dumps(r['where'])}` | {r['matching_chunks']} | {r['ef_search']} | {r['recall@10']:.4f} | "
                  f"{r['recall@40']:.4f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |")
    print()
    print(_recommend(results, default))
    print(f"(The collection's ef_search was left at {default}, the settings' value.)")

    report = {"n_chunks": len(ids), "queries": len(questions), "k": K, "hnsw": hnsw_cfg, "index_mb": round(size, 1),
              "synthetic": info, "query_encode_ms": {"p50": _pct(enc_ms, 50), "p95": _pct(enc_ms, 95)}, "fidelity": fid,
              "loadavg": [load0[0], load1[0]], "unfiltered": results, "filtered": filtered}
    out = settings.home / "reports" / "bench_hnsw.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    _say(f"figures written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
