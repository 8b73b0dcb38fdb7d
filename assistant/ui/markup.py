"""Escaping and naming shared by the UI's HTML: `esc` (every text from a document, a question or an answer goes
through it before it is put into HTML, attributes included), `safe_url` (links only for http(s) URLs), and how a
source and its date are named (`source_name`, `date_of`)."""

from __future__ import annotations

import html
from urllib.parse import urlparse


def esc(value: object) -> str:
    """Text → HTML text (quotes escaped too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def date_of(value: str | None) -> str:
    return value or "date not given"


def source_name(c: dict) -> str:
    """How a citation's source is named: publisher, else title, else document id."""
    return c.get("publisher") or c.get("title") or c.get("doc_id") or "source"


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None (no `javascript:` or `data:` links from metadata)."""
    if not url:
        return None
    try:
        scheme = urlparse(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None
