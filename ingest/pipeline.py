"""The ingest run: load -> clean -> chunk -> embed -> store -> dedupe -> BM25, incremental and crash-safe.

Order of writes: the vector store first, then the manifest (SQLite, transactional) records the documents as ready.
Every run starts by reconciling the vector store with the manifest (unless the manifest says the last run finished),
so a crash or kill -9 anywhere leaves an index the next run repairs to what a clean build gives.

Readers are never shown a mix of two corpus versions (ingest.generations): a run writes the next generation beside
the published one (new chunks invisible to readers of the old version, replaced ones retired, not deleted), switches
the version in one manifest transaction at the end, and deletes the superseded chunks `generations.GRACE_S` seconds
after the switch that superseded them at the earliest (at the end of a run, or at the start of a later one), and
never while a request's lease pins a generation that reads them (ingest.manifest_readers). A rebuild, which drops the
store, first refuses new readers of the old version and waits for the leases on it to end.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest import dedupe, generations, lexical, manifest_readers
from ingest.chunk import chunk
from ingest.clean import clean
from ingest.embed import Embedder, make_embedder
from ingest.load import load
from ingest.lock import IndexLock
from ingest.manifest import Manifest, open_repairing
from ingest.models import Chunk, CleanDoc, Skipped
from ingest.shaping import shaping_hash
from ingest.vector_store import VectorStore, open_store
from kernel.errors import NotFoundError
from kernel.settings import Settings

GROUP_CHUNKS = 256  # chunks per encode call; vector-store writes of one group overlap the encoding of the next


@dataclass
class IngestReport:
    """What one run did; `exit_code` is non-zero when any input was skipped. `documents` and `chunks` count what the
    index holds after the run; `encodings` names the encoding of each document read this run that was not UTF-8;
    `still_on_disk` maps removed documents whose file still exists to that file (the next ingest adds them back);
    `orphans` maps documents the index holds whose file is gone, outside this run's paths, to that file (they stay
    until `python -m ingest remove DOC_ID`); `damaged` says what was found missing or damaged (the manifest, the BM25
    directory) and rebuilt."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    rebuilt: bool = False
    documents: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    encodings: dict[str, str] = field(default_factory=dict)
    still_on_disk: dict[str, str] = field(default_factory=dict)
    orphans: dict[str, str] = field(default_factory=dict)
    duplicate_chunks: int = 0
    corpus_version: str = ""
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped else 0


def _in_scope(path: str, paths: Sequence[Path]) -> bool:
    """Whether a previously ingested file falls under this run's arguments (only those can be 'removed')."""
    p = Path(path)
    for arg in paths:
        a = arg.resolve()
        if p == a or (a.is_dir() and a in p.parents) or (not a.exists() and (p == a or a in p.parents)):
            return True
    return False


def _metadata(c: Chunk, doc: CleanDoc) -> dict:
    """A chunk's vector-store metadata: where it sits, and its document's title, publisher, author ("" when unknown:
    sources.csv, front matter, the file's properties or a byline in the text), dates and url."""
    m = doc.meta
    meta = {"doc_id": c.doc_id, "ordinal": c.ordinal, "start": c.start, "end": c.end, "source": doc.doc.source,
            "title": m.title, "publisher": m.publisher, "author": m.author or "", "published": m.published,
            "url": m.url, "page": c.page, "published_ts": int(m.published.replace("-", "")) if m.published else None}
    return {k: v for k, v in meta.items() if v is not None}


def corpus_version(chunk_ids: set[str], shaping: str) -> str:
    """A short hash naming exactly this set of chunks under these settings."""
    h = hashlib.sha256(shaping.encode())
    for cid in sorted(chunk_ids):
        h.update(cid.encode())
    return h.hexdigest()[:12]


