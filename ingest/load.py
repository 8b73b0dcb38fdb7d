"""Load stage: find the source files under the given paths and read each into SourceDocs, skipping bad ones.

A bad file never stops a load: `load` reports it as a `Skipped` with a one-line reason and goes on.
Metadata precedence: the `sources.csv` row in the root directory wins over what the file itself says
(front matter, HTML meta, PDF info), which only fills the fields the row leaves empty. For JSONL the
record's own fields win and the row (for the whole file) fills the rest. Sizes are in MiB.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from ingest.formats import READERS
from ingest.models import LoadResult, Skipped, SourceDoc
from ingest.sources_manifest import MANIFEST_NAME, Manifest, canonical_meta, read_manifest
from kernel.errors import InputError

_FILE_DATE = {"md": "front matter", "jsonl": "JSONL record", "html": "HTML page"}  # where a file's own date is read
SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".jsonl")
MIB = 1024 * 1024
_LIMIT_SETTING = "GROUNDED_INGEST__MAX_FILE_MB"


def limit_bytes(max_file_mb: float) -> int:
    """The `max_bytes` for a `max_file_mb` setting (MiB)."""
    return int(max_file_mb * MIB)


def _rel(path: Path, root: Path) -> str:
    """`path` relative to `root` as a POSIX string (the file name when it is not under `root`)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _doc_id(rel: str) -> str:
    """The document id of a file: its relative path without the extension."""
    return str(PurePosixPath(rel).with_suffix(""))


def _unsupported(path: Path) -> str | None:
    """Why `path` cannot be loaded for its name alone, or None when its type is supported."""
    if path.name == MANIFEST_NAME:
        return f"metadata manifest ({MANIFEST_NAME}), not a document"
    ext = path.suffix.lower()
    if ext in SUPPORTED:
        return None
    kind = f"file type {ext}" if ext else "file type (no extension)"
    return f"unsupported {kind} (supported: {', '.join(SUPPORTED)})"


def _walk(root: Path) -> list[Path]:
    """Files under `root`, recursively, sorted by relative path, without hidden entries or the manifest."""
    files: list[Path] = []
    for current, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(Path(current) / n for n in names if not n.startswith(".") and n != MANIFEST_NAME)
    return sorted(files, key=lambda f: _rel(f, root))


