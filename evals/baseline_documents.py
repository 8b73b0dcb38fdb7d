"""What the baseline reads: its input files (`source_files`), the PDF reader mirroring llama-index's PDFReader
(`pdf_reader`) and the llama-index Documents with the raw text they index (`load_documents`). Split out of
evals/baseline.py; `evals.baseline` re-exports the public names."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

SKIP = frozenset({"sources.csv"})  # the product's metadata manifest, not a document
PART_SEP = "\n\n"  # between the Documents of one file (PDF pages): baseline_doc_text joins them with it
RICH_FORMATS = frozenset({".pdf", ".docx", ".pptx", ".ppt", ".pptm", ".epub", ".hwp", ".ipynb", ".xls", ".xlsx"})


def source_files(sources: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """(file, product doc id) for every input: a directory gives its non-hidden files (not recursive, as
    SimpleDirectoryReader; `sources.csv` skipped), id = the name without its extension."""
    out = []
    for src in map(Path, sources):
        if src.is_dir():
            files = sorted(p for p in src.iterdir() if p.is_file() and not p.name.startswith(".") and p.name not in SKIP)
        elif src.is_file():
            files = [src]
        else:
            raise FileNotFoundError(f"baseline source {src} does not exist")
        out.extend((p.resolve(), p.stem) for p in files)
    return out


@functools.cache
def _pdf_reader_class():
    from llama_index.core import Document
    from llama_index.core.readers.base import BaseReader

    class PdfPages(BaseReader):
        """What llama-index's PDFReader does by default (llama-index-readers-file is not installed, so it is
        mirrored here): one Document per page, text from pypdf's `page.extract_text()`, metadata `page_label`
        (the 1-based page number, as a string) and `file_name`, plus SimpleDirectoryReader's `extra_info`."""

        def load_data(self, file, extra_info: dict | None = None, fs=None) -> list:
            import pypdf

            path = Path(file)
            with (fs.open(str(path), "rb") if fs is not None else path.open("rb")) as f:
                pdf = pypdf.PdfReader(f)
                docs = []
                for i, page in enumerate(pdf.pages):
                    metadata = {"page_label": str(i + 1), "file_name": path.name, **(extra_info or {})}
                    docs.append(Document(text=page.extract_text(), metadata=metadata))
            return docs

    return PdfPages


def pdf_reader():
    """The `.pdf` reader given to SimpleDirectoryReader (`PdfPages`, mirroring llama-index's PDFReader)."""
    return _pdf_reader_class()()


def _page(node) -> int | None:
    """The 1-based PDF page a node came from (its `page_label`); None when unpaged or not a number."""
    label = str((node.metadata or {}).get("page_label") or "")
    return int(label) if label.isdigit() else None


def _needs_file_readers(files: list[tuple[Path, str]]) -> None:
    """SimpleDirectoryReader reads a Word file (EPUB, ...) as bytes-as-text unless llama-index-readers-file is
    installed: say so instead of indexing garbage. PDFs are read by `pdf_reader()`."""
    rich = sorted({p.suffix.lower() for p, _ in files} & (RICH_FORMATS - {".pdf"}))
    if rich:
        try:
            import llama_index.readers.file  # noqa: F401
        except ImportError:
            raise RuntimeError(f"the baseline reads {', '.join(rich)} files with llama-index-readers-file, which "
                               "is not installed (pip install llama-index-readers-file)") from None


def load_documents(files: list[tuple[Path, str]]) -> tuple[list, dict[str, str], dict[str, tuple[str, int]]]:
    """(llama-index Documents, {doc id: raw text indexed}, {Document id: (doc id, offset of its text there)}).
    One SimpleDirectoryReader reads every file; a file read as several Documents (PDF pages) is one baseline
    document whose text is theirs joined with PART_SEP."""
    from llama_index.core import Document, SimpleDirectoryReader

    docs, texts, parts = [], {}, {}
    for path, _ in files:
        if path.suffix.lower() != ".jsonl":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            rid = str(rec["_id"])
            docs.append(Document(id_=rid, text=rec["text"], metadata={"title": rec.get("title", ""), "_id": rid},
                                 excluded_embed_metadata_keys=["_id"], excluded_llm_metadata_keys=["_id"]))
            texts[rid], parts[rid] = rec["text"], (rid, 0)
    plain = {str(p): doc_id for p, doc_id in files if p.suffix.lower() != ".jsonl"}
    if not plain:
        return docs, texts, parts
    _needs_file_readers(files)
    pieces: dict[str, list[str]] = {}
    reader = SimpleDirectoryReader(input_files=list(plain), filename_as_id=True, file_extractor={".pdf": pdf_reader()})
    for d in reader.load_data():
        fp = d.metadata.get("file_path", "")
        doc_id = plain.get(fp) or plain[str(Path(fp).resolve())]
        done = pieces.setdefault(doc_id, [])
        parts[d.id_] = (doc_id, sum(len(t) + len(PART_SEP) for t in done))
        done.append(d.text)
        docs.append(d)
    texts.update({doc_id: PART_SEP.join(ps) for doc_id, ps in pieces.items()})
    return docs, texts, parts
