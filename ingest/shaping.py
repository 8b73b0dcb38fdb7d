"""What shapes the index: the settings and code versions (reader, cleaner, chunker, tokenizer, dedupe) whose
change means a rebuild, never a mix of old and new chunks, and their hash.

Ingest records the hash in the manifest and on the vector store's collection and rebuilds when it changes; the
answering side puts the same dictionary into every answer's `settings_hash`, so an answer names how the index it
was read from was built. The versions are read where they are defined, on first use (importing this module loads
none of the ingest pipeline).
"""

from __future__ import annotations

import hashlib
import json

from kernel.settings import Settings


def shaping(settings: Settings) -> dict:
    """What shapes the index under `settings`: a change here means a rebuild, never a mix of old and new chunks."""
    from ingest.chunk import CHUNKER_VERSION
    from ingest.clean import CLEANER_VERSION
    from ingest.dedupe import DEDUPE_VERSION
    from ingest.formats import READER_VERSION
    from kernel.tokens import TOKENIZER_VERSION

    return {
        "reader": READER_VERSION,
        "pdf_extractor": settings.ingest.pdf_extractor,
        "embed_model": settings.embed.model,
        "chunker": CHUNKER_VERSION,
        "chunk": settings.chunk.model_dump(),
        "cleaner": CLEANER_VERSION,
        "clean": settings.clean.model_dump(),
        "dedupe": settings.dedupe.model_dump(),
        "tokenizer": TOKENIZER_VERSION,
        "dedupe_version": DEDUPE_VERSION,
        "hnsw": {"m": settings.store.hnsw_m, "ef_construction": settings.store.hnsw_ef_construction},
    }


def shaping_hash(settings: Settings) -> str:
    """The shaping of `settings` as a short hash (12 hex digits), recorded with the index it built."""
    return hashlib.sha256(json.dumps(shaping(settings), sort_keys=True).encode()).hexdigest()[:12]
