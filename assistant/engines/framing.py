"""The shape every bottom line shares: its lines, the units they quote, the lines the engine composed, and how a
quote and its source are written ("The Business Times (2025-05-14) reports: “…”")."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.models import Unit
from assistant.question import BY_WHEN


def flat(text: str) -> str:
    """A quote on one line: a hard-wrapped passage's line breaks as spaces (verification ignores spacing)."""
    return re.sub(r"\s*\n\s*", " ", text)


def source(u: Unit) -> str:
    """"The Business Times (2025-05-14)"; a document without a publisher by its title, cut to 12 words."""
    m = u.hit.meta
    title = " ".join(str(m.get("title") or "").split()[:12])
    return f"{m.get('publisher') or title or u.hit.doc_id} ({m.get('published') or 'date not given'})"


@dataclass(frozen=True)
class BottomLine:
    """Lines that open the answer, the units they quote (in order of their markers), and the lines that are the
    engine's own composition about the documents (not quotes of them)."""

    lines: list[str]
    units: list[Unit]
    composed: list[str]
    support: list[Unit] = ()   # further evidence for the evidence list: other sources' rules, other mentions of the item


@dataclass(frozen=True)
class Rule:
    """A clause of a unit that states the judgment of the question's subject."""

    unit: Unit
    quote: str           # verbatim text of the unit: the sentence up to the end of the clause, or the clause
    hedged: bool
    negated: bool
    judged: bool = False  # the rule word is a violation word ("violates"), not an obligation or a prohibition
    listed: str = ""      # the party the rule covers through its document ("Entities on this list…": "Côté")


@dataclass(frozen=True)
class ShortAnswer:
    """The span that answers, the unit whose sentence says so, and the opening line (its marker written `[n]`, to
    be numbered by the engine)."""

    span: str
    unit: Unit
    line: str
    kind: str = ""   # person | date | number | role | items | wire | event | field | coverage | quantity
    composed: tuple[str, ...] = ()  # lines the engine composed after it (an inference, labelled as one)




def with_preposition(found: ShortAnswer, asked: str) -> ShortAnswer:
    """A date line opened with the preposition the question asked it with: "By when must … be inventoried?" ->
    "By 30 April 2026, per …", not "On 30 April 2026"; `found` unchanged otherwise."""
    m = BY_WHEN.search(asked)
    m = m if m and not re.sub(r"\W", "", asked[:m.start()]) else None  # the question opens with it
    if m and found.line.startswith(("On ", "In ")) and not found.line.startswith(("On or ", "In or ")):
        return replace(found, line=f"{m.group('prep').capitalize()} {found.line.split(' ', 1)[1]}")
    return found


# an amount with its alternative: the maximum is the greater of the two
_WHICHEVER = re.compile(r"(?:\s+per\s+[\w-]+)?,?\s+or\s+[^.;]{3,80}?,\s+whichever\s+is\s+(?:greater|higher|larger|less|"
                        r"lower|smaller)")


def with_alternative(span: str, text: str) -> str:
    """An amount `span` with the alternative `text` gives it: "$374,474" in "… may reach $374,474 per violation or
    twice the value of the transaction, whichever is greater" -> "$374,474 per violation or twice the value of the
    transaction, whichever is greater"; `span` unchanged when none follows it."""
    at = text.find(span)
    alt = _WHICHEVER.match(text, at + len(span)) if at >= 0 else None
    return span + alt.group(0) if alt else span