def discover(paths: Sequence[Path]) -> tuple[list[tuple[Path, Path]], list[Skipped]]:
    """Expand files and directories into `(file, root)` pairs, and Skipped for missing or unsupported paths."""
    found: list[tuple[Path, Path]] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            candidates = [(f, given) for f in _walk(given)]
        elif given.is_file():
            candidates = [(given, given.parent)]
        else:
            reason = "not a regular file" if given.exists() else "no such file or directory"
            skipped.append(Skipped(str(given), reason))
            continue
        for file, root in candidates:
            reason = _unsupported(file)
            if reason:
                skipped.append(Skipped(_rel(file, root), reason))
            elif file.resolve() not in seen:
                seen.add(file.resolve())
                found.append((file, root))
    return found, skipped


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; size is checked with stat before anything is read."""
    try:
        size = path.stat().st_size
        if size == 0:
            raise InputError("empty file")
        if size > max_bytes:
            raise InputError(_too_big(size, max_bytes))
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError("no such file or directory") from None
    except OSError as e:
        raise InputError(f"cannot read ({e.strerror or type(e).__name__})") from None
    if not data:
        raise InputError("empty file")
    if len(data) > max_bytes:
        raise InputError(_too_big(len(data), max_bytes))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    """The reason for a file over the size limit."""
    return f"file is {size / MIB:.1f} MB, over the {max_bytes / MIB:g} MB limit ({_LIMIT_SETTING})"


def load_file_report(
    path: Path, root: Path, max_bytes: int, manifest: Manifest | None = None, pdf_extractor: str = "pdfminer"
) -> tuple[list[SourceDoc], list[Skipped]]:
    """The documents in one file, and a Skipped per part left out (bad JSONL line, unreadable PDF page).

    Raises InputError with a one-line reason when the file yields no document. `manifest` defaults to
    the `sources.csv` in `root`; `pdf_extractor` names the PDF extractor (`ingest.pdf_layout.EXTRACTORS`).
    """
    reason = _unsupported(path)
    if reason:
        raise InputError(reason)
    rel = _rel(path, root)
    data = _read_bytes(path, max_bytes)
    fmt, reader = READERS[path.suffix.lower()]
    parsed, problems = reader(data, pdf_extractor=pdf_extractor)
    row = (manifest if manifest is not None else read_manifest(root)).meta_for(rel)
    docs: list[SourceDoc] = []
    for p in parsed:
        meta = p.meta if row is None else (p.meta.filled_from(row) if p.key else row.filled_from(p.meta))
        if meta.published and not meta.published_from:
            from_row = row is not None and row.published == meta.published and not (p.key and p.meta.published)
            meta = replace(meta, published_from=MANIFEST_NAME if from_row else _FILE_DATE.get(fmt, "file metadata"))
        digest = hashlib.sha256(p.raw if p.raw is not None else data)
        if row is not None:
            digest.update(b"\x00" + MANIFEST_NAME.encode() + b"\x00" + canonical_meta(row))
        docs.append(SourceDoc(
            doc_id=p.key if p.key is not None else _doc_id(rel),
            source=f"{rel}#{p.key}" if p.key is not None else rel,
            fmt=fmt, text=p.text, meta=meta, content_hash=digest.hexdigest(), pages=p.pages,
            encoding=p.encoding, dropped=p.dropped, created=p.created,
        ))
    return docs, [Skipped(rel, problem) for problem in problems]


def load_file(path: Path, root: Path, max_bytes: int, pdf_extractor: str = "pdfminer") -> list[SourceDoc]:
    """The documents in one file (InputError when it yields none); see `load_file_report` for skipped parts."""
    return load_file_report(path, root, max_bytes, pdf_extractor=pdf_extractor)[0]


def load(paths: Sequence[Path], max_bytes: int, pdf_extractor: str = "pdfminer") -> LoadResult:
    """Load every supported file under `paths`; a bad file never raises: it goes to `skipped` and `failed`."""
    pairs, skipped = discover(paths)
    docs: list[SourceDoc] = []
    origins: list[str] = []
    failed: set[str] = set()
    owners: dict[str, str] = {}
    manifests: dict[Path, Manifest] = {}
    for path, root in pairs:
        if root not in manifests:
            try:
                manifests[root] = read_manifest(root)
                skipped.extend(Skipped(str(root / MANIFEST_NAME), p) for p in manifests[root].problems)
            except InputError as e:
                skipped.append(Skipped(str(root / MANIFEST_NAME), f"{e}; its metadata is not used"))
                manifests[root] = Manifest()
        try:
            got, problems = load_file_report(path, root, max_bytes, manifests[root], pdf_extractor)
        except InputError as e:
            skipped.append(Skipped(_rel(path, root), str(e)))
            failed.add(str(path.resolve()))
            continue
        except Exception as e:  # a reader library failing in an unforeseen way: skip the file, never crash the run
            skipped.append(Skipped(_rel(path, root), f"unreadable ({e.__class__.__name__}: {str(e)[:120]})"))
            failed.add(str(path.resolve()))
            continue
        skipped.extend(problems)
        for doc in got:
            if doc.doc_id in owners:
                reason = f"duplicate document id {doc.doc_id!r} (also {owners[doc.doc_id]})"
                skipped.append(Skipped(doc.source, reason))
                continue
            owners[doc.doc_id] = doc.source
            docs.append(doc)
            origins.append(str(path.resolve()))
    return LoadResult(docs=tuple(docs), skipped=tuple(skipped), origins=tuple(origins), failed=frozenset(failed))
