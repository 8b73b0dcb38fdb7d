"""Syndication: the same wire story in several outlets. Near-duplicate chunks of different documents are linked
by embedding similarity (which also catches light rewrites) and grouped into clusters by union-find."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def find_pairs(ids: Sequence[str], embeddings: np.ndarray, doc_of: dict[str, str], store, threshold: float,
               k: int = 8) -> list[tuple[str, str, float]]:
    """Pairs (a, b, cosine) of chunks from different documents at or above `threshold`; `ids` are the new chunks."""
    pairs: list[tuple[str, str, float]] = []
    if not len(ids):
        return pairs
    for cid, hits in zip(ids, store.query(embeddings, k), strict=True):
        for other, score in hits:
            if score >= threshold and other != cid and doc_of.get(other) not in (None, doc_of[cid]):
                pairs.append((cid, other, round(score, 4)))
    return pairs


def clusters(pairs: Sequence[tuple[str, str, float]], doc_of: dict[str, str]) -> dict[str, tuple[str, list[str]]]:
    """For each chunk in a cluster: (cluster id, the other documents that carry the passage)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in pairs:
        if a in doc_of and b in doc_of:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for x in parent:
        members.setdefault(find(x), []).append(x)
    out: dict[str, tuple[str, list[str]]] = {}
    for root, group in members.items():
        docs = {doc_of[c] for c in group}
        for c in group:
            out[c] = (root, sorted(docs - {doc_of[c]}))
    return out
