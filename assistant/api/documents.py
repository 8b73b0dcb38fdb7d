"""GET /v1/documents and GET /v1/documents/{doc_id}: what the citations point into.

A document's `text` is the cleaned text: every citation's `quote` equals `text[start:end]`. It comes with its
metadata, the blocks cleaning removed (offsets in the source file's text, and the reason), its chunks' offsets and the syndicated copies
(`also_in`). Responses carry an ETag; `If-None-Match` gives 304 while the document is unchanged.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from assistant.api.access import OtherCaller, rate_headers
from assistant.api.errors import ApiError
from assistant.api.schemas import ERRORS
from kernel.errors import NotFoundError

router = APIRouter(tags=["documents"])
META = ("title", "publisher", "author", "published", "url", "language")


def _etag(*parts: object) -> str:
    return '"' + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:20] + '"'


def _fresh(request: Request, etag: str) -> bool:
    return etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]


def _removal(r) -> dict:
    """A block cleaning removed: where it was in the source file's text, and why."""
    if isinstance(r, dict):
        return r
    start, end, reason = r
    return {"raw_start": start, "raw_end": end, "reason": reason}


@router.get("/v1/documents", responses=ERRORS, summary="The indexed documents")
def list_documents(request: Request, who: OtherCaller, limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
                   offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    """Metadata of the indexed documents (id, title, publisher, author, published, url, chunks), by id."""
    index = request.app.state.service.require(refresh=True).index
    version = index.corpus_version
    etag = _etag("list", version, limit, offset)
    headers = {"ETag": etag, "Cache-Control": "no-cache", **rate_headers(request)}
    if _fresh(request, etag):
        return Response(status_code=304, headers=headers)
    docs = sorted(index.documents(), key=lambda d: d["doc_id"])
    page = [{"doc_id": d["doc_id"], **{k: d.get(k) for k in META if k in d}, "chunks": d.get("chunks")}
            for d in docs[offset:offset + limit]]
    return JSONResponse({"documents": page, "total": len(docs), "offset": offset, "corpus_version": version},
                        headers=headers)


@router.get("/v1/documents/{doc_id:path}", responses=ERRORS, summary="One document: metadata and cleaned text")
def get_document(doc_id: str, request: Request, who: OtherCaller) -> Response:
    """Metadata, cleaned `text` (citations are `text[start:end]`), `removed` blocks with reasons, `pages`,
    `chunks` (offsets and syndicated copies) and `also_in` (documents sharing a passage with this one)."""
    index = request.app.state.service.require(refresh=True).index
    try:
        doc = index.document(doc_id)
    except NotFoundError:
        raise ApiError(404, f"no document {doc_id!r} in the index (GET /v1/documents lists them)", "not_found",
                       param="doc_id") from None
    etag = _etag("doc", doc_id, doc.get("content_hash"), doc.get("ingested_at"), index.corpus_version)
    headers = {"ETag": etag, "Cache-Control": "no-cache", **rate_headers(request)}
    if _fresh(request, etag):
        return Response(status_code=304, headers=headers)
    chunks = [{"chunk_id": c["chunk_id"], "start": c["start"], "end": c["end"], "page": c.get("page"),
               "also_in": c.get("also_in") or []} for c in index.chunks(doc_id=doc_id)]
    meta = doc.get("meta") or {}
    body = {"doc_id": doc["doc_id"], **{k: meta.get(k) for k in META},
            "metadata": meta, "source": doc.get("source"), "format": doc.get("fmt"),
            "content_hash": doc.get("content_hash"), "ingested_at": doc.get("ingested_at"),
            "also_in": sorted({d for c in chunks for d in c["also_in"]}),
            "text": doc.get("text") or "", "removed": [_removal(r) for r in doc.get("removed") or []],
            "pages": doc.get("pages"),
            "chunks": chunks, "corpus_version": index.corpus_version}
    return JSONResponse(body, headers=headers)
