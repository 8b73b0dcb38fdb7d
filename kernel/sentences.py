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
        offsets = _ascii_offsets(body)
        if offsets is None:
            _, offsets = blingfire.text_to_sentences_and_offsets(body)
        for s, e in offsets or [(0, len(body))]:
            piece = body[s:e]
            lead, trail = len(piece) - len(piece.lstrip()), len(piece.rstrip())
            if trail > lead:
                spans.append((line.start() + s + lead, line.start() + s + trail))
    return tuple(_rewrapped(text, spans))


def _ascii_offsets(body: str) -> list[tuple[int, int]] | None:
    """blingfire's `text_to_sentences_and_offsets(body)[1]` for an ASCII text, without its Python loop over every byte
    (a byte offset is a character offset there): the same C call, the same buffers, the same spans, ~5x less CPU.
    None for a text that is not plain ASCII or offsets this does not expect: the caller then asks blingfire."""
    if not body.isascii() or "\x00" in body:
        return None
    from ctypes import byref, c_char_p, c_int, c_int32, create_string_buffer

    import blingfire

    raw = body.encode("ascii")
    out = create_string_buffer(len(raw) * 2)
    size = len(out)
    starts, ends = (c_int32 * size)(), (c_int32 * size)()
    n = blingfire.blingfire.TextToSentencesWithOffsets(c_char_p(raw), c_int(len(raw)), byref(out), byref(starts),
                                                       byref(ends), c_int(size))
    if n == -1 or n > size:
        return []
    count = out.value.count(b"\n") + 1
    spans = [(starts[i], min(ends[i] + 1, len(raw))) for i in range(count)]
    flat = [x for span in spans for x in span]
    if any(b < a for a, b in zip(flat, flat[1:], strict=False)) or flat[0] < 0 or ends[count - 1] + 1 > len(raw) \
            or any(ends[i] + 1 >= len(raw) for i in range(count - 1)):
        return None  # blingfire's own mapping treats these differently: let it
    return spans


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
