"""Evidence units of a chunk: its sentences (`kernel.sentences`), a sentence that points back ("This…", "The
company also…") or is very short joined to the one before it on its line, one list item one unit, a record's
`Label: value` lines one unit, Markdown markup that opens a line left out.

`unit_spans(text)` gives them as offsets into `text`. They are a pure function of the text, so ingest stores them
with each chunk (`encode`, the manifest's `units` column) and the read side hands them back (`remember`) instead of
splitting the text again on every question that retrieves it; a stored value from another `UNITS_VERSION` (or none,
in an index built before the column) is ignored and the text is split as before.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache

UNITS_VERSION = 1  # change it whenever `_split` would give other spans: stored spans of another version are not used
_BACKREF = re.compile(r"^[\"“‘(]?(this|that|these|those|it|its|they|their|he|his|she|her|such|the (company|firm|"
                      r"move|agency|department|bureau|guidance|rule|statement|report|chips?)|both|also|however|but|"
                      r"meanwhile|additionally|in addition|the latter|the former)\b", re.I)
_MIN_WORDS = 4
_MARKUP = re.compile(r"^(?:#{1,6}\s+|>\s*|[*_]{1,3}(?=\w)|[-*•]\s+)+")
_FIELD = re.compile(r"^(?:\*\*|__)?[A-Z][\w’'()/.&-]*(?: [\w’'()/.&-]+){0,4}(?::(?:\*\*|__)?|(?:\*\*|__):)\s+\S")   # "Holder: Kestrel Microsystems"
_RECORD_LINES = 12
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
STORED = 16384  # spans handed back by the read side, remembered by text (then forgotten all at once)
_stored: dict[str, tuple[tuple[int, int], ...]] = {}
_stored_lock = threading.Lock()

Spans = tuple[tuple[int, int], ...]


def unit_spans(text: str) -> Spans:
    """The unit spans of `text`, as offsets into it: the stored ones when the read side has handed them back
    (`remember`), else split now (and cached: the chunks retrieved are split again on other questions)."""
    got = _stored.get(text)
    return got if got is not None else _split(text)


def encode(text: str) -> str:
    """What ingest stores for a chunk's text: `[UNITS_VERSION, start, end, start, end, ...]` as JSON."""
    return json.dumps([UNITS_VERSION, *(x for span in _split(text) for x in span)], separators=(",", ":"))


def decode(stored: str | None) -> Spans | None:
    """The spans `encode` stored, or None when there are none or they are of another `UNITS_VERSION`."""
    if not stored:
        return None
    flat = json.loads(stored)
    if not flat or flat[0] != UNITS_VERSION:
        return None
    return tuple(zip(flat[1::2], flat[2::2], strict=True))


def remember(text: str, stored: str | None) -> None:
    """Keep the spans stored with a chunk (`encode`) for `unit_spans(text)`; nothing when they cannot be used."""
    spans = decode(stored)
    if spans is None or _stored.get(text) is not None:
        return
    with _stored_lock:
        if len(_stored) >= STORED:
            _stored.clear()
        _stored[text] = spans


@lru_cache(maxsize=16384)
def _split(text: str) -> Spans:
    from kernel.sentences import sentences

    spans: list[list[int]] = []
    for s, e in sentences(text):
        lead = _MARKUP.match(text[s:e])
        if lead:
            s += lead.end()
        if s >= e:
            continue
        piece = text[s:e]
        short = len(piece.split()) < _MIN_WORDS
        same_line = bool(spans) and "\n" not in text[spans[-1][0]:e]
        line_start = text.rfind("\n", 0, s) + 1
        in_item = same_line and bool(_BULLET.match(text[line_start:s]))  # one list item is one unit
        if spans and (_BACKREF.match(piece) or short or in_item) and same_line:
            spans[-1][1] = e
        else:
            spans.append([s, e])
    for a, b in records(text):  # a record's fields quote together, whatever the sentence splitter made of them
        inside = [sp for sp in spans if sp[0] < b and sp[1] > a]
        if inside:
            merged = [min(a, inside[0][0]), max(b, inside[-1][1])]
            spans = [sp for sp in spans if sp not in inside]
            spans.append(merged)
    spans.sort()
    return tuple((s, e) for s, e in spans)


def records(text: str, run: int = 3) -> list[tuple[int, int]]:
    """Spans of `text` that are records: at least `run` consecutive `Label: value` lines (blank lines between
    them allowed), at most _RECORD_LINES."""
    out, start, end, count, pos = [], None, None, 0, 0
    for line in text.split("\n") + [None]:
        if line is not None and _FIELD.match(line.strip()) and count < _RECORD_LINES:
            start = pos if start is None else start
            end, count = pos + len(line), count + 1
        elif line is None or line.strip() or count >= _RECORD_LINES:
            if count >= run:
                out.append((start, end))
            start, end, count = (None, None, 0)
        pos += (len(line) + 1) if line is not None else 0
    return out
