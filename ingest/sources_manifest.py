"""Document metadata given by hand: the `sources.csv` manifest and Markdown front matter."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.models import DocMeta
from kernel.errors import InputError

MANIFEST_NAME = "sources.csv"
META_FIELDS = ("title", "publisher", "author", "published", "url", "language")
_ALIASES = {"date": "published", "lang": "language", "source": "url", "site": "publisher", "sitename": "publisher"}


# a month written out, a day and a 4-digit year ("May 2025" alone would invent a day)
_WRITTEN = re.compile(r"^(?=.*\b[A-Za-z]{3,}\.?\b)(?=.*\b\d{4}\b)(?=.*\b\d{1,2}(?:st|nd|rd|th)?\b)[\w ,.]+$")


def iso_date(value: str | None) -> str | None:
    """`YYYY-MM-DD` from an ISO date or datetime string, or from a date with its month written out ("May 20, 2025",
    "20 May 2025", read by python-dateutil; "2 juin 2025", "3. M\u00e4rz 2025" in the languages of
    `ingest.textmeta.parse_date`); None otherwise (numeric forms such as 05/06/2025 are ambiguous)."""
    if not value:
        return None
    head = value.strip()[:10]
    try:
        if len(head) == 10 and head[4] == "-":
            return dt.date.fromisoformat(head).isoformat()
    except ValueError:
        return None
    if not _WRITTEN.match(value.strip()):
        from ingest.textmeta import parse_date  # deferred: textmeta loads babel's month names

        return parse_date(value.strip()) if len(value.strip()) <= 40 else None
    from dateutil import parser as dates

    try:
        return dates.parse(value.strip(), default=dt.datetime(1, 1, 1)).date().isoformat()
    except (ValueError, OverflowError):
        from ingest.textmeta import parse_date

        return parse_date(value.strip())


def date_problem(values: dict[str, str | None]) -> str | None:
    """A one-line reason when `values` (as `meta_from_mapping` takes them) give a published date (`published` or
    `date`) that `iso_date` cannot read, else None."""
    for key, raw in values.items():
        name = _ALIASES.get(key.strip().lower(), key.strip().lower())
        if name == "published" and isinstance(raw, str) and raw.strip() and iso_date(raw) is None:
            return (f"{key.strip()} {raw.strip()!r} is not a date this reads (write YYYY-MM-DD, or the month in words: "
                    "2 June 2025); the document has no date from it")
    return None


def meta_from_mapping(values: dict[str, str | None]) -> DocMeta:
    """A DocMeta from loose `key -> value` pairs (aliases such as `date` accepted, blanks and bad dates dropped)."""
    out: dict[str, str | None] = {}
    for key, raw in values.items():
        name = _ALIASES.get(key.strip().lower(), key.strip().lower())
        value = raw.strip() if isinstance(raw, str) else None
        if name in META_FIELDS and value and out.get(name) is None:
            out[name] = iso_date(value) if name == "published" else value
    return DocMeta(**out)


def canonical_meta(meta: DocMeta) -> bytes:
    """Stable bytes for a DocMeta's `META_FIELDS`, folded into content hashes so metadata edits trigger re-ingest."""
    values = {name: getattr(meta, name) for name in META_FIELDS}
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


_FIELD = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s?(.*)$")


def _plain_fields(lines: list[str]) -> dict[str, str] | None:
    """Front matter that YAML refuses only because a value holds ": " (an unquoted title such as "Export rules: what
    changed"), read as one `field: value` per line, the value after the first colon, outer quotes removed; None
    when a line is not of that form or a value opens with YAML syntax (then the front matter is reported, not guessed
    at)."""
    out: dict[str, str] = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _FIELD.match(line)
        value = m.group(2).strip() if m else ""
        if not m or value[:1] in tuple("[{&*!|>%@`"):  # YAML syntax gone wrong, not a plain value: report it
            return None
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[m.group(1)] = value
    return out or None


FRONT_MATTER_CLOSE = ("---", "...")


def front_matter(text: str) -> tuple[str, int] | None:
    """The front matter at the start of `text`: `(inner, end)`, the lines between the fences (without the last
    newline) and the offset just past the closing fence's line; None when there is none.

    The one definition used by Markdown reading (`split_front_matter`) and by cleaning (`ingest.clean`, which marks
    those lines as removed): the first line is `---` (a byte-order mark before it and spaces around it allowed), and
    the block ends at the first later line that is `---` or `...` (spaces around allowed). Without a closing line
    there is no front matter."""
    pos = 1 if text.startswith("\ufeff") else 0
    nl = text.find("\n", pos)
    if nl < 0 or text[pos:nl].strip() != "---":
        return None
    inner_start = start = nl + 1
    while True:
        nl = text.find("\n", start)
        end = len(text) if nl < 0 else nl
        if text[start:end].strip() in FRONT_MATTER_CLOSE:
            return text[inner_start:start].removesuffix("\n"), end if nl < 0 else end + 1
        if nl < 0:
            return None
        start = nl + 1


