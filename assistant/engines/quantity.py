"""A count asked against a record's authorised quantity: "Our Penang test house wants to receive 45 units under
licence D-554321. Is that within the licence?" opens with "No." and the record's "Authorised quantity: 40 units",
then the comparison, labelled as the inference it is. A count within the quantity gets no "Yes": the record's other
conditions still apply, and the answer says so."""

from __future__ import annotations

import re

from assistant.engines.base import Context
from assistant.engines.fields import part_of
from assistant.engines.framing import ShortAnswer, source
from assistant.record_fields import records_named
from assistant.verify import Passage, framed

_AUTHORISED = re.compile(r"(?m)^[ \t]*(?P<key>(?:authori[sz]ed|licensed|permitted|maximum)\s+(?:quantity|qty))"
                         r"[ \t]*:[ \t]+(?P<value>(?P<n>\d[\d,]*)[^\n]*?)[ \t]*$", re.I)
# "45 units"; not a part of an identifier ("EL-2026-0417 in June"), nor a number before a function word
_COUNT = re.compile(r"(?<![\w.,$€£/:-])(?P<n>\d[\d,]*)\s+(?:[A-Z][\w-]*\s+|\d+[A-Z][\w-]*\s+){0,3}"  # "15 Ascend 910C units"
                    r"(?!(?:in|on|at|by|to|of|for|from|and|or|is|was|the|a|an|(?:business |working |calendar )?"
                    r"(?:days?|weeks?|months?|years?|hours?|minutes?)|per ?cent|percent)\b)(?P<what>[a-z][\w-]*)")
# (a duration or a share is no count of items: "return the units within 30 days")


def quantity_check(ctx: Context) -> ShortAnswer | None:
    """The bottom line of a yes/no question that counts items under a record the question names, held against the
    record's authorised quantity; None without a record identifier, a count or such a field."""
    q = ctx.question
    if q.kind != "yes_no":
        return None
    records = records_named(q)
    count = next((m for m in _COUNT.finditer(q.core) if not re.fullmatch(r"(?:19|20)\d\d", m.group("n"))), None)
    if not records or count is None:
        return None
    asked = int(count.group("n").replace(",", ""))
    for u in ctx.units[:5]:
        if u.hit.doc_id in ctx.superseded or not any(r in u.hit.text for r in records):
            continue
        m = _AUTHORISED.search(u.text)
        if m is None:
            continue
        limit = int(m.group("n").replace(",", ""))
        line = u.text[m.start("key"):m.end("value")]
        field = part_of(u, m.start("key"), m.end("value"))
        over = asked > limit
        head = f"{'No' if over else 'Within its quantity'}. {source(u)} reports: “{line}” [n]."
        if framed(head.replace(" [n].", "."), Passage(1, field.hit, field.start, field.end, field.text)) is None:
            continue
        said = f"{asked} {count.group('what')}"
        composed = (f"This is an inference the documents support but do not state: {said} "
                    f"{'is more than' if over else 'is within'} the {limit} the record authorises"
                    + ("." if over else "; its other conditions still apply."),)
        return ShortAnswer(str(limit), field, head, "quantity", composed)
    return None
