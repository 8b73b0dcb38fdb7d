"""A record on hold may not go now. A procedure's case record writes "Case DPS-2026-019 (order PO-HEN-2026-007,
11 September 2026): the end user Hanoi Edge Networks JSC returned a match score of 91 against an SDN List entry.
Decision: possible match, escalated to Dana Whitfield on 12 September 2026; the order stays on hold." Stop 27's
trial asked "Can order PO-HEN-2026-007 be shipped now?" and got the hit sentence alone, with no verdict: a reader
could take the silence for no objection.

A yes/no question that asks whether a record it names can be shipped, released, dispatched, exported or delivered
is answered "No." by a sentence that says the record is, stays or was placed on hold, or is not to be released until
a condition is met (`terms.ON_HOLD`), when the sentence names the record or closes the case paragraph that names it
(`minutes.item_of`), and neither it nor what follows it in its chunk says the record was released; or, for a party the question names (stop 27's trial: "Chao
Phraya AI Labs wants the remaining 30 MX-400 cards dispatched now. Can we do it?"), when the sentence stands under
the party's agenda item and shares two of the question's words ("(d) the remaining 30 cards are not released until
Joanna Okafor has made a site visit in Bangkok and the Board has decided again"). A rule about held orders ("No
order or shipment on hold may be released without written clearance …"), when one is retrieved, follows as evidence.
"""

from __future__ import annotations

import re

from assistant.engines.base import Context
from assistant.engines.framing import BottomLine, flat, source
from assistant.engines.minutes import decisions_first, item_of
from assistant.models import Unit
from assistant.record_fields import records_named
from assistant.retrieve import RECORD_NAME
from assistant.terms import ON_HOLD, content_stems, stem_set
from assistant.vocabulary import is_country
from kernel.sentences import sentences

# asks whether the record may go: "Can order PO-HEN-2026-007 be shipped now?", "… wants the remaining 30 cards
# dispatched now. Can we do it?" (the act told before the question)
_MAY = re.compile(r"\b(?:can|could|may|might)\s+(?:we|i|you|they|it|this|that|the|order|shipment|[A-Z]\S*)\b|"
                  r"\bis it (?:ok|okay|possible|allowed|permitted) to\b|\bare we (?:allowed|permitted|able) to\b", re.I)
_GO = re.compile(r"\b(?:ship|shipped|release|released|dispatch|dispatched|export|exported|send|sent|deliver|delivered|"
                 r"leave)\b", re.I)
_RELEASED = re.compile(r"\b(?:was|were|has been|have been|is|are)\s+(?:now\s+)?released\b|\bhold\s+(?:was|is|has been)"
                       r"\s+lifted\b", re.I)
_HOLD_RULE = re.compile(r"\bon hold\b", re.I)


def on_hold(ctx: Context, first: int = 1) -> BottomLine | None:
    """"No. … records that it is on hold: “…” [first]." for a yes/no question asking whether a record it names may
    go (module docstring); up to two retrieved sentences about held orders as support; None otherwise."""
    q = ctx.question
    if q.kind != "yes_no" or q.language != "en" or not (
            _MAY.search(q.core) and _GO.search(q.core)):
        return None
    records = [r for r in records_named(q) if RECORD_NAME.fullmatch(r)]
    parties = [n for n in (*q.names, *q.context_names) if n[:1].isupper() and len(n) > 2 and not is_country(n)
               and not any(c.isdigit() for c in n)]  # "Phraya", "Labs" of "Chao Phraya AI Labs wants …"
    if not records and not parties:
        return None
    wanted = {t for t in content_stems(q.core) if not t.isdigit()} - {s for n in (*records, *parties) for s in stem_set(n)}
    # ("remaining" and "cards": a count alone does not say which cards, "the first 30" are not "the remaining 30")
    for u in [*decisions_first(ctx), *_sentences_naming(ctx, records)]:
        if u.heading or not ON_HOLD.search(u.text) or _RELEASED.search(u.hit.text, max(0, u.start - u.hit.start)):
            continue  # released since, in the same sentence or after it ("On 3 May the hold was lifted.")
        item = item_of(ctx, u.hit.doc_id, u.start)
        if not any(r in u.text or r in item for r in records) and not (  # a party's item, and what is held is
                sum(p in u.text or p in item for p in parties) >= min(2, len(parties)) > 0
                and len(wanted & stem_set(u.text)) >= 2):  # what is
            continue  # asked about ("the remaining 30 cards")
        line = f"No. {source(u)} records that it is held back: “{flat(u.text).rstrip(' .')}” [{first}]."
        rules = [v for v in ctx.units[:10] if v is not u and not v.heading and _HOLD_RULE.search(v.text)
                 and not ON_HOLD.search(v.text) and (v.hit.doc_id, v.start) != (u.hit.doc_id, u.start)][:2]
        return BottomLine([line], [u], [], rules)
    return None


def _sentences_naming(ctx: Context, records: list[str]) -> list[Unit]:
    """The sentences of the retrieved chunks that name a record of `records` (a case paragraph: "Case DPS-2026-019
    (order PO-HEN-2026-007, …): … Decision: possible match, …; the order stays on hold."), as units in document
    offsets: the decision may be a sentence the ranking left out."""
    out = []
    for h in ctx.hits:
        if any(r in h.text for r in records):
            out += [Unit(hit=h, start=h.start + a, end=h.start + b, text=h.text[a:b]) for a, b in sentences(h.text)]
    return out