def split_front_matter(text: str) -> tuple[DocMeta, str, str | None]:
    """Front matter (`front_matter`: between leading `---` lines, closed by `---` or `...`) read as YAML into a
    DocMeta, the text that follows it, and a one-line problem when the front matter is not a YAML mapping (its
    metadata is then not used; the text still starts after it). Without a closing line there is no front matter: the
    text is returned whole.

    YAML is read with PyYAML's BaseLoader, the safe loader that builds only strings, lists and mappings and ignores
    tags (never a Python object); every scalar stays the text written (`language: no` is Norwegian, not False;
    `date: 2025-05-14` is the string `meta_from_mapping` checks)."""
    found = front_matter(text)
    if found is None:
        return DocMeta(), text, None
    inner, end = found
    body = text[end:].lstrip("\n")
    try:
        values = yaml.load(inner, Loader=yaml.BaseLoader)
    except yaml.YAMLError as e:
        plain = _plain_fields(inner.split("\n"))  # "title: Export rules: what changed": YAML refuses, the author meant it
        if plain is not None:
            problem = date_problem(plain)
            return meta_from_mapping(plain), body, None if problem is None else f"front matter {problem}"
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 2}: " if mark is not None else ""  # + 2: the opening `---` is line 1
        reason = getattr(e, "problem", None) or e.__class__.__name__
        return DocMeta(), body, f"front matter is not valid YAML ({where}{reason}); its metadata is not used"
    if values is None:
        return DocMeta(), body, None
    if not isinstance(values, dict):
        return DocMeta(), body, "front matter is not a mapping of `field: value` lines; its metadata is not used"
    fields = {str(k): v if isinstance(v, str) else None for k, v in values.items()}
    problem = date_problem(fields)
    return meta_from_mapping(fields), body, None if problem is None else f"front matter {problem}"


def _norm_key(name: str) -> str:
    """A manifest `file` cell as a POSIX path relative to the manifest's directory."""
    key = name.strip().replace("\\", "/")
    while key.startswith("./"):
        key = key[2:]
    return key


@dataclass(frozen=True)
class Manifest:
    """Rows of a `sources.csv`, keyed by `file` (relative to the manifest's directory)."""

    rows: dict[str, DocMeta] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    """One line per row whose published date cannot be read ("row for c.txt: published '14.05.2025' is not …")."""

    def meta_for(self, rel: str) -> DocMeta | None:
        """The manifest metadata for the file at POSIX path `rel`, or None when it has no row."""
        return self.rows.get(_norm_key(rel))


def parse_manifest(data: bytes) -> Manifest:
    """Parse `sources.csv` bytes; empty cells are None, first row wins; a `published` date that cannot be read is not
    used and is named in `Manifest.problems`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{MANIFEST_NAME}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})") from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in reader.fieldnames or ()]
        if "file" not in header:
            raise InputError(f"{MANIFEST_NAME}: no 'file' column (columns: file,{','.join(META_FIELDS)})")
        reader.fieldnames = header
        rows: dict[str, DocMeta] = {}
        problems: list[str] = []
        for row in reader:
            key = _norm_key(row.get("file") or "")
            if key and key not in rows:
                fields = {k: v for k, v in row.items() if k and k != "file"}
                rows[key] = meta_from_mapping(fields)
                problem = date_problem(fields)
                if problem:
                    problems.append(f"row for {key}: {problem}")
    except csv.Error as e:
        raise InputError(f"{MANIFEST_NAME}: malformed CSV ({e})") from None
    return Manifest(rows, tuple(problems))


_CACHE: dict[Path, tuple[tuple[int, int], Manifest]] = {}


def read_manifest(root: Path) -> Manifest:
    """The `sources.csv` in directory `root` (an empty Manifest when there is none); raises InputError if unreadable."""
    path = root / MANIFEST_NAME
    try:
        st = path.stat()
    except FileNotFoundError:
        return Manifest()
    except OSError as e:
        raise InputError(f"{MANIFEST_NAME}: cannot read ({e.strerror})") from None
    key, stamp = path.resolve(), (st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        manifest = parse_manifest(path.read_bytes())
    except OSError as e:
        raise InputError(f"{MANIFEST_NAME}: cannot read ({e.strerror})") from None
    _CACHE[key] = (stamp, manifest)
    return manifest
