"""A text as verification compares it: quote marks dropped, each run of white space one space, with the offset of
every kept character in the original (so a quote found in the squashed text maps back to document offsets)."""

from __future__ import annotations

import re
from array import array
from functools import lru_cache

from assistant.markers import QUOTES

_RUNS = re.compile(r"[" + QUOTES + r"]|\s+|[^\s" + QUOTES + r"]+")  # a quote mark, a run of space, a run of the rest


@lru_cache(maxsize=1024)
def squash(text: str) -> tuple[str, array]:
    """`text` without quote marks and with runs of white space as one space, and each kept character's offset
    (an unsigned int array: read it, never change it). Cached (at most 1,024 texts, ~5 KB per 1,000 characters):
    the same passages are squashed for every claim checked against them, question after question."""
    out: list[str] = []
    at = array("I")
    space = True  # at the start, as after a space: leading white space is dropped
    for m in _RUNS.finditer(text):
        run = m.group()
        if run[0] in QUOTES:
            continue
        if run[0].isspace():
            if not space:
                out.append(" ")
                at.append(m.start())
                space = True
            continue
        out.append(run)
        at.extend(range(m.start(), m.end()))
        space = False
    return "".join(out), at