class _Writer:
    """Embeds groups of cleaned documents and writes them: the vector store in a worker thread, then the manifest."""

    def __init__(self, store: VectorStore, man: Manifest, embedder: Embedder, report: IngestReport, gen: int):
        self.store, self.man, self.embedder, self.report, self.gen = store, man, embedder, report, gen
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-write")
        self.inflight: tuple[Future, list] | None = None

    def write(self, group: list[tuple[CleanDoc, list[Chunk], str]]) -> None:
        chunks = [c for _, cs, _ in group for c in cs]
        embs = self.embedder.encode([c.embed_text for c in chunks]) if chunks else None
        self.drain()
        metas = [_metadata(c, d) for d, cs, _ in group for c in cs]
        fut = self.pool.submit(self._store_write, chunks, embs, metas)
        self.inflight = (fut, group)
        self.report.chunks_embedded += len(chunks)

    def _store_write(self, chunks, embs, metas) -> None:
        """New chunks beside the old: the chunks they replace stay for readers of the published version."""
        if chunks:
            self.store.upsert([c.chunk_id for c in chunks], embs, [c.text for c in chunks], metas)

    def drain(self) -> None:
        if self.inflight:
            fut, group = self.inflight
            fut.result()
            unseen = self.man.put(group, now=datetime.now(UTC).isoformat(timespec="seconds"), gen=self.gen)
            if unseen:  # written by a killed run of this same generation, now replaced: no reader ever saw them
                self.store.delete(unseen)
            self.inflight = None

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self.pool.shutdown(wait=True)


def _reconcile(store: VectorStore, man: Manifest) -> set[str]:
    """Make the vector store hold exactly the manifest's chunks: delete strays; return the documents missing chunks."""
    in_store, in_man = store.ids(), man.chunk_ids()
    stray = in_store - in_man - generations.retired_ids(man.db)
    if stray:
        store.delete(sorted(stray))
    missing = in_man - in_store
    return {r["doc_id"] for r in man.chunk_rows(ids=missing)} if missing else set()


def _update_clusters(store: VectorStore, man: Manifest, embedder: Embedder, settings: Settings) -> None:
    """Link chunks not yet compared (this run's, or a killed run's) to their copies; refresh every chunk's links."""
    import numpy as np

    rows = man.chunk_rows()
    doc_of = {r["chunk_id"]: r["doc_id"] for r in rows}
    texts = {r["chunk_id"]: r["text"] for r in rows}
    pending = man.undeduped()
    for i in range(0, len(pending), 2000):
        ids = pending[i:i + 2000]
        vecs = store.embeddings(ids)
        pairs = dedupe.candidates(ids, np.vstack([vecs[c] for c in ids]), doc_of, store, settings.dedupe.candidate)
        man.add_pairs(ids, dedupe.links(pairs, texts, embedder.encode, settings.dedupe))
    wanted = dedupe.also_in(man.pairs(), doc_of)
    changes = {}
    for r in rows:
        cluster, also = wanted.get(r["chunk_id"], (None, []))
        if (r["cluster"], r["also_in"]) != (cluster, also):
            changes[r["chunk_id"]] = (cluster, also)
    if changes:
        metas = [{"dup_cluster": c or "", "also_in": ",".join(a)} for c, a in changes.values()]
        store.update_metadata(list(changes), metas)
        man.set_clusters(changes)


def run(paths: Sequence[Path], settings: Settings, rebuild: bool = False,
        progress: Callable[[int], object] | None = None) -> IngestReport:
    """Bring the index in line with `paths`; see the module docstring for the guarantees."""
    t0 = time.perf_counter()
    report = IngestReport()
    index_dir = settings.index_dir
    with IndexLock(index_dir / "ingest.lock"):
        man, note = open_repairing(index_dir / "manifest.sqlite")
        report.damaged += [note] if note else []
        try:
            _run(paths, settings, rebuild, progress, man, report)
        finally:
            man.close()
    report.seconds = time.perf_counter() - t0
    return report


def _reshape(settings: Settings, man: Manifest, shaping: str, rebuild: bool, report: IngestReport
             ) -> VectorStore | None:
    """On `rebuild`, or when the index was built with other shaping settings, the store dropped and the manifest
    reset (`report.rebuilt`), and the store, open, returned; else None and nothing changes."""
    stored = man.get("shaping")
    if not (rebuild or (stored != shaping and (stored is not None or man.docs()))):
        return None
    store = open_store(settings)
    man.set(in_sync="0")
    _close_old(man, settings)
    store.drop()
    man.reset()
    report.rebuilt = True
    return store


