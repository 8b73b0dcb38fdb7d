"""Exact search as bench_hnsw's ground truth (numpy over every normalised embedding), recall of a result against it,
and how close the synthetic embeddings are to the model's own."""

from __future__ import annotations

import numpy as np


def exact_top_k(q: np.ndarray, emb: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[np.ndarray]:
    """Row indices of the exact top-k by cosine for each query (within `rows` when given), best first."""
    pool = emb if rows is None else emb[rows]
    sims = q @ pool.T
    k = min(k, pool.shape[0])
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    order = np.take_along_axis(sims, top, axis=1).argsort(axis=1)[:, ::-1]
    top = np.take_along_axis(top, order, axis=1)
    return [t if rows is None else rows[t] for t in top]


def recall(got: list[str], truth_rows: np.ndarray, k: int, ids: list[str], sims: np.ndarray,
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


def fidelity(rows: list[dict], emb: np.ndarray, embedder, sample: int = 200) -> dict:
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
