"""Ingest: raw articles -> cleaned, chunked, deduplicated, embedded passages in Chroma + BM25."""