def _close_old(man: Manifest, settings: Settings) -> None:
    """Before the store is dropped: no new reader of the published version or an older one, and those reading it
    have finished (or had `manifest_readers.LEASE_TTL_S` seconds to; what still reads it then is void and retried)."""
    manifest_readers.close_below(settings.index_dir, _next_gen(man, settings))


def _next_gen(man: Manifest, settings: Settings) -> int:
    """The generation a run writes: the published one + 1, and never below where readers were fenced (a rebuild or
    a replaced manifest starts again from no generation, the readers' marks remember)."""
    return max(generations.published(man.db) + 1, manifest_readers.lowest_new(settings.index_dir))


def _up_to_date(settings: Settings, man: Manifest, known: dict, present: set[str], idle: bool,
                report: IngestReport) -> bool:
    """Whether the index is in sync, its BM25 directory sound, and there is nothing to add or remove (`idle`): then
    `report` says what it holds. A damaged BM25 directory is noted and deleted (`_finish` rebuilds it)."""
    bm25 = man.get("bm25")
    broken = lexical.problem(settings.index_dir / bm25) if bm25 and man.get("in_sync") == "1" else None
    if broken:  # rebuilt from the manifest by _finish below
        report.damaged.append(f"{broken}: rebuilt from the manifest")
        shutil.rmtree(settings.index_dir / bm25, ignore_errors=True)
        return False
    if man.get("in_sync") != "1" or not idle:
        return False
    report.unchanged = sorted(present)
    report.documents = len(known)
    report.chunks = sum(r.n_chunks for r in known.values())
    report.corpus_version = man.get("corpus_version", "")
    report.duplicate_chunks = man.linked_count()
    return True


def _write_all(todo: list[tuple[CleanDoc, str]], settings: Settings, writer: _Writer, embedder: Embedder,
               progress, report: IngestReport) -> None:
    """Clean and chunk each document of `todo`, and write them in groups of about GROUP_CHUNKS chunks; `progress`
    is told how many documents are done."""
    embed = embedder.encode if settings.clean.offtopic else None
    group: list[tuple[CleanDoc, list[Chunk], str]] = []
    in_group = 0
    for n, (doc, path) in enumerate(todo, 1):
        if doc.encoding not in (None, "utf-8", "utf-8-sig"):
            report.encodings[doc.doc_id] = doc.encoding
        cleaned = clean(doc, settings.clean, embed=embed)
        chunks = chunk(cleaned, embedder, settings.chunk)
        group.append((cleaned, chunks, path))
        in_group += len(chunks)
        if in_group >= GROUP_CHUNKS:
            writer.write(group)
            group, in_group = [], 0
        if progress:
            progress(n)
    if group:
        writer.write(group)


def _run(paths, settings: Settings, rebuild: bool, progress, man: Manifest, report: IngestReport) -> None:
    """The body of `run`, with the index locked and the manifest open."""
    shaping = shaping_hash(settings)
    result = load(paths, int(settings.ingest.max_file_mb * 1024 * 1024), settings.ingest.pdf_extractor)
    loaded, failed = list(zip(result.docs, result.origins, strict=True)), result.failed
    report.skipped = list(result.skipped)
    store = _reshape(settings, man, shaping, rebuild, report)
    _purge(man, settings, store)
    known = man.docs()
    present = {d.doc_id for d, _ in loaded}
    removed = [i for i, row in known.items() if i not in present and row.path not in failed and _in_scope(row.path, paths)]
    todo = [(d, p) for d, p in loaded
            if d.doc_id not in known or known[d.doc_id].content_hash != d.content_hash or known[d.doc_id].state != "ready"]
    report.orphans = {i: row.path for i, row in known.items()
                      if i not in present and i not in removed and row.path and not Path(row.path).exists()}
    if _up_to_date(settings, man, known, present, not todo and not removed, report):
        return
    store = store or open_store(settings)
    man.set(in_sync="0", shaping=shaping)
    if store.shaping() != shaping:  # e.g. a server collection built elsewhere with other settings
        _close_old(man, settings)
        store.drop()
        man.mark_pending(known)
    report.repaired = sorted(_reconcile(store, man) | {i for i, r in man.docs().items() if r.state != "ready"})
    todo_ids = {d.doc_id for d, _ in todo}
    todo += [(d, p) for d, p in loaded if d.doc_id in report.repaired and d.doc_id not in todo_ids]
    gen = _next_gen(man, settings)  # invisible to readers until `_finish` publishes it
    if removed:
        store.delete(man.remove(removed, gen=gen))
    report.removed = sorted(removed)
    embedder = make_embedder(settings.embed)
    writer = _Writer(store, man, embedder, report, gen)
    try:
        _write_all(todo, settings, writer, embedder, progress, report)
    finally:
        writer.close()
    for doc, _ in todo:
        (report.updated if doc.doc_id in known else report.added).append(doc.doc_id)
    todo_ids = {d.doc_id for d, _ in todo}
    report.unchanged = sorted(present - todo_ids)
    _finish(store, man, embedder, settings, report, gen)


