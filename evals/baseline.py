"""The baseline: the standard LlamaIndex recipe over the same documents, answering in the product's shape.

The recipe (issue 4): SimpleDirectoryReader on the raw files (ads, banners and all: nothing is cleaned),
SentenceSplitter with its defaults (1,024 tiktoken tokens, 200 overlap), a VectorStoreIndex on its own Chroma
collection with the product's embedding model, similarity top-k 2, and CitationQueryEngine with the product's LLM
when one is given; retrieval only when not (the answer is then the two retrieved chunks, each cited).

A `.jsonl` corpus of {"_id", "title", "text"} records (ClapNQ) gets the recipe's equivalent: one llama-index
`Document` per record (id `_id`, the title as metadata). SimpleDirectoryReader would read the whole file as one
document, which no one would do and which would make passage retrieval meaningless.

PDFs are read as llama-index's PDFReader reads them by default (one `Document` per page, pypdf's
`page.extract_text()`, metadata `page_label` = the 1-based page number and `file_name`), by `PdfPages`, a small
reader that mirrors it: llama-index-readers-file, where PDFReader lives, is not installed (it would downgrade
pypdf). The other rich formats (Word, EPUB, ...) still need that package and are refused with a clear error.
Retrieved chunks and citations carry the page of the page-Document they came from (`ranked_pages`, `page`).

Models are always passed explicitly: llama-index's global `Settings.llm` / `Settings.embed_model` are never set
or read, so no default (OpenAI) model is ever created. The index lives under its work directory (e.g.
`<home>/suites/baseline-golden`), never the product's, and is reused while the inputs and settings are unchanged.

This module holds the recipe itself (`Baseline`: its index, retrieval and answers); evals/system_builders.py
builds one over any suite's declared corpus (`Suite.corpus`), so nothing here names a suite. The models live in
evals/baseline_models.py and the reading of files in evals/baseline_documents.py (both re-exported here).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from evals.baseline_documents import PART_SEP, RICH_FORMATS, SKIP, _page, load_documents, pdf_reader, source_files
from evals.baseline_models import as_llama_index_llm, bundled_embedding

__all__ = ["COLLECTION", "PART_SEP", "RANK_K", "RECIPE_VERSION", "RICH_FORMATS", "SKIP", "TOP_K", "Baseline",
           "as_llama_index_llm", "bundled_embedding", "load_documents", "pdf_reader", "source_files"]

RECIPE_VERSION = 1
TOP_K = 2
COLLECTION = "baseline"
_SOURCE_PREFIX = re.compile(r"^Source \d+:\n")
_MARKER = re.compile(r"\[(\d+)\]")
_SOURCE_REF = re.compile(r"\[\s*Source\s+(\d+)\s*\]", re.I)  # small models write "[Source 3]" for "[3]"
_SOURCE_MENTION = re.compile(r"\bSource\s+(\d+)\b", re.I)  # "According to Source 3, ..."
RANK_K = 10  # the deeper top-k of `ranked` / `ranked_pages` (hit@5, MRR), beyond the recipe's 2


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _torch_threads(n: int) -> None:
    """Set torch's thread count when torch is loaded (one thread per query avoids contention on 2 cores)."""
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)


