"""Evidence units read with their neighbours: the sentence after a unit, two units read as one, and the unit that
holds a claim an earlier answer quoted.

A date or a speaker is often in the sentence after the one that states the fact ("The Commerce Department issued
guidance stating … . The agency's Bureau of Industry and Security said on Tuesday (May 13) that …"), and a
follow-up ("When did they say it?") refers to the claim the last answer quoted. Offsets are document offsets, as
in `Unit`; two joined units are one verbatim span of their chunk.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.models import Hit, Unit


def following(u: Unit, units: list[Unit]) -> Unit | None:
    """The unit of `units` that comes right after `u` in the same chunk (only white space between), or None."""
    h = u.hit
    for v in units:
        if v.hit.chunk_id == h.chunk_id and v.start >= u.end and not h.text[u.end - h.start:v.start - h.start].strip():
            return v
    return None


def preceding(u: Unit, units: list[Unit]) -> Unit | None:
    """The unit of `units` that comes right before `u` in the same chunk (only white space between), or None."""
    h = u.hit
    for v in units:
        if v.hit.chunk_id == h.chunk_id and v.end <= u.start and not h.text[v.end - h.start:u.start - h.start].strip():
            return v
    return None


def joined(u: Unit, v: Unit) -> Unit:
    """`u` and the unit `v` after it as one unit (its relevance `u`'s): the verbatim text from `u`'s start to `v`'s
    end. Raises ValueError when `v` is not in `u`'s chunk after it."""
    h = u.hit
    if v.hit.chunk_id != h.chunk_id or v.start < u.end:
        raise ValueError("only a unit and one after it in the same chunk can be joined")
    return replace(u, end=v.end, text=h.text[u.start - h.start:v.end - h.start])


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def holding(claim: str, units: list[Unit]) -> Unit | None:
    """The first unit of `units` whose text holds the opening of `claim` (its first 60 characters, spacing and case
    aside), or whose whole text `claim` holds; None when none does."""
    want = _flat(claim)[:60]
    if len(want) < 20:
        return None
    for u in units:
        text = _flat(u.text)
        if want in text or (len(text) >= 20 and text in _flat(claim)):
            return u
    return None


def next_chunk(hit: Hit, hits) -> Hit | None:
    """The chunk of `hit`'s document that starts right where `hit` ends (up to two characters of whitespace after
    it), among `hits` (the retrieved chunks); None when it was not retrieved. A list or a record line may run on
    into it."""
    return next((x for x in hits if x.doc_id == hit.doc_id and 0 <= x.start - hit.end <= 2), None)
