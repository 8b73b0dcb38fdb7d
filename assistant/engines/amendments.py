"""A later document that changes what a passage states: the email of 7 May 2026 "From 1 May 2026, exceptions under
memo EC-2026-007 are granted in writing by Sofia Marchetti, Interim Chief Compliance Officer, and no longer by Marcus
Lindqvist." changes the memo's "Exceptions to these rules may be granted only by the Chief Compliance Officer, Marcus
Lindqvist, in writing." An answer quoting the memo's sentence alone would name someone who has left the company.

A passage B amends a passage A when B's document is another one, dated after A's; B says that something changed
(`CHANGE`: "no longer", "instead of", "with effect from", "from 1 May 2026", "has been replaced"); and B is about
what A states: it names a name or identifier A names ("Marcus Lindqvist", "EC-2026-007") and shares at least two
more of A's content words ("exceptions", "granted"). Nothing is inferred from dates alone: two documents that
merely disagree stay a conflict, shown side by side. Whole documents that say they supersede another are
assistant.supersession's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache

from assistant.engines.base import Context
from assistant.engines.corrections import correction
from assistant.engines.framing import flat, source
from assistant.models import Hit, Unit
from assistant.names import names_in
from assistant.terms import DAY_WRITTEN, RECORD_ID, STOP, WHO_ACTS, stem, stem_set
from kernel.sentences import sentences

# the words that say a statement changes an earlier one
CHANGE = re.compile(r"\bno longer\b|\binstead of\b|\bwith effect from\b|\beffective (?:from|as of|immediately)\b|"
                    rf"\b(?:from|as of|starting|since)\s+{DAY_WRITTEN}|\bha(?:s|ve) been (?:changed|amended|replaced|"
                    r"moved|reassigned|transferred)\b|\b(?:is|are) now\b|\bhas taken over\b|\btakes over\b", re.I)


def _published(u: Unit) -> str:
    return str(u.hit.meta.get("published") or "")


@lru_cache(maxsize=16384)
def _anchors(text: str) -> frozenset[str]:
    """The names and identifiers `text` writes ("Marcus Lindqvist", "EC-2026-007"), lower-cased. Cached: every short
    answer holds its passage against each amending sentence of the index."""
    ids = {m.group(0).lower() for m in RECORD_ID.finditer(text) if any(c.isdigit() for c in m.group(0))}
    return frozenset(ids | {n.lower() for n in names_in(text) if len(n) > 2})


def sentence_units(rows: Iterable[dict], docs: dict[str, dict], chunk: Callable[[str, dict], bool],
                   sentence: Callable[[str, dict], bool], spill: bool = False) -> tuple[Unit, ...]:
    """The sentences of the index's chunks that `sentence(text, meta)` keeps, as units (document offsets), reading
    only the chunks `chunk(text, meta)` keeps. `rows`: chunk rows (doc_id, chunk_id, start, end, text); `docs`:
    {doc_id: metadata}. With `spill`, a unit's hit runs on over the document's next chunk, so that what follows the
    sentence is read even across a chunk boundary (a decision, then "Conditions:" and its list in the next chunk).
    Used once when the index is opened, so that a passage is found even when its chunk was not among those
    retrieved."""
    rows = list(rows)
    after: dict[str, dict] = {}
    if spill:
        ordered = sorted(rows, key=lambda r: (r["doc_id"], r["start"]))
        after = {a["chunk_id"]: b for a, b in zip(ordered, ordered[1:], strict=False)
                 if a["doc_id"] == b["doc_id"] and 0 <= b["start"] - a["end"] <= 2}
    out: list[Unit] = []
    for row in rows:
        meta = docs.get(row["doc_id"], {})
        if not chunk(row["text"], meta):
            continue
        nxt = after.get(row["chunk_id"])
        text, end = (row["text"] + "\n" * (nxt["start"] - row["end"]) + nxt["text"], nxt["end"]) if nxt else \
            (row["text"], row["end"])
        hit = Hit(chunk_id=row["chunk_id"], doc_id=row["doc_id"], text=text, start=row["start"], end=end, score=0.0,
                  meta=meta)
        for a, b in sentences(row["text"]):
            said = row["text"][a:b].strip()
            if said and sentence(said, meta):
                at = row["start"] + row["text"].index(said, a)
                out.append(Unit(hit=hit, start=at, end=at + len(said), text=said))
    return tuple(out)


def collect(rows: Iterable[dict], docs: dict[str, dict]) -> tuple[Unit, ...]:
    """Every sentence of the index that could amend another: it says something changed (`CHANGE`), names a name or
    identifier, is no question reported (`_ASKED`), and its document has a date (only chunks the cue pattern matches
    are split)."""
    return sentence_units(rows, docs, lambda text, meta: bool(meta.get("published") and CHANGE.search(text)),
                          lambda text, _: bool(CHANGE.search(text) and _anchors(text) and not _ASKED.search(text)))


# a question reported, which changes nothing: "Logistics asked whether three pending shipments … can leave under a
# licence exception instead of a full licence determination …"
_ASKED = re.compile(r"\b(?:asked|asks|ask|queried|enquired|inquired|wondered|wants to know)\s+(?:us\s+)?(?:whether|if)\b",
                    re.I)


@lru_cache(maxsize=16384)
def _content(text: str) -> frozenset[str]:
    return frozenset(t for t in stem_set(text) if t not in STOP and not t.isdigit())


def amended(ctx: Context, v: Unit) -> Unit | None:
    """When `v` is itself an amending sentence (`ctx.amending`), the passage among the first 40 units it amends
    (an older document's, module docstring), so the answer can say what held before; else None."""
    if ctx.filtered or not any(a.hit.doc_id == v.hit.doc_id and a.start == v.start for a in ctx.amending):
        return None
    return next((u for u in ctx.units[:40] if not u.heading
                 and (a := amendment(ctx, u)) is not None and a.hit.doc_id == v.hit.doc_id), None)


def amendment(ctx: Context, u: Unit) -> Unit | None:
    """The sentence that amends `u` (module docstring): among the index's amending sentences (`ctx.amending`, all
    documents; none when filters narrowed the documents searched), the latest; None when none does or `u`'s
    document has no date."""
    when = _published(u)
    if not when or ctx.filtered:
        return None
    anchors = _anchors(u.text)
    words = _content(u.text) - {w for a in anchors for w in stem_set(a)}
    found = [v for v in ctx.amending if v.hit.doc_id != u.hit.doc_id and _published(v) > when
             and anchors & _anchors(v.text) and len(words & _content(v.text)) >= 2]
    return max(found, key=_published) if found else None


_NAMED = re.compile(r"(?:[A-Z][\w’'-]+\s+)*[A-Z][\w’'-]+(?:,\s+(?:[A-Z][\w’'-]+\s+)*[A-Z][\w’'-]+(?=[,.;]))?")


def new_name(u: Unit, v: Unit) -> str | None:
    """The first name amendment `v` writes that `u` does not, with the title written after it ("Sofia Marchetti,
    Interim Chief Compliance Officer"): who or what the change puts in place; None when it names no one new."""
    old = {n.lower() for n in names_in(u.text)}
    names = set(names_in(v.text))  # no month, no sentence's first word
    for m in _NAMED.finditer(v.text):
        head = m.group(0).split(",")[0].split()
        if all(w in names and w.lower() not in old for w in head) and not RECORD_ID.fullmatch(head[0]) and any(
                c.islower() for c in m.group(0)):  # a name, not an acronym ("ECCN", "BIS")
            return m.group(0)
    return None


def changed_for(ctx: Context) -> Unit | None:
    """For a who-question about a record it names by identifier ("Who can grant exceptions to memo EC-2026-007?"),
    the index's amending sentence that names the record and a new person and holds two of the question's other
    content words ("From 1 May 2026, exceptions under memo EC-2026-007 are granted … by Sofia Marchetti …"), so that
    the change is answered when retrieval ranked the record's own sentence and the change low (stop 25's trial: the
    circular's sentences about the memo filled the passages); None otherwise, or when filters narrowed the search."""
    q = ctx.question
    ids = {n.lower() for n in (*q.names, *q.context_names) if RECORD_ID.fullmatch(n) and any(c.isdigit() for c in n)}
    if q.kind != "person" or not ids or ctx.filtered:
        return None
    wanted = _content(q.ask or q.core) - {w for i in ids for w in stem_set(i)}
    verb = WHO_ACTS.match(q.ask or q.core)  # "Who can grant …?": the change must be about granting
    verb = stem(verb.group(1).lower()) if verb else None
    found = [v for v in ctx.amending if ids & _anchors(v.text) and len(wanted & _content(v.text)) >= 2
             and (verb is None or verb in _content(v.text)) and new_name(_NOBODY, v)]
    return max(found, key=_published) if found else None



_NOBODY = Unit(hit=Hit(chunk_id="", doc_id="", text="", start=0, end=0, score=0.0), start=0, end=0, text="")


def as_amended(ctx: Context, short) -> tuple:
    """(the short answer, None), or, when a later document or the record itself (a correction)
    changes what its sentence states (this module, engines/corrections.py), (the answer read from the change, "Sofia Marchetti, … per RE: …"; the unit it
    changed). A minutes' decision stands: a later meeting's sentence sharing a memo number is no change of it."""
    if short.kind == "decision":
        return short, None
    c = correction(ctx.corrections, short.unit) if short.kind == "field" else None
    if c is not None:  # the record corrected the field it quotes: "EAR99, corrected on 2 June 2026, per …"
        how = "amended with effect from" if c.targets else "corrected on"  # another record's change, or its own
        when = f", {how} {c.date}" if c.date else f", as {how.split()[0]}"
        line = f"{c.value}{when}, per {source(c.unit)}: “{flat(c.unit.text).rstrip(' .')}” [n]."
        return replace(short, span=c.value, unit=c.unit, line=line, composed=()), short.unit
    v = amendment(ctx, short.unit)
    if v is None:  # the short answer may come from the change itself: then what it changed comes next
        return short, amended(ctx, short.unit)
    quote = f"“{flat(v.text).rstrip(' .')}” [n]."
    who = new_name(short.unit, v) if ctx.question.kind == "person" else None
    line = f"{who}, per {source(v)}: {quote}" if who else f"Changed since: {source(v)} reports: {quote}"
    return replace(short, span=who or v.text, unit=v, line=line, composed=()), short.unit
