"""Syndication: the same story in several outlets. A chunk is "also in" another document when most of its
sentences have a close counterpart (sentence embeddings) in a chunk of that document.

Chunk-level similarity alone cannot tell a copy from another article on the same topic (measured on the
seeds: unrelated same-topic chunks score 0.78-0.91), so chunk similarity only proposes candidates and the
sentences decide; and wording similarity is not sameness (FINDINGS.md), so a pair of sentences counts only when
they make the same claim: the same hedges, negation, numbers and identifiers. Links are direct, never transitive, so one shared quote cannot chain whole articles together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kernel.sentences import sentences
from kernel.settings import DedupeSettings
from kernel.tokens import claim_markers, identifiers

DEDUPE_VERSION = "claims-4"   # sentence pairs must agree on hedges, negation, numbers and identifiers; 4: "744.23",
#                                and keys with underscores, are identifiers


def candidates(ids: Sequence[str], embeddings: np.ndarray, doc_of: dict[str, str], store, floor: float,
               k: int = 8) -> list[tuple[str, str]]:
    """Pairs (a, b) of chunks from different documents whose chunk cosine is at least `floor`."""
    out = []
    for cid, hits in zip(ids, store.query(embeddings, k), strict=True) if len(ids) else []:
        out += [(cid, other) for other, score in hits
                if score >= floor and doc_of.get(other) not in (None, doc_of[cid])]
    return out


def coverage(a: np.ndarray, wa: np.ndarray, b: np.ndarray, threshold: float, agree: np.ndarray | None = None) -> float:
    """Share of chunk A's text (sentence vectors `a`, lengths `wa`) with a sentence of B at `threshold` or above;
    with `agree` (A×B booleans), only sentence pairs that make the same claim count."""
    if not len(a) or not len(b):
        return 0.0
    sim = a @ b.T
    if agree is not None:
        sim = np.where(agree, sim, -1.0)
    best = sim.max(axis=1)
    return float((wa * (best >= threshold)).sum() / wa.sum())


def same_claim(markers_a: list, markers_b: list) -> np.ndarray:
    """A×B: sentence pairs that agree on hedges, negation, numbers and identifiers (kernel.tokens.claim_markers): both
    hedge or neither, both negate or neither, and the figures of one include the other's (a copy may add "(May 13)",
    it may not change $50,000 to $10,000).
    Two versions of a guidance with other thresholds, records from one template with other licence numbers, and a
    hedged report beside a firm one are never copies of each other, however alike their wording."""
    def agree(x, y) -> bool:  # both hedged or neither, same negation, and no figure of one missing from the other
        return bool(x[0]) == bool(y[0]) and x[1] == y[1] and (x[2] <= y[2] or y[2] <= x[2])
    return np.array([[agree(x, y) for y in markers_b] for x in markers_a], dtype=bool).reshape(
        len(markers_a), len(markers_b))


def links(pairs: Sequence[tuple[str, str]], texts: dict[str, str], encode, settings: DedupeSettings
          ) -> list[tuple[str, str, float]]:
    """Directed links (a, b, coverage): chunk `a`'s content is carried by chunk `b`, checked both ways."""
    needed = sorted({c for p in pairs for c in p})
    sents = {c: [texts[c][s:e] for s, e in sentences(texts[c])] for c in needed}
    flat = [s for c in needed for s in sents[c]]
    vecs = encode(flat) if flat else np.zeros((0, 1), dtype=np.float32)
    by_chunk, i = {}, 0
    for c in needed:
        n = len(sents[c])
        by_chunk[c] = (vecs[i:i + n], np.array([len(s) for s in sents[c]], dtype=np.float32))
        i += n
    markers = {c: [claim_markers(s) for s in sents[c]] for c in needed}
    ids = {c: identifiers(texts[c]) for c in needed}
    out = []
    for a, b in {tuple(p) for p in pairs} | {(b, a) for a, b in pairs}:
        if not (ids[a] <= ids[b] or ids[b] <= ids[a]):
            continue  # two records from one template (licence EL-2025-0001 and EL-2025-0002) are never copies
        cov = coverage(*by_chunk[a], by_chunk[b][0], settings.sentence_threshold, same_claim(markers[a], markers[b]))
        if cov >= settings.coverage:
            out.append((a, b, round(cov, 4)))
    return out


def also_in(pairs: Sequence[tuple[str, str, float]], doc_of: dict[str, str]) -> dict[str, tuple[str, list[str]]]:
    """For each linked chunk: (cluster id: the smallest id among it and its mutual copies, other documents)."""
    carried: dict[str, set[str]] = {}
    directed = {(a, b) for a, b, _ in pairs if a in doc_of and b in doc_of}
    for a, b in directed:
        carried.setdefault(a, set()).add(b)
    out = {}
    for a, bs in carried.items():
        mutual = [b for b in bs if (b, a) in directed]
        out[a] = (min([a, *mutual]), sorted({doc_of[b] for b in bs}))
    return out
