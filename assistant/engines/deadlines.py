"""The deadline a decision's conditions set, and a dated case held against it.

Minutes of meeting ECB-2026-10 write "Decision: APPROVED for the remaining 30 cards. Conditions:" and then "(a)
dispatch no later than 30 September 2026;". Stop 25's second trial asked "By when must the remaining 30 cards be
dispatched?" and got "By 2026" (the year of an order number in the item's heading), and "Can the remaining 30 Chao
Phraya cards be dispatched on 15 October 2026?" got no verdict. The condition of a labelled decision whose words
hold the question's verb ("dispatch") and a date bounded by "no later than", "by", "on or before", "before" or
"until" answers the first (its date), and decides the second: "No." when the date told is after it, "Yes, within
it" otherwise, the other conditions still applying. The decision must be about what the question names: its item
heading (engines/minutes.py) or its own sentence holds a name of the question. A German or French question
("Quelle est la date limite pour expédier les 30 cartes restantes …?") is read through a few verbs of what is
done ("expédier" -> "dispatch"), since the decisions are written in English.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.engines.base import Context
from assistant.engines.fields import part_of
from assistant.engines.framing import BottomLine, ShortAnswer, flat, source
from assistant.engines.leads import continued
from assistant.engines.minutes import decisions_first, item_of, with_reason
from assistant.engines.threshold import dates_in
from assistant.models import Unit
from assistant.terms import DAY_WRITTEN, LABELLED, content_stems, norm, stem, stem_set, words
from assistant.vocabulary import is_country
from kernel.sentences import sentences

# a condition that bounds a date from above: "(a) dispatch no later than 30 September 2026;"
_BY = re.compile(rf"\b(?:no later than|not later than|on or before|by|before|until|till|latest(?: by)?)\s+"
                 rf"(?:the\s+)?(?P<day>{DAY_WRITTEN})", re.I)
# what a German or French question asks done, in the words of the (English) decisions: "expédier" -> "dispatch"
_ACTS_FOREIGN = {k: frozenset(stem(w) for w in v.split()) for k, v in {
    "expedi": "dispatch ship", "envoi": "dispatch ship send", "envoy": "dispatch ship send", "livr": "deliver",
    "versand": "dispatch ship", "versend": "dispatch ship", "verschick": "dispatch ship", "liefer": "deliver",
    "meld": "report", "declar": "report", "signal": "report", "book": "book", "reserv": "book"}.items()}
_DEADLINE = re.compile(r"\b(?:deadline|due date|latest date|cut-?off date|time limit)\b", re.I)
# asks for a deadline in German or French: "Quelle est la date limite pour expédier …?", "Bis wann muss … ?"
_DEADLINE_FOREIGN = re.compile(r"\bdate\s+limite\b|\bd[ée]lai\b|\bquand\b|\bbis\s+wann\b|\bfrist\b|\bwann\b|"
                               r"\bsp[äa]testens\b|\bstichtag\b", re.I)
_ITEM_LINE = re.compile(r"(?m)^[ \t]*(?:\(?[a-z0-9]{1,3}[.)]|[-*•])[ \t]+\S[^\n]*$")


def _condition(ctx: Context) -> tuple[Unit, Unit, date, str] | None:
    """(the decision, its condition line, the deadline, as written) for the question (module docstring), or None."""
    q = ctx.question
    names = [n for n in (*q.names, *q.context_names) if len(n) > 2 and not n.isdigit()]
    # what is done: "dispatch", not "Chao"; said in the question's case too ("… wants the cards dispatched on 15
    # October 2026. Is that allowed?")
    own = {s for n in names for s in stem_set(n)}
    verbs = (set(q.terms) | set(content_stems(q.core))) - own if q.language == "en" else \
        {t for w in words(q.core) for k, v in _ACTS_FOREIGN.items() if norm(w).startswith(k) for t in v}
    seen = set()
    for u in decisions_first(ctx):
        if (u.hit.doc_id, u.start) in seen or u.heading or not LABELLED.search(u.text):
            continue
        seen.add((u.hit.doc_id, u.start))
        reasoned = with_reason(u)
        about = item_of(ctx, u.hit.doc_id, u.start) + " " + reasoned.text  # "Decision: APPROVED IN PART." and
        # what it grants; a country is where a case is, not which one ("to Thailand")
        if not any(n in about for n in names if not is_country(n)) and not _shared(q.terms, about):
            continue
        whole = continued(ctx, reasoned)
        lines = [m.group(0) for m in _ITEM_LINE.finditer(whole.text)] + [  # "(a) dispatch no later than …", or a
            whole.text[a:b] for a, b in sentences(whole.text)]  # sentence of the decision: "Two modules may be
        for line in lines:  # shipped … as shipment SH-2026-0334, dispatched no later than 30 September 2026."
            line = line.strip()
            by = _BY.search(line)
            done = re.findall(r"[^\W\d_]+", line[:by.start()]) if by else []  # the act bounded: the word right
            if not done or stem(done[-1].lower()) not in verbs:  # before "no later than" ("dispatch", "dispatched")
                continue
            days = dates_in(by.group("day"))
            if days:
                at = whole.text.index(line)
                return u, part_of(whole, at, at + len(line)), days[0][0], by.group("day")
    return None


def _shared(terms, text: str) -> bool:
    """Whether `text` holds at least two of the question's terms that are no number ("remaining", "cards")."""
    return len({t for t in terms if not t.isdigit()} & stem_set(text)) >= 2


def deadline(ctx: Context) -> ShortAnswer | None:
    """"By 30 September 2026, per …: “(a) dispatch no later than 30 September 2026”" for a date question that a
    decision's condition answers (module docstring); None otherwise."""
    q = ctx.question
    asks = (q.kind == "date" or bool(_DEADLINE.search(q.ask or q.core))) if q.language == "en" else \
        bool(_DEADLINE_FOREIGN.search(q.core))  # "What is the deadline for dispatching SH-2026-0334?"
    if not asks or (found := _condition(ctx)) is None:
        return None
    _, line, _, written = found
    text = f"By {written}, per {source(line)}: “{flat(line.text).rstrip(' .;')}” [n]."
    return ShortAnswer(written, line, text, "date")


def within_deadline(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of a yes/no question whose case is dated ("… be dispatched on 15 October 2026?") against a
    decision's deadline (module docstring): "No." after it, "Yes, within it." on or before it; None otherwise."""
    q = ctx.question
    told = dates_in(q.core)
    if q.kind != "yes_no" or q.language != "en" or not told or (found := _condition(ctx)) is None:
        return None
    decision, line, day, written = found
    after = told[0][0] > day
    verdict = "No: the date asked is after the deadline the decision sets." if after else \
        "Yes, within the deadline the decision sets; its other conditions still apply."
    why = (f"This is an inference the documents support but do not state: {told[0][1]} is "
           f"{'after' if after else 'on or before'} {written}.")
    lines = [verdict, f"{source(line)} sets the condition: “{flat(line.text).rstrip(' .;')}” [{first}].",
             f"The decision: “{flat(decision.text).rstrip(' .')}” [{first + 1}].", why]
    return BottomLine(lines, [line, decision], [verdict, why])
