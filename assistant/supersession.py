"""Which indexed documents a newer one says it supersedes: "MEMO EC-2025-014 (Revision 2) … This revision supersedes
Revision 1 of 2 June 2025." makes Revision 1 an old version, whose rules no longer decide a verdict.

A document B supersedes a document A when B states it ("supersedes …", "replaces …", "this revision cancels …"),
A and B share a record identifier in their titles or opening lines ("EC-2025-014"), A is not newer than B, and the
reference after the verb names A: its revision label ("Revision 1", "Rev. 1", "Version 1"), its date ("2 June 2025",
compared as dates, python-dateutil), or its own identifier. A document with no identifier of its own must name the
old one two of these ways ("supersedes Revision 1 of 2 June 2025"). Nothing is guessed from dates alone: two memos
that merely share a number are two documents, and a contradiction between them stays a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.engines.threshold import dates_in
from assistant.names import sentences

# "This revision supersedes …", "It replaces …", "cancels and replaces …"; not "is superseded by …" (said of itself)
_SUPERSEDES = re.compile(r"\b(?:supersedes|replaces|cancels and replaces|"
                         r"cancels|withdraws)\s+(?P<ref>[^.;]{3,160})", re.I)
_IDENTIFIER = re.compile(r"\b[A-Z]{1,6}[-/ ]?\d{2,4}(?:[-/.]\d{1,6})+\b", re.I)
_REVISION = re.compile(r"\b(?:revision|rev\.?|version|edition|issue)\s*(?:no\.?\s*)?(\d{1,3}|[IVX]{1,4})\b", re.I)


@dataclass(frozen=True)
class Supersession:
    """`old` (a doc_id) is superseded by `new`, which says so in `quote` (verbatim, a sentence of `new`'s chunk
    `chunk_id`, at document offsets `start`..`end`)."""

    old: str
    new: str
    quote: str
    chunk_id: str
    start: int
    end: int


def _opening(doc_id: str, meta: dict, text: str) -> str:
    """A document's id (its file name), title and first 300 characters: where its identifier and revision label
    stand."""
    return f"{doc_id}\n{meta.get('title') or ''}\n{text[:300]}"


def _names(ref: str, meta: dict, opening: str, shared: set[str]) -> int:
    """How many ways the reference `ref` (the words after "supersedes") names the document of `meta`/`opening`:
    its revision label, its date, its own identifier (0 to 3)."""
    labels = {m.group(1).upper() for m in _REVISION.finditer(opening)}
    published = str(meta.get("published") or "")[:10]
    return (bool(labels & {m.group(1).upper() for m in _REVISION.finditer(ref)})
            + bool(published and published in {d.isoformat() for d, _, _ in dates_in(ref)})
            + bool((_identifiers(opening) - shared) & _identifiers(ref)))


def _identifiers(text: str) -> set[str]:
    """The record identifiers in `text`, upper-cased ("ec-2025-014" in a file name is "EC-2025-014")."""
    return {re.sub(r"[-/ ]", "-", i.upper()) for i in _IDENTIFIER.findall(text)}


def find(docs: dict[str, dict], chunks: Iterable[dict], openings: dict[str, str]) -> dict[str, Supersession]:
    """The superseded documents, by doc_id, each with the document that supersedes it and the sentence saying so.

    `docs`: {doc_id: metadata with title and published (ISO date or empty)}; `chunks`: chunk rows (doc_id, chunk_id,
    start, text) to look for "supersedes" in (only those that contain a superseding verb are read further);
    `openings`: {doc_id: the first few hundred characters of its cleaned text}."""
    out: dict[str, Supersession] = {}
    heads = {d: _opening(d, m, openings.get(d, "")) for d, m in docs.items()}
    ids = {d: _identifiers(h) for d, h in heads.items()}
    for row in chunks:
        new, text = row["doc_id"], row["text"]
        if not _SUPERSEDES.search(text):
            continue
        for sent in sentences(text):
            for m in _SUPERSEDES.finditer(sent):
                for old, meta in docs.items():
                    shared = ids[new] & ids.get(old, set())
                    newer = str(docs[new].get("published") or "")
                    if old == new or (ids[new] and not shared) or old in out or str(meta.get("published") or "") > newer:
                        continue
                    # one match under a shared identifier; without an identifier of its own ("This revision
                    # supersedes Revision 1 of 2 June 2025"), the reference must name the old version two ways
                    if _names(m.group("ref"), meta, heads[old], shared) >= (1 if shared else 2):
                        at = row["start"] + text.find(sent)
                        out[old] = Supersession(old, new, sent.strip(), row["chunk_id"], at, at + len(sent.strip()))
    return out
