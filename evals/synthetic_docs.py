"""The synthetic documents of evals/synthetic.py: real ClapNQ sentences pooled with their embeddings and token
counts (`Pool`), drawn into documents of 1-10 chunks by a seeded RNG (`generate`) and turned into the pipeline's own
objects (`as_pipeline_docs`). The module docstring of evals/synthetic.py says what is real and what is synthetic."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

PUBLISHERS = ("Synthetic Wire", "Example Daily", "Placeholder Times", "Sample Post")
NEIGHBOURS = 5  # passages near a document's own passage that its chunks also draw sentences from


def passages(corpus: Path) -> list[tuple[str, list[str]]]:
    """(title, sentences) of every passage; very short fragments ('S', ') .') are left out."""
    from kernel.sentences import sentences

    out = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            text = rec.get("text") or ""
            sents = [text[s:e] for s, e in sentences(text)]
            sents = [s for s in sents if len(s.split()) >= 4]
            if sents:
                out.append(((rec.get("title") or rec.get("_id") or "Untitled").strip(), sents))
    return out


def _encode_cached(texts: list[str], embedder, cache_dir: Path, kind: str, say) -> np.ndarray:
    """Encode `texts` once per (model, texts); later builds read the .npy."""
    key = hashlib.sha256((embedder.name + "\x00" + "\x00".join(texts)).encode()).hexdigest()[:16]
    path = cache_dir / f"{kind}-{key}.npy"
    if path.exists():
        vecs = np.load(path)
        if vecs.shape[0] == len(texts):
            say(f"  {kind}: {len(texts)} embeddings from cache {path.name}")
            return vecs
    t = time.perf_counter()
    parts = []
    step = 512
    for i in range(0, len(texts), step):
        parts.append(embedder.encode(texts[i:i + step]))
        say(f"  {kind}: encoded {min(i + step, len(texts))}/{len(texts)} ({time.perf_counter() - t:.0f} s)")
    vecs = np.vstack(parts).astype(np.float32) if parts else np.zeros((0, 1), np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path.with_suffix(".tmp.npy"), vecs)
    path.with_suffix(".tmp.npy").rename(path)
    return vecs


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n == 0, 1, n)


class Pool:
    """Unique real sentences with embeddings and token counts, grouped by passage, with passage neighbours."""

    def __init__(self, passages: list[tuple[str, list[str]]], embedder, cache_dir: Path, say):
        index: dict[str, int] = {}
        self.members: list[np.ndarray] = []
        for _, sents in passages:
            self.members.append(np.array(sorted({index.setdefault(s, len(index)) for s in sents}), dtype=np.int64))
        self.sentences = list(index)
        self.titles = [t for t, _ in passages]
        unique_titles = sorted(set(self.titles))
        title_row = {t: i for i, t in enumerate(unique_titles)}
        self.title_of = np.array([title_row[t] for t in self.titles], dtype=np.int64)
        self.sent_vecs = _encode_cached(self.sentences, embedder, cache_dir, "sentences", say)
        self.title_vecs = _encode_cached(unique_titles, embedder, cache_dir, "titles", say)
        t = time.perf_counter()
        self.tokens = np.array([len(embedder.token_starts(s)) for s in self.sentences], dtype=np.int64)
        self.title_tokens = np.array([len(embedder.token_starts(f"{t}\n")) for t in unique_titles], dtype=np.int64)
        centroids = _unit(np.vstack([self.sent_vecs[m].mean(axis=0) for m in self.members]))
        sims = centroids @ centroids.T
        np.fill_diagonal(sims, -np.inf)
        k = min(NEIGHBOURS, len(passages) - 1)
        self.neighbours = np.argsort(-sims, axis=1)[:, :k] if k > 0 else np.zeros((len(passages), 0), np.int64)
        say(f"  pool: {len(passages)} passages, {len(self.sentences)} unique sentences, "
            f"{len(unique_titles)} titles (tokens + neighbours {time.perf_counter() - t:.1f} s)")


def _dated(rng: np.random.Generator) -> tuple[str, str]:
    day = date(2019, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 6 + 1)))
    return PUBLISHERS[int(rng.integers(len(PUBLISHERS)))], day.isoformat()


def generate(pool: Pool, n: int, rng: np.random.Generator, budget_total: int, dated_fraction: float):
    """Yield (doc_id, title, publisher, published, [sentence-id lists per chunk], embeddings) until n chunks."""
    seen: set[tuple[int, ...]] = set()
    made, d = 0, 0
    n_pass = len(pool.members)
    while made < n:
        p = int(rng.integers(n_pass))
        title_row = int(pool.title_of[p])
        budget = max(budget_total - int(pool.title_tokens[title_row]), 16)
        own = pool.members[p]
        near = np.concatenate([pool.members[q] for q in pool.neighbours[p]] or [np.zeros(0, np.int64)])
        cand = np.concatenate([own, np.setdiff1d(near, own)])
        fits = pool.tokens[cand] <= budget
        local = cand[fits]
        weights = np.concatenate([np.full(len(own), 2.0), np.ones(len(cand) - len(own))])[fits]  # own passage 2x
        if len(local) == 0:
            continue
        fresh = np.ones(len(local), dtype=bool)  # sentences this document has not used yet
        chunks: list[list[int]] = []
        for _ in range(min(int(rng.integers(1, 11)), n - made)):
            for attempt in range(20):
                k = min(int(rng.integers(3, 7)), len(local))
                if fresh.sum() < k:  # the neighbourhood is used up: sentences may repeat from here on
                    fresh[:] = True
                w = weights * fresh
                picked = rng.choice(local, size=k, replace=False, p=w / w.sum())
                if attempt >= 10:  # a crowded neighbourhood: widen with any sentence
                    picked = np.append(picked, rng.integers(len(pool.sentences)))
                ids, used = [], 0
                for s in picked:
                    t = int(pool.tokens[s])
                    if used + t <= budget:
                        ids.append(int(s))
                        used += t
                key = tuple(sorted(set(ids)))
                if key and key not in seen:
                    seen.add(key)
                    chunks.append(list(key))
                    fresh[np.isin(local, key)] = False
                    break
        if not chunks:
            continue
        dated = d < 3 or rng.random() < dated_fraction
        publisher, published = _dated(rng) if dated else (None, None)
        embs = _unit(np.vstack([
            (pool.sent_vecs[c].sum(axis=0) + pool.title_vecs[title_row]) / (len(c) + 1) for c in chunks]))
        yield f"syn-{d:06d}", pool.titles[p], publisher, published, chunks, embs.astype(np.float32)
        made += len(chunks)
        d += 1


def as_pipeline_docs(gen, pool: Pool, corpus: Path):
    """Turn generated documents into the pipeline's own objects: (CleanDoc, [Chunk], path, embeddings)."""
    from ingest.chunk import chunk_id
    from ingest.models import Chunk, CleanDoc, DocMeta, Segment, SourceDoc

    for doc_id, title, publisher, published, chunk_sents, embs in gen:
        bodies = [" ".join(pool.sentences[s] for s in c) for c in chunk_sents]
        text = "\n".join(bodies)
        meta = DocMeta(title=title, publisher=publisher, published=published, language="en",
                       url=f"https://synthetic.invalid/{doc_id}" if publisher else None)
        src = SourceDoc(doc_id=doc_id, source=f"synthetic/{doc_id}", fmt="synthetic", text=text, meta=meta,
                        content_hash=hashlib.sha256(text.encode()).hexdigest())
        cleaned = CleanDoc(doc=src, text=text, meta=meta, segments=(Segment(0, 0, len(text)),))
        chunks, pos, occ = [], 0, {}
        for i, body in enumerate(bodies):
            o = occ.get(body, 0)
            occ[body] = o + 1
            chunks.append(Chunk(chunk_id=chunk_id(doc_id, body, o), doc_id=doc_id, ordinal=i, text=body, start=pos,
                                end=pos + len(body), embed_text=f"{title}\n{body}"))
            pos += len(body) + 1
        yield cleaned, chunks, f"synthetic:{corpus}#{doc_id}", embs