def _purge(man: Manifest, settings: Settings, store: VectorStore | None = None, grace: float | None = None) -> None:
    """Delete from the store the chunks retired by switches made at least `grace` seconds ago (default
    `generations.GRACE_S`, counted per switch), then the retired chunk and document rows of those switches, and the
    BM25 directories no reader opens any more (the store is opened only when it has chunks to lose). A generation a
    live reader lease pins is kept, however old its switch (ingest.manifest_readers.fence)."""
    upto = manifest_readers.fence(settings.index_dir, generations.outgrown(man.db, grace))
    upto, ids = generations.expired(man.db, upto=upto)
    if ids:
        (store or open_store(settings)).delete(ids)
    if ids or generations.waiting(man.db):
        with man.tx() as db:
            generations.forget(db, upto)
    keep = generations.kept_bm25(man.db, upto)
    for d in settings.index_dir.glob("bm25-*"):
        if d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)


def _finish(store: VectorStore, man: Manifest, embedder: Embedder, settings: Settings, report: IngestReport,
            gen: int) -> None:
    """Refresh duplicate links, rebuild BM25 when the chunk set changed, publish generation `gen` under its corpus
    version (one transaction: readers switch there), delete what is past its grace period: the index is in sync
    again; `report` gets what the index holds."""
    shaping = shaping_hash(settings)
    _update_clusters(store, man, embedder, settings)
    report.duplicate_chunks = man.linked_count()
    chunk_ids = man.chunk_ids()
    report.chunks = len(chunk_ids)
    report.documents = len(man.docs())
    version = corpus_version(chunk_ids, shaping)
    bm25 = man.get("bm25")
    if bm25 != f"bm25-{version}" or not (settings.index_dir / bm25).is_dir():
        ids, texts = man.bm25_corpus()
        bm25 = lexical.build(settings.index_dir, version, ids, texts)
    with man.tx() as db:
        generations.publish(db, gen, corpus_version=version, bm25=bm25, in_sync="1",
                            updated_at=datetime.now(UTC).isoformat(timespec="seconds"))
    _purge(man, settings, store)
    report.corpus_version = version


def remove(doc_ids: Sequence[str], settings: Settings) -> IngestReport:
    """Take documents out of the index (vector store, manifest, duplicate links, BM25), e.g. one ingested from a path
    outside the corpus and since deleted. NotFoundError, before anything changes, for an id the index lacks;
    IndexLockedError while an ingest runs. The report's `still_on_disk` names removed documents whose file exists
    (an ingest of its folder adds it back)."""
    t0 = time.perf_counter()
    report = IngestReport()
    with IndexLock(settings.index_dir / "ingest.lock"):
        man = Manifest(settings.index_dir / "manifest.sqlite")
        try:
            known = man.docs()
            unknown = [d for d in doc_ids if d not in known]
            if unknown:
                raise NotFoundError(f"no document {', '.join(map(repr, unknown))} in the index "
                                    "(see `python -m ingest show`); nothing was removed")
            store = open_store(settings)
            man.set(in_sync="0")
            ids = sorted(set(doc_ids))
            gen = _next_gen(man, settings)
            store.delete(man.remove(ids, gen=gen))
            report.removed = ids
            report.still_on_disk = {i: known[i].path for i in ids if known[i].path and Path(known[i].path).is_file()}
            _finish(store, man, make_embedder(settings.embed), settings, report, gen)
        finally:
            man.close()
    report.seconds = time.perf_counter() - t0
    return report
