"""What a document says was (or was not) required of the very record a question names.

A determination reviewing a shipment register writes "SH-2026-0315 (8 units) did not need to be reported." and
"Ravi Menon must report SH-2026-0322 to the Export Control Board by 18 September 2026". Stop 26's trial asked "Did
SH-2026-0315 need to be reported to the Export Control Board?" and got "Yes." on the SH-2026-0322 sentence, then
(once rules said of another record were set aside) no verdict at all, though a sentence about SH-2026-0315 settles
it. A sentence that names the record asked and says of it that it must, had to, needed to (or did not need to) be
done what the question asks ("reported"), actively ("must report SH-2026-0322") or passively ("SH-2026-0315 … did
not need to be reported"), decides before any general rule: "No." for a negated duty, "Yes." otherwise.
"""

from __future__ import annotations

import re

from assistant.engines.base import Context
from assistant.engines.fields import part_of
from assistant.engines.framing import BottomLine, flat, source
from assistant.record_fields import records_named
from assistant.retrieve import RECORD_NAME
from assistant.terms import stem
from kernel.sentences import sentences

# asks whether something was or is required: "Did SH-2026-0315 need to be reported …?", "Must SH-… be reported?"
_ASKS = re.compile(r"\b(?:need(?:ed|s)?|required|must|have to|has to|had to|obliged)\b", re.I)
_MODAL = r"(?:must|shall|had to|has to|have to|needs? to|needed to|(?:is|was|are|were)\s+required\s+to)"
# passive: "SH-2026-0315 (8 units) did not need to be reported", "… need not be reported", "… had to be reported"
_PASSIVE = re.compile(rf"(?P<neg>\b(?:did|does|do)\s+not\s+need\s+to|\bneed\s+not|\b{_MODAL}\s+not|"
                      rf"\b(?:is|was|are|were)\s+not\s+required\s+to)?(?(neg)|\b{_MODAL})\s+be\s+(?P<verb>[a-z]+)\b",
                      re.I)
# active, the record right after the verb: "Ravi Menon must report SH-2026-0322 to the Export Control Board …"
_ACTIVE = r"(?P<neg>\bnot\s+)?(?<!\w){modal}\s+(?P<verb>[a-z]+)\s+(?:shipment\s+|record\s+)?{record}(?![\w-])"


def _verdict(sentence: str, record: str, verbs: set[str]) -> bool | None:
    """True when `sentence` says `record` had to be done (a verb of `verbs`), False when it says it did not need to
    be, None when it says neither of it."""
    at = sentence.find(record)
    active = re.search(_ACTIVE.format(modal=_MODAL, record=re.escape(record)), sentence, re.I)
    if active and stem(active.group("verb").lower()) in verbs:
        return not active.group("neg")
    for m in _PASSIVE.finditer(sentence):
        if m.start() > at and stem(m.group("verb").lower()) in verbs and not RECORD_NAME.search(sentence[at + len(
                record):m.start()]):  # the duty is said of the record asked, not of another named between them
            return not m.group("neg")
    return None


def record_said(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of a yes/no question whether a record it names needed (needs) to be done something, from a
    sentence about that record (module docstring); None when no sentence among the first 20 units and the index's
    decisions says it."""
    q = ctx.question
    records = [r for r in records_named(q) if RECORD_NAME.fullmatch(r)]
    if q.kind != "yes_no" or q.language != "en" or len(records) != 1 or not _ASKS.search(q.ask or q.core):
        return None
    verbs = set(q.terms)
    record = records[0]
    for u in [*ctx.units[:20], *(() if ctx.filtered else ctx.decided)]:
        if u.heading or record not in u.text or u.hit.doc_id in ctx.superseded:
            continue
        for a, b in sentences(u.text):
            said = u.text[a:b].strip()
            if record in said and (yes := _verdict(said, record, verbs)) is not None:
                at = u.text.index(said, a)
                part = part_of(u, at, at + len(said))
                line = f"{'Yes.' if yes else 'No.'} {source(part)} reports: “{flat(said).rstrip(' .')}” [{first}]."
                return BottomLine([line], [part], [])
    return None
