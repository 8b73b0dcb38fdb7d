"""A decision recorded about the very case a question names decides it before any general rule: "Can we split
SH-2026-0231 into two shipments of 20 units to avoid reporting?" is answered by the email about that shipment, "We
will not split SH-2026-0231 into two consignments of 20 units to stay under the 25-unit reporting threshold …", not
by the memo's "Any shipment exceeding 25 units … must be reported" (newcomer trial, stop 23: "Only if the case meets
its condition (exceeding 25)").

A decision is a body sentence that says what will or will not be done (`DECIDED`: "we will not split …", "will be
reported to …", "is approved", "was refused") in a document about a record the question names by identifier (the
sentence or the document's title carries it), and whose verb is one the question asks about ("split", "report").
When several are, the one whose verb comes first in the question decides (its main verb, not a purpose clause's).
The verdict is the decision's polarity: "No." for "will not" / "refused", "Yes." otherwise. A proposal someone made
("Can we send it as two shipments …?", "Then neither shipment would need to be reported") is no decision: it says
"would", "can", "could", never "will".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.engines.base import Context
from assistant.engines.framing import BottomLine, flat, source
from assistant.models import Hit, Unit
from assistant.record_fields import records_named
from assistant.terms import DECIDED, stem
from kernel.sentences import sentences

# what was proposed or supposed, not decided: "Can we send it as two shipments …?", "Then neither shipment would …"
_PROPOSED = re.compile(r"\b(?:would|could|might)\b|\?\s*$")
_NEGATIVE = frozenset(stem(w) for w in ("refused", "rejected", "denied", "declined"))


def _about(u: Unit, records: list[str]) -> bool:
    """Whether `u` or its document's title names one of `records`."""
    title = str(u.hit.meta.get("title") or "")
    return any(r in u.text or r in title for r in records)


def _decisions(u: Unit, terms: list[str]) -> list[tuple[int, bool, re.Match]]:
    """(position of its verb among the question's terms, negative?, match) for each decision `u` states about a
    verb the question asks about."""
    out = []
    for m in DECIDED.finditer(u.text):
        verb = m.group("verb") or m.group("verb2") or m.group("verb3")
        at = stem(verb.lower())
        if at in terms:
            negative = bool(m.group("neg") or m.group("neg2") or m.group("neg3")) != (at in _NEGATIVE)
            out.append((terms.index(at), negative, m))
    return out


# a record identifier: "SH-2026-0231", "EC-2026-007", "TC-LD-2026-031"
_RECORD_ANY = re.compile(r"\b[A-Z]{1,6}(?:-[A-Z]{1,6})?-\d{2,4}(?:-\d{2,6})+\b")


def collect(rows: Iterable[dict], docs: dict[str, dict]) -> tuple[Unit, ...]:
    """Every decision sentence of the index about a record: it matches `DECIDED`, and it or its document's title
    carries a record identifier ("SH-2026-0231"). `rows`: chunk rows (doc_id, chunk_id, start, end, text); `docs`:
    {doc_id: metadata}. Read once when the index is opened, so that a decision is found even when the chunk that
    records it was not among those retrieved (at most a few per document are)."""
    out: list[Unit] = []
    for row in rows:
        meta = docs.get(row["doc_id"], {})
        titled = bool(_RECORD_ANY.search(str(meta.get("title") or "")))
        if not DECIDED.search(row["text"]) or not (titled or _RECORD_ANY.search(row["text"])):
            continue
        hit = Hit(chunk_id=row["chunk_id"], doc_id=row["doc_id"], text=row["text"], start=row["start"],
                  end=row["end"], score=0.0, meta=meta)
        for a, b in sentences(row["text"]):
            text = row["text"][a:b].strip()
            if DECIDED.search(text) and (titled or _RECORD_ANY.search(text)):
                at = row["start"] + row["text"].index(text, a)
                out.append(Unit(hit=hit, start=at, end=at + len(text), text=text))
    return tuple(out)


def decision(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of a yes/no question about a named record's case that a recorded decision settles (module
    docstring), markers numbered from `first`; None when there is none."""
    q = ctx.question
    records = records_named(q)
    if q.kind != "yes_no" or not records or q.language != "en":
        return None
    terms = [t for t in q.terms if not any(c.isdigit() for c in t)]
    seen = {(u.hit.doc_id, u.start) for u in ctx.units[:20]}
    pool = [*ctx.units[:20], *(() if ctx.filtered else [u for u in ctx.decided if (u.hit.doc_id, u.start) not in seen])]
    found = [(pos, negative, u) for u in pool if not u.heading and _about(u, records)
             and u.hit.doc_id not in ctx.superseded for pos, negative, _ in _decisions(u, terms)]
    if not found:
        return None
    _, negative, u = min(found, key=lambda f: f[0])
    line = f"{'No.' if negative else 'Yes.'} {source(u)} records the decision: “{flat(u.text).rstrip(' .')}” [{first}]."
    support = [v for v in ctx.units[:8] if v is not u and not v.heading and not _PROPOSED.search(v.text)][:2]
    return BottomLine([line], [u], [], support)  # a proposal is no evidence beside the decision taken on it
