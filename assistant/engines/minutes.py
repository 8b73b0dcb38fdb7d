"""What a meeting decided about an item of its agenda: minutes write a decision under the item's heading ("Item 1:
Chao Phraya AI Labs Co., Ltd (Bangkok, Thailand), order PO-CPA-2026-031" … "Decision: APPROVED WITH CONDITIONS for a
first tranche of 30 cards only. Conditions: (a) … (d) …"), and the decision line itself names neither the customer
nor the order. Stop 24's trial asked "What did the Export Control Board decide about the Chao Phraya AI Labs order
PO-CPA-2026-031?" and got the minutes' header lines. The decision (with the list it introduces) is the short answer
when the item's heading carries a name or identifier of the question; yes/no questions about a labelled decision
are engines/decisions.py's.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.engines.base import Context
from assistant.engines.framing import ShortAnswer, flat, source
from assistant.engines.leads import continued
from assistant.models import Unit
from assistant.terms import DECISION_LINE, words
from assistant.verify import Passage, framed
from kernel.sentences import sentences

# asks what was decided: "What did the Board decide about …?", "What was the decision on …?"
_ASKS = re.compile(r"\bwhat\b.{0,60}\b(?:decide[ds]?|decision|outcome|conclu\w+)\b|\bhow did\b.{0,60}\b(?:decide|rule)\b|"
                   r"\b(?:what|which)\s+conditions?\b.{0,60}\b(?:attach\w*|set|impose\w*|place\w*|put|make|made|appl\w+)\b",
                   re.I)  # "What conditions did the Board attach to the … approval?": the decision and its list
# an agenda item's heading: "Item 1: Chao Phraya AI Labs …", "Agenda item 3 - …", "## Item 2: Lumen Data Systems …"
_ITEM = re.compile(r"(?mi)^[ \t#]*(?:agenda\s+)?(?:item|point|topic)\s+\d+[a-z]?\s*[:.)–-]\s*(?P<what>\S[^\n]*)$|"
                   # a case record's paragraph, which a procedure or a register opens with the case it records:
                   # "Case DPS-2026-017 (shipment SH-2026-0347, 4 September 2026): the consignee … Decision: CLEARED …"
                   r"^[ \t]*(?P<case>(?:[Cc]ase|CASE)\s+[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d[\w-]*(?:\s*\([^)\n]*\))?)\s*:")


# the body that met, in the minutes' title: "Minutes of the Export Control Board meeting ECB-2026-09"
MINUTES_OF = re.compile(r"^\W*minutes\s+of\s+(?:the\s+)?(?P<body>[A-Z][\w&’'-]*(?:\s+[A-Z][\w&’'-]*){0,5})\s+"
                        r"(?:meeting|session)\b", re.I)


def agenda(rows) -> dict[str, tuple[tuple[int, str], ...]]:
    """{doc_id: ((document offset, heading text), …)} of every agenda item heading of the index's chunks, in order;
    read once when the index opens (the heading of the item a decision stands under may be in a chunk that was not
    retrieved)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for r in rows:
        for m in _ITEM.finditer(r["text"]):
            out.setdefault(r["doc_id"], []).append((r["start"] + m.start(), (m.group("what") or m.group("case")).strip()))
    return {d: tuple(sorted(v)) for d, v in out.items()}


def item_of(ctx: Context, doc_id: str, at: int) -> str:
    """The heading of the agenda item that document offset `at` stands under; "" when none is before it."""
    return next((h for o, h in reversed(ctx.agenda.get(doc_id, ())) if o <= at), "")


def with_reason(u: Unit) -> Unit:
    """A bare decision ("Decision: REFUSED.") with the sentence after it in its chunk, which says what it means
    ("The Board will not approve any testing, benchmarking or operation of Ascend chips … outside the Penang lab."),
    and any decision with a next sentence that introduces a list ("Conditions:")."""
    h = u.hit
    rest = h.text[u.end - h.start:]
    spans = sentences(rest)
    if not spans or (len(words(u.text)) > 4 and not rest[:spans[0][1]].rstrip().endswith(":")):
        return u
    end = u.end + spans[0][1]
    return replace(u, end=end, text=h.text[u.start - h.start:end - h.start])


def decisions_first(ctx: Context, most: int = 20) -> list[Unit]:
    """The first `most` units, each in the version the index's decisions hold when it is one (its hit read on over
    the chunk's end: engines/decisions.collect), then the index's other decisions (none when filters narrowed the
    documents searched)."""
    read = {(d.hit.doc_id, d.start): d for d in ctx.decided}
    return [*(read.get((u.hit.doc_id, u.start), u) for u in ctx.units[:most]), *(() if ctx.filtered else ctx.decided)]


def decided_about(ctx: Context) -> ShortAnswer | None:
    """"Per Minutes …: “Decision: APPROVED WITH CONDITIONS … Conditions: (a) …”" for a question asking what was
    decided about an item whose heading in the minutes names a name or identifier of the question (module
    docstring); None otherwise."""
    q = ctx.question
    if q.language != "en" or q.kind == "yes_no" or not _ASKS.search(q.ask or q.core):
        return None
    names = [n for n in (*q.names, *q.context_names) if len(n) > 2 and n[:1].isupper() or any(c.isdigit() for c in n)]
    seen = set()
    for u in decisions_first(ctx):
        if (u.hit.doc_id, u.start) in seen or u.heading or not DECISION_LINE.search(u.text):
            continue
        seen.add((u.hit.doc_id, u.start))
        item = item_of(ctx, u.hit.doc_id, u.start)
        if not item or sum(n in item for n in names) < 1 or any(n in u.text for n in names):
            continue  # a decision that names the question's party itself is engines/decisions.py's
        whole = continued(ctx, with_reason(u))
        line = f"Per {source(whole)}: “{flat(whole.text).rstrip(' .')}” [n]."  # (the item's own names are not
        # in the quote, so the frame may not name them: verification would drop the line)
        if framed(line.replace(" [n].", "."), Passage(1, whole.hit, whole.start, whole.end, whole.text)) is not None:
            return ShortAnswer(whole.text, whole, line, "decision")
    return None
