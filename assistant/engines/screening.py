"""Whether a party passed a restricted-party screening, read from a screening log's row. A log writes each screening's
result in a column of its own ("| RPS-2026-0170 | … | Orchid Peak Trading Ltd | … | Confirmed match: BIS Entity List
| … |"); stop 26's trial asked "Was Orchid Peak Trading Ltd cleared in the restricted-party screening?" and "Did Lumen
Data Systems pass the restricted-party screening?" and got bullets without a verdict.

What a result says, in the terms of denied-party screening (the screening tool reports a potential match; an analyst
clears it as a false positive or confirms it): "No match" and a match "cleared as false positive" pass ("Yes."); a
"Confirmed match" does not ("No."); a possible match not yet cleared has not passed yet ("Not yet."). The row is the
one that names the party the question names (two of its capitalised words, or all when it has one), the column the
one headed "Result", "Outcome" or "Status". The verdict is the engine's reading of the cell, labelled "(read from the
table)", with the row and the header quoted.
"""

from __future__ import annotations

import re

from assistant.engines.base import Context
from assistant.engines.framing import BottomLine, source
from assistant.engines.tables import Table, tables
from assistant.terms import STOP, words
from assistant.vocabulary import is_country

# asks whether a party passed its screening: "Was X cleared in the screening?", "Did X pass the screening?"
_ASKS = re.compile(r"\b(?:cleared|clear|pass|passed|clean)\b", re.I)
_SCREENING = re.compile(r"\bscreen\w*", re.I)
_RESULT = re.compile(r"\b(?:result|outcome|status|finding)s?\b", re.I)
_CONFIRMED = re.compile(r"\b(?:confirmed|true|positive)\s+(?:match|hit)\b", re.I)
_CLEARED = re.compile(r"\bcleared\b|\bfalse\s+positive\b", re.I)
_NO_MATCH = re.compile(r"^\W*(?:no\s+(?:match|hit)|clear|clean)\b", re.I)
_POSSIBLE = re.compile(r"\b(?:possible|potential|partial)\s+(?:match|hit)\b", re.I)


def _verdict(cell: str) -> str | None:
    """"Yes.", "No." or "Not yet." for a screening result cell (module docstring); None for another value."""
    if _CONFIRMED.search(cell):
        return "No."
    if _CLEARED.search(cell) or _NO_MATCH.match(cell):
        return "Yes."
    return "Not yet." if _POSSIBLE.search(cell) else None


def _party(q) -> list[str]:
    """The capitalised words of the question that name a party: "Orchid", "Peak", "Trading" (not its first word, a
    stop word or a country)."""
    said = words(q.core)
    return [w for w in said[1:] if w[:1].isupper() and len(w) > 2 and w.lower() not in STOP and not is_country(w)
            and not _SCREENING.match(w)]


def _result_column(t: Table) -> int | None:
    return next((i for i, head in enumerate(t.header.cells) if _RESULT.search(head)), None)


def screened(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of a yes/no question whether a party passed its screening, from the log row that names it
    (module docstring); None when the question asks something else or no retrieved table has such a row."""
    q = ctx.question
    asked = q.ask or q.core
    if q.kind != "yes_no" or q.language != "en" or not _ASKS.search(asked) or not _SCREENING.search(q.core):
        return None
    party = _party(q)
    if not party:
        return None
    for t in tables(ctx.table_hits or ctx.hits):
        col = _result_column(t)
        if col is None:
            continue
        for row in t.rows:
            said = " ".join(row.cells)
            if sum(w in said for w in party) < min(2, len(party)) or col >= len(row.cells):
                continue
            verdict = _verdict(row.cells[col])
            if verdict is None:
                continue
            src = source(t.header.unit)
            line = (f"{verdict} {src} gives {row.cells[0]} as {row.cells[col]} under {t.header.cells[col]} "
                    f"(read from the table).")
            lines = [line, f"Its row: “{row.unit.text}” [{first}].",
                     f"The columns of {src}: “{t.header.unit.text}” [{first + 1}]."]
            return BottomLine(lines, [row.unit, t.header.unit], [line])
    return None
