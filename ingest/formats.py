"""One reader per file format: bytes in, extracted text and metadata out, InputError for unreadable input."""

from __future__ import annotations

import io
import json
import logging
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from ingest.errors import InputError
from ingest.models import DocMeta, Page
from ingest.sources_manifest import iso_date, meta_from_mapping, split_front_matter

log = logging.getLogger(__name__)

PAGE_SEP = "\n\n"
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")
_BINARY_SAMPLE = 65536
_BINARY_RATIO = 0.05
_JUNK_PDF_META = {"untitled", "unknown", "none", "null", "anonymous", "administrator", "admin", "user", "owner"}
_JUNK_PDF_SUFFIXES = (".doc", ".docx", ".pdf", ".tex", ".dvi", ".ps", ".rtf", ".indd", ".qxd")


@dataclass(frozen=True)
class Parsed:
    """One document read from a file: its text, metadata, PDF pages; `key`/`raw` identify a JSONL record."""

    text: str
    meta: DocMeta = DocMeta()
    pages: tuple[Page, ...] = ()
    key: str | None = None
    raw: bytes | None = None


Reader = Callable[[bytes], tuple[list[Parsed], list[str]]]


def decode_text(data: bytes) -> str:
    """UTF-8 text without BOM and with `\\n` line ends; InputError for binary or non-UTF-8 bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text is not supported (save the file as UTF-8)")
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    sample = data[:_BINARY_SAMPLE]
    if b"\x00" in data or sum(sample.count(c) for c in _CONTROL) > _BINARY_RATIO * len(sample):
        raise InputError("binary content in a text file")
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = skip + e.start
        raise InputError(f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _require_text(text: str, what: str = "file") -> str:
    """`text`, or InputError when it holds nothing but whitespace."""
    if not text.strip():
        raise InputError(f"empty {what} (whitespace only)")
    return text


def read_txt(data: bytes) -> tuple[list[Parsed], list[str]]:
    """A plain-text file, as is."""
    return [Parsed(_require_text(decode_text(data)))], []


def read_markdown(data: bytes) -> tuple[list[Parsed], list[str]]:
    """A Markdown file; leading `---` front matter becomes metadata and is removed from the text."""
    meta, body = split_front_matter(decode_text(data))
    if not body.strip():
        raise InputError("no text after the front matter")
    return [Parsed(body, meta)], []


def read_html(data: bytes) -> tuple[list[Parsed], list[str]]:
    """An HTML page: trafilatura's main text (recall-leaning, tables kept, no comments) and page metadata."""
    import trafilatura

    try:
        content: str | bytes = decode_text(data)
    except InputError as e:
        if not str(e).startswith("not valid UTF-8"):
            raise
        content = data  # another charset: trafilatura detects it from the page
    try:
        doc = trafilatura.bare_extraction(
            content, with_metadata=True, favor_recall=True, include_comments=False, include_tables=True,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except (ValueError, TypeError, LookupError) as e:
        raise InputError(f"unreadable HTML ({type(e).__name__}: {e})") from None
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise InputError("no article text found in HTML")
    meta = meta_from_mapping({
        "title": doc.title, "author": doc.author, "published": iso_date(doc.date),
        "publisher": doc.sitename, "url": doc.url, "language": _html_lang(content) or doc.language,
    })
    return [Parsed(text, meta)], []


def _html_lang(content: str | bytes) -> str | None:
    """The primary language subtag of `<html lang=...>`, if any."""
    from trafilatura.utils import load_html

    tree = load_html(content)
    lang = (tree.get("lang") or "") if tree is not None else ""
    return lang.split("-")[0].strip().lower() or None


def _pdf_meta_value(value: object) -> str | None:
    """A PDF info string, or None when it is junk (placeholder, file name, symbol glyphs)."""
    if not isinstance(value, str):
        return None
    text = "".join(c for c in value if unicodedata.category(c) not in ("Co", "Cc", "Cf")).strip()
    if sum(c.isalnum() for c in text) < 2 or text.lower() in _JUNK_PDF_META:
        return None
    if text.lower().endswith(_JUNK_PDF_SUFFIXES) or text.lower().startswith("microsoft word -"):
        return None
    return text


def read_pdf(data: bytes) -> tuple[list[Parsed], list[str]]:
    """A PDF: page texts joined by a blank line, a Page span per page, title/author from the info dict."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise InputError("corrupt PDF: no %PDF header (not a PDF file?)")
    broken = (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, zlib.error)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise InputError("encrypted PDF (needs a password)")
            except (FileNotDecryptedError, DependencyError, NotImplementedError) as e:
                raise InputError(f"encrypted PDF (cannot decrypt: {e})") from None
        pages = list(reader.pages)
        info = reader.metadata or {}
    except broken as e:
        raise InputError(f"corrupt PDF: {_short(e)}") from None
    if not pages:
        raise InputError("corrupt PDF: no pages")
    problems: list[str] = []
    texts: list[str] = []
    for number, page in enumerate(pages, 1):
        try:
            texts.append((page.extract_text() or "").replace("\x00", ""))
        except broken as e:
            problems.append(f"page {number}: text not extractable ({_short(e)})")
            texts.append("")
    if not any(t.strip() for t in texts):
        if problems and len(problems) == len(pages):
            raise InputError(f"corrupt PDF: {problems[0]}")
        raise InputError("no extractable text (scanned PDF?)")
    spans, pos = [], 0
    for number, t in enumerate(texts, 1):
        spans.append(Page(number=number, start=pos, end=pos + len(t)))
        pos += len(t) + len(PAGE_SEP)
    meta = DocMeta(title=_pdf_meta_value(info.get("/Title")), author=_pdf_meta_value(info.get("/Author")))
    return [Parsed(PAGE_SEP.join(texts), meta, tuple(spans))], problems


def _short(e: BaseException) -> str:
    """A one-line, bounded description of a library exception."""
    msg = " ".join(str(e).split()) or type(e).__name__
    return msg if len(msg) <= 120 else msg[:117] + "..."


def _record(line: str, seen: dict[str, int], lineno: int) -> Parsed:
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
    return Parsed(text.replace("\r\n", "\n"), meta, key=rid, raw=raw)


def read_jsonl(data: bytes) -> tuple[list[Parsed], list[str]]:
    """JSON Lines of `{"_id", "text", "title"?}`: good records, and a `line N: reason` per bad one."""
    docs: list[Parsed] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(decode_text(data).split("\n"), 1):
        if not line.strip():
            continue
        try:
            docs.append(_record(line, seen, lineno))
        except InputError as e:
            problems.append(f"line {lineno}: {e}")
    if not docs:
        first = f" ({problems[0]}{f'; {len(problems) - 1} more' if len(problems) > 1 else ''})" if problems else ""
        raise InputError(f"no valid JSONL records{first}")
    return docs, problems


READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("txt", read_txt),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".pdf": ("pdf", read_pdf),
    ".jsonl": ("jsonl", read_jsonl),
}