class Baseline:
    """The standard LlamaIndex recipe over `sources` (files, directories, `.jsonl` corpora), its Chroma index in
    `workdir`. `llm`: a product LLM (`assistant.llm.make_llm(...)`) or a llama-index LLM; None: retrieval only."""

    engine = "baseline"

    def __init__(self, sources: Sequence[str | Path], workdir: str | Path, *, embed_model=None, llm=None,
                 top_k: int = TOP_K, query_threads: int = 1) -> None:
        from llama_index.core.node_parser import SentenceSplitter

        self.workdir = Path(workdir)
        self.files = source_files(sources)
        self.embed_model = embed_model if embed_model is not None else bundled_embedding()
        self.splitter = SentenceSplitter()  # the recipe: its defaults
        self.top_k, self.query_threads = top_k, query_threads
        self._product_llm = llm
        self.llm = as_llama_index_llm(llm) if llm is not None else None
        self.mode = "llm" if self.llm is not None else "retrieval"
        self.reused = False
        self.index = self._open()
        self._engine = None

    # -- building ---------------------------------------------------------------------------------------------

    def fingerprint(self) -> dict:
        """What shapes the index: the input files (path, id, content hash), the embedding model, the splitter."""
        embed = f"{type(self.embed_model).__name__}:{getattr(self.embed_model, 'model_name', '?')}"
        return {"recipe": RECIPE_VERSION, "embed": embed,
                "splitter": {"chunk_size": self.splitter.chunk_size, "chunk_overlap": self.splitter.chunk_overlap},
                "files": [[str(p), doc_id, _sha256(p)] for p, doc_id in self.files]}

    def _collection(self, create: bool):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(self.workdir / "chroma"),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        if create:
            from chromadb.errors import NotFoundError

            with contextlib.suppress(NotFoundError, ValueError):  # absent collection: nothing to drop
                client.delete_collection(COLLECTION)
        # embedding_function=None: Chroma's default one (a model download) is never created; embeddings are passed
        return client.get_or_create_collection(COLLECTION, embedding_function=None)

    def _open(self):
        from llama_index.core import StorageContext, VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        meta_path, docs_path = self.workdir / "baseline.json", self.workdir / "documents.json"
        fp = self.fingerprint()
        try:
            stored = json.loads(meta_path.read_text()) if meta_path.exists() else None
        except ValueError:
            stored = None
        if stored is not None and stored.get("fingerprint") == fp and docs_path.exists():
            col = self._collection(create=False)
            if col.count() == stored.get("nodes"):
                saved = json.loads(docs_path.read_text(encoding="utf-8"))
                self.texts = saved["texts"]
                self.parts = {k: (v[0], v[1]) for k, v in saved["parts"].items()}
                self.nodes, self.reused = stored["nodes"], True
                return VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=col),
                                                          embed_model=self.embed_model)
        meta_path.unlink(missing_ok=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        docs, self.texts, self.parts = load_documents(self.files)
        col = self._collection(create=True)
        _torch_threads(os.cpu_count() or 1)
        index = VectorStoreIndex.from_documents(
            docs, storage_context=StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=col)),
            embed_model=self.embed_model, transformations=[self.splitter])
        self.nodes = col.count()
        docs_path.write_text(json.dumps({"texts": self.texts, "parts": self.parts}), encoding="utf-8")
        meta_path.write_text(json.dumps({"fingerprint": fp, "nodes": self.nodes}, indent=1))  # written last: complete
        return index

    # -- reading ----------------------------------------------------------------------------------------------

    def baseline_doc_text(self, doc_id: str) -> str | None:
        """The raw text the baseline indexed for a document (citations' start/end index it); None if unknown."""
        return self.texts.get(doc_id)

    def doc_ids(self) -> list[str]:
        """The ids of the documents the baseline indexed."""
        return list(self.texts)

    def _doc_of(self, node) -> tuple[str, int]:
        """(product doc id, offset of the node's Document text inside baseline_doc_text) of a retrieved node."""
        ref = node.ref_doc_id or ""
        return self.parts.get(ref, (ref, 0))

    def _retrieve(self, question: str, k: int) -> list:
        _torch_threads(self.query_threads)
        return self.index.as_retriever(similarity_top_k=k).retrieve(question)

    def ranked(self, question: str, k: int = RANK_K) -> list[str]:
        """Document ids in the order of the recipe's top-`k` chunks (first occurrence), for hit@k / MRR beyond 2."""
        return list(dict.fromkeys(self._doc_of(n.node)[0] for n in self._retrieve(question, k)))

    def ranked_pages(self, question: str, k: int = RANK_K) -> list[int]:
        """The 1-based PDF pages (`page_label`) of the recipe's top-`k` chunks in rank order, each page once
        (first occurrence), unpaged chunks skipped: the page ranking of the llama-datasets suites."""
        pages = (_page(n.node) for n in self._retrieve(question, k))
        return list(dict.fromkeys(p for p in pages if p is not None))

    def _citation(self, n: int, node, quote: str, start: int | None) -> dict:
        doc_id, offset = self._doc_of(node)
        if start is None:
            start, end = (node.start_char_idx or 0) + offset, (node.end_char_idx or 0) + offset
        else:
            end = start + len(quote)
        return {"id": n, "doc_id": doc_id, "quote": quote, "start": start, "end": end, "also_in": [],
                "page": _page(node)}

    # -- answering --------------------------------------------------------------------------------------------

    def ask(self, question: str, history: list[dict] | None = None) -> dict:
        """The recipe's answer in the product's /v1/ask shape (plus `retrieved`). The recipe is a query engine,
        not a chat engine: `history` is ignored, the question is asked alone. It never abstains."""
        t0 = time.perf_counter()
        hits = self._retrieve(question, self.top_k)
        t1 = time.perf_counter()
        retrieved = list(dict.fromkeys(self._doc_of(h.node)[0] for h in hits))
        if self.llm is None:
            cites, parts = [], []
            for i, h in enumerate(hits, start=1):
                quote = h.node.get_content()
                cites.append(self._citation(i, h.node, quote, None) | {"score": h.score})
                parts.append(f"{quote} [{i}]")
            text, sources, warnings = "\n\n".join(parts), cites, []
        else:
            text, cites, sources, warnings = self._synthesize(question, hits)
        t2 = time.perf_counter()
        return {"answer": text, "abstained": not text.strip(), "citations": cites, "sources": sources,
                "retrieved": retrieved, "engine": self.engine, "mode": self.mode, "warnings": warnings,
                "timings_ms": {"retrieve": (t1 - t0) * 1e3, "answer": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3}}

    @property
    def query_engine(self):
        """The recipe's CitationQueryEngine (built once), with the LLM passed explicitly."""
        if self._engine is None:
            from llama_index.core.query_engine import CitationQueryEngine

            self._engine = CitationQueryEngine.from_args(self.index, llm=self.llm, similarity_top_k=self.top_k)
        return self._engine

    def _synthesize(self, question: str, hits: list) -> tuple[str, list[dict], list[dict], list[str]]:
        """CitationQueryEngine's answer over the retrieved chunks (what `query()` does: split them into the
        numbered 512-token "Source n" chunks, then ask the LLM). Citations: the sources the answer names, read
        leniently in the recipe's favour: "[Source n]" becomes "[n]", and "Source n" in the text counts too."""
        from llama_index.core.schema import QueryBundle

        lock = getattr(self._product_llm, "_lock", None) or contextlib.nullcontext()
        with lock:
            response = self.query_engine.synthesize(QueryBundle(question), hits)
        raw = str(response.response or "").strip()
        text = "" if raw == "Empty Response" else _SOURCE_REF.sub(r"[\1]", raw)
        sources = []
        for i, sn in enumerate(response.source_nodes, start=1):
            quote = _SOURCE_PREFIX.sub("", sn.node.get_content()).rstrip("\n")
            sources.append(self._citation(i, sn.node, quote, self._locate(sn.node, quote, hits)) | {"score": sn.score})
        cited = {int(m) for m in _MARKER.findall(text)} | {int(m) for m in _SOURCE_MENTION.findall(text)}
        warnings = [f"[{n}] names no source" for n in sorted(cited - {c["id"] for c in sources})]
        return text, [c for c in sources if c["id"] in cited], sources, warnings

    def _locate(self, node, quote: str, hits: list) -> int | None:
        """Where a citation chunk starts in baseline_doc_text: searched inside its parent chunk's span first."""
        doc_id, offset = self._doc_of(node)
        text = self.texts.get(doc_id) or ""
        for h in hits:
            if h.node.ref_doc_id == node.ref_doc_id and h.node.start_char_idx is not None:
                at = text.find(quote, h.node.start_char_idx + offset, (h.node.end_char_idx or 0) + offset)
                if at >= 0:
                    return at
        at = text.find(quote)
        return at if at >= 0 else None

