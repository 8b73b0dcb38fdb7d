"""Audit export and import: JSON Lines or CSV, one answer per line / row, its feedback inside.

Columns are those of the `answers` table plus `feedback`; times are UTC ISO 8601 with microseconds; in CSV the
structured columns (history, filters, citations, warnings, timings_ms, feedback) are JSON text. `response` is the
exact body the user received. An export imported into an empty log and exported again gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta

from assistant.api.audit_schema import ANSWER_COLUMNS
from kernel.errors import InputError

COLUMNS = [*ANSWER_COLUMNS, "feedback"]
STRUCTURED = {"history", "filters", "citations", "warnings", "timings_ms", "feedback"}
FORMATS = ("jsonl", "csv")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def to_record(row: dict) -> dict:
    """An audit row as plain JSON values, in column order."""
    out = {c: row.get(c) for c in COLUMNS}
    out["created_at"] = _iso(row["created_at"])
    out["feedback"] = [{**f, "created_at": _iso(f["created_at"])} for f in row.get("feedback") or []]
    return out


def from_record(rec: dict, where: str) -> dict:
    """A row from an exported record; InputError naming `where` when a field is missing or malformed."""
    missing = [c for c in ("request_id", "created_at", "endpoint", "question", "response") if not rec.get(c)]
    if missing:
        raise InputError(f"{where}: missing {', '.join(missing)}")
    try:
        row = {c: rec.get(c) for c in COLUMNS}
        row["created_at"] = parse_time(rec["created_at"])
        row["feedback"] = [{**f, "created_at": parse_time(f["created_at"])} for f in rec.get("feedback") or []]
    except (TypeError, KeyError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None
    row["history"] = row["history"] or []
    return row


def parse_time(value: str) -> datetime:
    """An ISO 8601 time; without an offset it is UTC. ValueError if malformed."""
    t = datetime.fromisoformat(value)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def parse_bound(value: str | None, *, end: bool = False) -> datetime | None:
    """A `--since` / `--until` bound: a date (its start; for `--until`, the day after it, so the day is included)
    or a full ISO time. InputError if malformed."""
    if not value:
        return None
    try:
        if len(value) == 10:
            d = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            return datetime.combine(d, time(), tzinfo=UTC)
        return parse_time(value)
    except ValueError:
        raise InputError(f"bad date {value!r}: use YYYY-MM-DD or an ISO time like 2026-05-14T09:30:00Z") from None


def write(rows: Iterable[dict], out: io.TextIOBase, fmt: str) -> int:
    """Write rows to `out` as `fmt` (jsonl or csv); returns how many."""
    n = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(to_record(row), ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
        return n
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        rec = to_record(row)
        writer.writerow({k: (json.dumps(v, ensure_ascii=False, separators=(",", ":")) if k in STRUCTURED
                             else _cell(v)) for k, v in rec.items()})
        n += 1
    return n


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read(inp: io.TextIOBase, fmt: str, name: str) -> Iterator[dict]:
    """Rows from an export (jsonl or csv); InputError names the line or row of the first bad record."""
    if fmt == "jsonl":
        for i, line in enumerate(inp, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{name} line {i}: not JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{name} line {i}: not a JSON object")
            yield from_record(rec, f"{name} line {i}")
        return
    reader = csv.DictReader(inp)
    if reader.fieldnames is None or "request_id" not in reader.fieldnames:
        raise InputError(f"{name}: not an audit CSV export (no request_id column)")
    for i, raw in enumerate(reader, 2):
        rec: dict = {}
        try:
            for k, v in raw.items():
                if k in STRUCTURED:
                    rec[k] = json.loads(v) if v else None
                elif k in ("stream", "abstained", "delivered"):
                    rec[k] = {"true": True, "false": False}.get(v)
                elif k == "status":
                    rec[k] = int(v) if v else None
                else:
                    rec[k] = v if v != "" else None
        except (json.JSONDecodeError, ValueError) as exc:
            raise InputError(f"{name} row {i}: {exc}") from None
        yield from_record(rec, f"{name} row {i}")
