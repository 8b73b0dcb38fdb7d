"""The one sentence splitter: `sentences(text)` gives the `[start, end)` spans of its sentences (blingfire, never
across a line break, hard-wrapped lines joined back), and `is_code(line)` tells a line of code or configuration from
prose. Ingest chunks by these sentences (ingest.chunk, ingest.units, ingest.dedupe) and the assistant quotes,
verifies and names by them, so a sentence is the same thing on both sides.

A change here changes chunks and evidence units: bump ingest.chunk.CHUNKER_VERSION (it is in the index's shaping,
so the next ingest rebuilds) and ingest.units.UNITS_VERSION.
"""

from __future__ import annotations

import re
from functools import lru_cache

_LINE = re.compile(r"[^\n]+")


def sentences(text: str) -> list[tuple[int, int]]:
    """`[start, end)` spans of the sentences of `text` (blingfire): never across a line break, whitespace trimmed."""
    return list(_sentences(text))


@lru_cache(maxsize=16384)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    import blingfire

    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        body = line.group()
        if not body.strip():
            continue
        _, offsets = blingfire.text_to_sentences_and_offsets(body)
        for s, e in offsets or [(0, len(body))]:
            piece = body[s:e]
            lead, trail = len(piece) - len(piece.lstrip()), len(piece.rstrip())
            if trail > lead:
                spans.append((line.start() + s + lead, line.start() + s + trail))
    return tuple(_rewrapped(text, spans))


_WRAPPED = re.compile(r"[ \t]*\n[ \t]*")
_CODE = re.compile(r"^\s*(?:export\s+|set\s+)?[A-Za-z_][\w.-]*\s*=|`|[{};]\s*$|^\s*[$#>]\s"
                   r"|^\s*[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)+\s*:(?:\s|$)"  # YAML/INI key: "retry_limit: 4"
                   r"|^\s*[a-z][a-z0-9]*:\s+\S+\s*$")  # "timeout: 30s": a lower-case key and a one-word value


def is_code(line: str) -> bool:
    """A line of code or configuration ("export SCREEN_MODE=strict", "`--dry-run`", "retries: 3;",
    "retry_limit: 4", "timeout: 30s"), not prose: never joined to the next line as a hard-wrapped sentence."""
    return bool(_CODE.search(line))
_GAP = re.compile(r"\s*\n\s*\n?\s*")  # a line break, or a blank line a cleaner put where a wrapped line broke
# a line ending in a word no sentence ends with ("… a value of more than" / "USD 25,000 must be reported") goes on
_DANGLING = re.compile(r"\b(?:than|of|to|the|a|an|and|or|with|in|for|by|at|on|from|as|that|which|under|over|more|"
                       r"less|within|without|per|between|including|such|is|are|was|were|be|must|may|shall|will|not)$",
                       re.I)


def _rewrapped(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences of hard-wrapped text joined back across a single line break: a line that ends without closing
    punctuation, followed by one that starts in lower case or with a digit ("…escalated to Export Compliance within"
    + "2 business days of receipt."), or that ends in a word no sentence ends with ("… a value of more than" +
    "USD 25,000 must be reported"), is one sentence, as it was written."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out:
            ps, pe = out[-1]
            gap = text[pe:s]
            dangling = bool(_DANGLING.search(text[ps:pe]))
            if (_WRAPPED.fullmatch(gap) or (dangling and _GAP.fullmatch(gap))) and \
                    not (is_code(text[ps:pe]) or is_code(text[s:e])) and \
                    not re.search(r"[.!?:;”\")\]]$", text[ps:pe]) and \
                    (text[s:s + 1].islower() or text[s:s + 1].isdigit() or dangling):
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out
