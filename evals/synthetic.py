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
  sentences (ClapNQ passages, split with `ingest.chunk.sentences`) drawn with a seeded RNG from that passage
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
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from ingest.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CLAPNQ_CORPUS = ROOT.parent / "shared" / "benchmarks" / "clapnq" / "corpus.jsonl"
SEED_CORPUS = ROOT / "corpus"
SYNTH_VERSION = "2"
PUBLISHERS = ("Synthetic Wire", "Example Daily", "Placeholder Times", "Sample Post")
NEIGHBOURS = 5  # passages near a document's own passage that its chunks also draw sentences from
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


def _passages(corpus: Path) -> list[tuple[str, list[str]]]:
    """(title, sentences) of every passage; very short fragments ('S', ') .') are left out."""
    from ingest.chunk import sentences

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


class _Pool:
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


def _generate(pool: _Pool, n: int, rng: np.random.Generator, budget_total: int, dated_fraction: float):
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


def _docs(gen, pool: _Pool, corpus: Path):
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


def build_synthetic_index(home: Path, n_chunks: int = 100_000, seed: int = 0, settings: Settings | None = None, *,
                          include_seed_docs: bool = True, dated_fraction: float = 0.02,
                          corpus: Path = CLAPNQ_CORPUS, seed_corpus: Path = SEED_CORPUS,
                          verbose: bool = True) -> Settings:
    """Write a complete index of exactly `n_chunks` chunks under `home` and return the Settings that open it.

    `settings` picks the embedder (`settings.embed.model`; tests pass `tests.helpers.fast_settings` for the hash
    embedder), chunk budget and HNSW build settings; its `home` is replaced by `home`. Defaults: the environment's
    settings (`GROUNDED_*`), i.e. the bundled model. An existing synthetic index under `home` is replaced; a real
    (non-synthetic) index there is refused. See the module docstring for what is real and what is synthetic.
    """
    from ingest import lexical
    from ingest.embed import make_embedder
    from ingest.lock import IndexLock
    from ingest.manifest import Manifest
    from ingest.pipeline import _metadata, corpus_version, run
    from ingest.settings import load_settings
    from ingest.vector_store import open_store

    say = _say(verbose)
    home = Path(home)
    settings = (settings or load_settings()).model_copy(update={"home": home})
    index_dir = settings.index_dir
    man_path = index_dir / "manifest.sqlite"
    if man_path.exists():
        man = Manifest(man_path)
        try:
            is_synthetic = man.get("synthetic") is not None or not man.docs()
        finally:
            man.close()
        if not is_synthetic:
            raise ValueError(f"{index_dir} holds a real index; build_synthetic_index only replaces synthetic ones")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    shutil.rmtree(index_dir, ignore_errors=True)
    rng = np.random.default_rng(seed)

    seed_chunks = 0
    if include_seed_docs:
        t = time.perf_counter()
        report = run([seed_corpus], settings)
        seed_chunks = report.chunks
        timings["seed_pipeline_s"] = time.perf_counter() - t
        say(f"seed articles through the pipeline: {len(report.added)} documents, {seed_chunks} chunks, "
            f"{report.duplicate_chunks} linked ({timings['seed_pipeline_s']:.1f} s)")
    n_synth = n_chunks - seed_chunks
    if n_synth < 0:
        raise ValueError(f"n_chunks={n_chunks} is smaller than the {seed_chunks} chunks of the seed articles")

    t = time.perf_counter()
    embedder = make_embedder(settings.embed)
    pool = _Pool(_passages(corpus), embedder, home / "synthetic-cache", say)
    timings["pool_s"] = time.perf_counter() - t
    budget = settings.chunk.max_tokens - 2  # [CLS] and [SEP], as ingest.chunk does

    info = {"version": SYNTH_VERSION, "n_chunks": n_chunks, "seed": seed, "embed_model": settings.embed.model,
            "include_seed_docs": include_seed_docs, "dated_fraction": dated_fraction, "corpus": str(corpus)}
    shaping = settings.shaping_hash
    with IndexLock(index_dir / "ingest.lock"):
        man = Manifest(man_path)
        try:
            man.set(in_sync="0", shaping=shaping, synthetic=json.dumps(info, sort_keys=True))
            store = open_store(settings)
            t = time.perf_counter()
            t_store = t_man = 0.0
            written, docs = 0, 0
            batch: list = []

            def flush() -> None:
                nonlocal written, t_store, t_man
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
                t_store += tm - ts
                t_man += time.perf_counter() - tm
                written += len(chunks)
                batch.clear()
                rate = written / (time.perf_counter() - t)
                say(f"  wrote {written}/{n_synth} synthetic chunks ({rate:.0f} chunks/s)")

            in_batch = 0
            for entry in _docs(_generate(pool, n_synth, rng, budget, dated_fraction), pool, corpus):
                batch.append(entry)
                docs += 1
                in_batch += len(entry[1])
                if in_batch >= GROUP:
                    flush()
                    in_batch = 0
            flush()
            timings["write_s"] = time.perf_counter() - t
            timings["chroma_upsert_s"], timings["manifest_s"] = t_store, t_man
            say(f"synthetic documents: {docs}, chunks: {written} (Chroma {t_store:.1f} s, manifest {t_man:.1f} s)")

            t = time.perf_counter()
            chunk_ids = man.chunk_ids()
            in_store = store.count()
            if in_store != len(chunk_ids):
                raise RuntimeError(f"Chroma holds {in_store} chunks, the manifest {len(chunk_ids)}")
            version = corpus_version(chunk_ids, shaping)
            ids, texts = man.bm25_corpus()
            bm25 = lexical.build(index_dir, version, ids, texts)
            timings["bm25_s"] = time.perf_counter() - t
            info["timings"] = {k: round(v, 1) for k, v in timings.items()}
            info["build_s"] = round(time.perf_counter() - t0, 1)
            man.set(corpus_version=version, bm25=bm25, in_sync="1", synthetic=json.dumps(info, sort_keys=True),
                    updated_at=datetime.now(UTC).isoformat(timespec="seconds"))
            lexical.prune(index_dir, keep=bm25)
            say(f"BM25 over {len(ids)} chunks ({timings['bm25_s']:.1f} s); corpus version {version}")
        finally:
            man.close()
    say(f"built {len(chunk_ids)} chunks under {index_dir} in {time.perf_counter() - t0:.1f} s")
    return settings


def dir_size_mb(path: Path) -> float:
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
