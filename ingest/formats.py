"""One reader per file format: bytes in, extracted text and metadata out, InputError for unreadable input.

`READERS` maps a file suffix to its reader. Text, Markdown and JSONL are read here; HTML, PDF and Word documents by
their own modules (`ingest.html_text`, `ingest.pdf_text`, `ingest.docx_text`), imported when a file of theirs is
read (their libraries are heavy, and `READER_VERSION` is read on the answering side). Every reader returns
`ingest.models.Parsed`, so those modules never import this one.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ingest.charset import decode_text
from ingest.models import Parsed
from ingest.sources_manifest import meta_from_mapping, split_front_matter
from kernel.errors import InputError

Reader = Callable[..., tuple[list[Parsed], list[str]]]
"""`reader(data, **options)`: the documents in a file's bytes and a reason per part left out; InputError when none.
The only option so far is `pdf_extractor` (PDF readers); other readers ignore options."""


def _require_text(text: str, what: str = "file") -> str:
    """`text`, or InputError when it holds nothing but whitespace."""
    if not text.strip():
        raise InputError(f"empty {what} (whitespace only)")
    return text


def read_txt(data: bytes, **options) -> tuple[list[Parsed], list[str]]:
    """A plain-text file, as is, in whatever common encoding it was saved (`ingest.charset`)."""
    text, encoding = decode_text(data)
    return [Parsed(_require_text(text), encoding=encoding)], []


def read_markdown(data: bytes, **options) -> tuple[list[Parsed], list[str]]:
    """A Markdown file; leading `---` front matter (YAML) becomes metadata and is removed from the text. Front matter
    that is not valid YAML is reported (the document is still read, without its metadata)."""
    text, encoding = decode_text(data)
    meta, body, problem = split_front_matter(text)
    if not body.strip():
        raise InputError("no text after the front matter")
    return [Parsed(body, meta, encoding=encoding)], [problem] if problem else []


def _record(line: str, seen: dict[str, int], lineno: int, encoding: str | None = None) -> Parsed:
    """One JSONL line as a record; InputError naming what is wrong with it."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON ({e.msg})") from None
    if not isinstance(rec, dict):
        raise InputError(f"not a JSON object (got {type(rec).__name__})")
    rid, text = rec.get("_id"), rec.get("text")
    if not isinstance(rid, str) or not rid.strip():
        raise InputError('missing string "_id"')
    if not isinstance(text, str) or not text.strip():
        raise InputError('missing or empty string "text"')
    if rid in seen:
        raise InputError(f"duplicate _id {rid!r} (also line {seen[rid]})")
    seen[rid] = lineno
    meta = meta_from_mapping({k: v for k, v in rec.items() if isinstance(v, str) and k not in ("_id", "text")})
    raw = json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return Parsed(text.replace("\r\n", "\n"), meta, key=rid, raw=raw, encoding=encoding)


def read_jsonl(data: bytes, **options) -> tuple[list[Parsed], list[str]]:
    """JSON Lines of `{"_id", "text", "title"?}`: good records, and a `line N: reason` per bad one."""
    docs: list[Parsed] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    text, encoding = decode_text(data)
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            docs.append(_record(line, seen, lineno, encoding))
        except InputError as e:
            problems.append(f"line {lineno}: {e}")
    if not docs:
        first = f" ({problems[0]}{f'; {len(problems) - 1} more' if len(problems) > 1 else ''})" if problems else ""
        raise InputError(f"no valid JSONL records{first}")
    return docs, problems


def read_html(data: bytes, **options) -> tuple[list[Parsed], list[str]]:
    """An HTML page (see `ingest.html_text`)."""
    from ingest.html_text import read_html as read

    return read(data)


def read_pdf(data: bytes, pdf_extractor: str = "pdfminer", **options) -> tuple[list[Parsed], list[str]]:
    """A PDF read with the named extractor (see `ingest.pdf_text`)."""
    from ingest.pdf_text import read_pdf as read

    return read(data, pdf_extractor)


def read_docx(data: bytes, **options) -> tuple[list[Parsed], list[str]]:
    """A Word document (see `ingest.docx_text`)."""
    from ingest.docx_text import read_docx as read

    return read(data)


READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("txt", read_txt),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".pdf": ("pdf", read_pdf),
    ".docx": ("docx", read_docx),
    ".jsonl": ("jsonl", read_jsonl),
}
READER_VERSION = "7"  # 5: short Windows-1252 memos not read as Mac Roman; python-docx's template author ignored
# 6: a PDF's /CreationDate is passed on as `created`; 7: a heading with an identifier atop every PDF page kept on page 1
"""Bumped when a reader's output changes (PDF extractor, reflow, header/footer removal, HTML, DOCX): part of the
index's shaping, so the next ingest rebuilds instead of mixing texts read two ways."""
