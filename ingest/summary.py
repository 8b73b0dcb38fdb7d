"""Plain-text renderings of an ingest report and of the indexed documents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.settings import Settings


def format_report(r, paths: Sequence[Path], settings: Settings) -> str:
    where = ", ".join(str(p) for p in paths)
    lines = [
        f"Ingested {where} into {settings.index_dir}{' (rebuilt)' if r.rebuilt else ''} in {r.seconds:.2f} s",
        f"  documents: {len(r.added)} added, {len(r.updated)} updated, {len(r.removed)} removed, "
        f"{len(r.unchanged)} unchanged, {len(r.skipped)} skipped",
        f"  chunks:    {r.chunks} in the index, {r.chunks_embedded} embedded this run; "
        f"{r.duplicate_chunks} also carried by another document (syndicated copies)",
        f"  corpus version: {r.corpus_version}",
    ]
    if r.repaired:
        lines.append(f"  repaired after an interrupted run: {', '.join(r.repaired)}")
    if r.removed:
        lines.append(f"  removed: {', '.join(r.removed)}")
    if r.skipped:
        lines.append("Skipped (not ingested):")
        lines += [f"  {s.source}: {s.reason}" for s in r.skipped]
    return "\n".join(lines)


def format_documents(docs: list[dict]) -> str:
    if not docs:
        return "The index holds no documents. Add files to corpus/ and run `python -m ingest`."
    rows = [("id", "title", "publisher", "published", "chunks")]
    rows += [(d["doc_id"], (d["title"] or "")[:60], d["publisher"] or "-", d["published"] or "-", str(d["chunks"]))
             for d in docs]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def format_document(doc: dict) -> str:
    meta = doc["meta"] or {}
    head = [f"{k}: {v}" for k, v in meta.items() if v]
    out = [f"# {doc['doc_id']}  ({doc['source']})", *head, "", doc["text"], "", f"## {len(doc['chunks'])} chunks"]
    for c in doc["chunks"]:
        extra = f"  also in: {', '.join(c['also_in'])}" if c["also_in"] else ""
        page = f" p.{c['page']}" if c["page"] else ""
        out.append(f"[{c['ordinal']}] {c['start']}-{c['end']}{page}{extra}\n    {c['text']}")
    if doc.get("removed"):
        out.append(f"\n## removed by cleaning: {len(doc['removed'])} spans")
        out += [f"  {a}-{b}: {why}" for a, b, why in doc["removed"]]
    return "\n".join(out)
