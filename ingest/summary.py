"""Plain-text renderings of an ingest report and of the indexed documents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.charset import label
from kernel.settings import Settings


def _tail(r) -> list[str]:
    """The lines every report ends with: encodings used, removed documents still on disk, orphaned documents."""
    lines = []
    if r.encodings:
        lines.append("  decoded from another encoding than UTF-8: "
                     + ", ".join(f"{d} ({label(e)})" for d, e in sorted(r.encodings.items())))
    for doc_id, path in sorted(r.still_on_disk.items()):
        lines.append(f"  note: {doc_id}'s file {path} still exists: ingesting its folder adds it again")
    if r.orphans:
        lines.append(f"  {len(r.orphans)} indexed document(s) whose file is gone (outside the paths ingested): "
                     + ", ".join(sorted(r.orphans)) + "; remove with `python -m ingest remove DOC_ID`")
    return lines


def format_report(r, paths: Sequence[Path], settings: Settings) -> str:
    where = ", ".join(str(p) for p in paths)
    lines = [
        f"Ingested {where} into {settings.index_dir}{' (rebuilt)' if r.rebuilt else ''} in {r.seconds:.2f} s",
        f"  documents: {len(r.added)} added, {len(r.updated)} updated, {len(r.removed)} removed, "
        f"{len(r.unchanged)} unchanged, {len(r.skipped)} skipped; {r.documents} in the index",
        f"  chunks:    {r.chunks} in the index, {r.chunks_embedded} embedded this run; "
        f"{r.duplicate_chunks} also carried by another document (syndicated copies)",
        f"  corpus version: {r.corpus_version}",
    ]
    if r.repaired:
        lines.append(f"  repaired after an interrupted run: {', '.join(r.repaired)}")
    lines += [f"  repaired: {note}" for note in getattr(r, "damaged", [])]
    if r.removed:
        lines.append(f"  removed: {', '.join(r.removed)}")
    lines += _tail(r)
    if r.skipped:
        lines.append("Skipped, in whole or in part:")
        lines += [f"  {s.source}: {s.reason}" for s in r.skipped]
    return "\n".join(lines)


def format_removal(r, settings: Settings) -> str:
    """The report of `python -m ingest remove`."""
    lines = [f"Removed {', '.join(r.removed)} from {settings.index_dir} in {r.seconds:.2f} s",
             f"  the index holds {r.documents} documents, {r.chunks} chunks; corpus version: {r.corpus_version}"]
    return "\n".join(lines + _tail(r))


def format_documents(docs: list[dict]) -> str:
    if not docs:
        return "The index holds no documents. Add files to corpus/ and run `python -m ingest`."
    rows = [("id", "title", "publisher", "published", "chunks")]
    rows += [(d["doc_id"], (d["title"] or "")[:60], d["publisher"] or "-", d["published"] or "-", str(d["chunks"]))
             for d in docs]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _dropped_line(d: dict) -> str:
    page = f" (p.{d['page']})" if d.get("page") else ""
    return f"{d['reason']}{page}: {d['text']}"


def format_document(doc: dict) -> str:
    meta = doc["meta"] or {}
    head = [f"{k}: {v}" for k, v in meta.items() if v]
    head.append(f"format: {doc['fmt']}" + (f", encoding: {label(doc['encoding'])}" if doc.get("encoding") else ""))
    out = [f"# {doc['doc_id']}  ({doc['source']})", *head, "", doc["text"], "", f"## {len(doc['chunks'])} chunks"]
    for c in doc["chunks"]:
        extra = f"  also in: {', '.join(c['also_in'])}" if c["also_in"] else ""
        last = (c.get("pages") or [[None, c["page"]]])[-1][1]
        page = (f" p.{c['page']}" + (f"-{last}" if last != c["page"] else "")) if c["page"] else ""
        out.append(f"[{c['ordinal']}] {c['start']}-{c['end']}{page}{extra}\n    {c['text']}")
    if doc.get("dropped"):
        out.append(f"\n## left out by the {doc['fmt'].upper()} reader: {len(doc['dropped'])}")
        out += [f"  {_dropped_line(d)}" for d in doc["dropped"]]
    if doc.get("removed"):
        out.append(f"\n## removed by cleaning: {len(doc['removed'])} spans")
        out += [f"  {a}-{b}: {why}" for a, b, why in doc["removed"]]
    return "\n".join(out)
