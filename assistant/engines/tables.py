"""Answers read from a table: a register's row and the column the question asks about.

A shipment register in Markdown is a pipe table ("| Shipment | Dispatch date | Customer | … | Reported to Board |",
then one row per shipment). A row alone does not say what its cells are ("| SH-2026-0315 | 19 August 2026 | … | not
reported |"), and stop 25's trial asked "Was shipment SH-2026-0315 reported to the Board?" and got the row quoted
with no verdict. Here the row whose cell is an identifier or name of the question is read with the table's header:
the column named by the question's words ("reported" / "Reported to Board", "customer" / "Customer") or by its
kind ("when": a column of dates; "where": a destination or place; "how many": a count) gives the answer, and a
yes/no question gets "No." when that cell says "not reported", "no", "none" or "-", else "Yes.". A question
asking which rows ("Which shipments went to Malaysia?", "Which parties had no match?", "… were not reported to the
Board?") lists, in the column the noun after "which" names, the rows that hold its names or a cell it quotes, or
the asked polarity in the column its words name; "How many shipments are in the register?" counts the rows and
"What columns does the register have?" gives the header. A table is read only with its header row: a run of rows
whose header was not retrieved is left alone. Every line quotes the row (and the header) verbatim; the opening
line is the engine's own reading of the cells, labelled "(read from the table)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.engines.base import Context, joined_names
from assistant.engines.corrections import cell_correction
from assistant.engines.framing import BottomLine, flat, source
from assistant.models import Unit
from assistant.retrieve import TABLE_ROW
from assistant.terms import CALENDAR, DAY_WRITTEN, RELATION, STOP, norm, stem, words

_NEGATIVE = re.compile(r"^\s*(?:not\b|no\b|none\b|nil\b|never\b|n/?a\b|pending\b|[-–—]+\s*$|$)", re.I)
_WHICH = re.compile(r"^\W*(?:which|what|list|name|show)\b", re.I)
_DUTY = re.compile(r"\b(?:need(?:s|ed)?|required|requires?|must|have to|has to|had to|obliged)\b", re.I)
_HOW_MANY = re.compile(r"^\W*how\s+many\b", re.I)
_WHERE = re.compile(r"^\W*where\b|\bto\s+(?:which|what)\s+(?:country|city|destination|place)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|never|no|un\w+ed|without)\b", re.I)
# what a column is by its header: the kind of question it answers besides its own words
_KIND_COLUMNS = {
    "date": re.compile(r"\b(?:date|dated|day|when|dispatch\w*|shipped|issued|reported)\b", re.I),
    "place": re.compile(r"\b(?:destination|country|city|location|site|place|address|to)\b", re.I),
    "number": re.compile(r"\b(?:units?|quantity|qty|number|count|amount|pieces|pcs|total)\b", re.I),
    "person": re.compile(r"\b(?:customer|name|holder|consignee|end[- ]user|buyer|recipient|officer|owner|by)\b", re.I),
}
_ASKED_WORDS = frozenset({"which", "what", "list", "name", "show", "how", "mani", "much", "who", "when", "where", "did",
                          "doe", "do", "wa", "were", "is", "are", "the", "a", "an", "of", "to", "in", "for", "and"})


@dataclass(frozen=True)
class Row:
    """One table row: its unit (the row's line, verbatim) and its cells, stripped."""

    unit: Unit
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A pipe table of one document: its header row and its body rows, in document order."""

    header: Row
    rows: tuple[Row, ...]


def tables(hits) -> list[Table]:
    """The pipe tables of the retrieved chunks `hits` ([Hit]), one per run of adjacent row lines of a document, read
    over the document's retrieved chunks joined in order (rows seen in two overlapping chunks once). A run's first
    row is its header only when the line before it was retrieved and is no row (the table's title, a note), or it
    opens the document; a run whose header was not retrieved is left out (its first row could be any row).
    [] when no chunk holds a table."""
    by_doc: dict[str, list] = {}
    for h in hits:
        if TABLE_ROW.search(h.text):
            by_doc.setdefault(h.doc_id, [])
    for h in hits:
        if h.doc_id in by_doc:
            by_doc[h.doc_id].append(h)
    out: list[Table] = []
    for chunks in by_doc.values():
        out += _doc_tables(sorted(chunks, key=lambda h: h.start))
    return out


def _doc_tables(chunks: list) -> list[Table]:
    """The tables of one document's chunks (sorted by offset): each row is read in the first chunk that holds it."""
    rows: dict[int, tuple[Row, bool]] = {}
    for h in chunks:
        for m in TABLE_ROW.finditer(h.text):
            start = h.start + m.start()
            if start in rows:
                continue
            before = h.text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1] if m.start() else _line_before(chunks, h)
            unit = Unit(hit=h, start=start, end=h.start + m.end(), text=m.group(0).rstrip())
            rows[start] = (Row(unit, tuple(c.strip() for c in m.group("cells").split("|"))),
                           start == 0 or bool(before) and not TABLE_ROW.match(before))
    out: list[Table] = []
    run: list[tuple[Row, bool]] = []
    for start in sorted(rows):
        if run and start - run[-1][0].unit.end > 2:
            out += _table(run)
            run = []
        run.append(rows[start])
    return out + _table(run)


def _line_before(chunks: list, h) -> str:
    """The last line of the retrieved chunk that ends right before chunk `h` starts ("" when none was retrieved)."""
    prev = next((p for p in chunks if p is not h and p.start < h.start <= p.end + 2), None)
    return prev.text[:max(0, h.start - prev.start)].rstrip("\n").rsplit("\n", 1)[-1] if prev is not None else ""


def _table(run: list[tuple[Row, bool]]) -> list[Table]:
    if not run:
        return []
    (header, opens), rows = run[0], [r for r, _ in run[1:]]
    return [Table(header, tuple(rows))] if opens and rows and len(header.cells) >= 2 else []


def _stems(text: str) -> set[str]:
    return {stem(norm(w)) for w in words(text)}


def _has(cell: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", cell, re.I) is not None


def _prefixed(a: str, b: str) -> bool:
    """Whether one stem begins the other, both of four letters or more ("ship" and "shipment")."""
    return a == b or min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a))


# "What penalty did Meridian pay …?": the noun right after the wh-word, when a verb follows it
_NOUN_ASKED = re.compile(r"^\W*(?:what|which)\s+(?P<head>[a-z]{3,})\s+(?:did|does|do|was|were|is|are|has|have|had)\b",
                         re.I)


def _column(t: Table, q, terms: set[str], skip: int) -> int | None:
    """The column the question asks about: the one whose header shares most of the question's words (its kind's
    columns first when none does: "when" a date column, "where" a place, "how many" a count, "who" a name)."""
    ask = q.ask or q.core
    kind = "place" if _WHERE.search(ask) else "number" if _HOW_MANY.search(ask) else q.kind
    noun = RELATION.match(ask) or _NOUN_ASKED.match(ask)  # "What was the total value of SH-2026-0322?", "What
    # penalty did Meridian pay for …?": a value, a penalty, which no column holds,
    if noun and not (kind in _KIND_COLUMNS and _KIND_COLUMNS[kind].search(noun.group("head"))) and not any(
            _stems(noun.group("head")) & _stems(head) for head in t.header.cells):  # not the "Units" a number
        return None  # question would take
    best, score = None, 0.0
    for i, head in enumerate(t.header.cells):
        if i == skip or not head:
            continue
        shared = len(_stems(head) & terms)
        by_kind = kind in _KIND_COLUMNS and _KIND_COLUMNS[kind].search(head) is not None or (
            kind == "yes_no" and shared and all(_polar(r.cells[i]) for r in t.rows if i < len(r.cells)))
        s = shared + 0.5 * by_kind
        if s > score:
            best, score = i, s
    return best


def _lines(t: Table, rows: list[Row], verdict: str, first: int) -> BottomLine:
    src = source(t.header.unit)
    lines = [verdict]
    for k, r in enumerate(rows):
        lines.append(f"{'Its row' if len(rows) == 1 else 'Row'}: “{r.unit.text}” [{first + k}].")
    lines.append(f"The columns of {src}: “{t.header.unit.text}” [{first + len(rows)}].")
    return BottomLine(lines, [*(r.unit for r in rows), t.header.unit], [verdict])


def table_answer(ctx: Context, first: int = 1) -> BottomLine | None:
    """The answer read from a retrieved table's rows (module docstring), or None when no table row carries a name of
    the question, or no column answers it. Lines: the reading of the cells (composed), each row quoted [first…],
    the header row quoted last."""
    q = ctx.question
    if q.language != "en" or q.parts:
        return None
    if (header := columns(ctx, first)) is not None:
        return header
    names = [n for n in dict.fromkeys((*q.names, *q.context_names)) if len(n) > 2 and not n.isdigit()]  # not "2026"
    terms = {stem(norm(t)) for t in q.terms} - _ASKED_WORDS
    for t in tables(ctx.table_hits or ctx.hits):
        keyed = [r for r in t.rows if any(_has(c, n) for c in r.cells[:1] for n in names)]
        found = None
        if keyed:  # "What is the review policy for ECCN 3A090.a?": the row whose first cell it names
            found = _one_row(t, keyed[0], q, names, terms - _stems(keyed[0].cells[0]), first, ctx.corrections)
            key = keyed[0].cells[0]  # what else the documents say about the row ("Note: SH-2026-0322 was flagged …")
            more = [u for u in ctx.units[:10] if _has(u.text, key) and not TABLE_ROW.search(u.text)][:2]
            found = replace(found, support=more) if found is not None and more else found
        if found is None:  # "Which ECCN covers the chemical with CAS number 7664-39-3?": the rows holding it
            found = _which_rows(t, q, names, terms, first)
        if found is not None:
            return found
    return None


# a cell that answers yes or no: "Yes", "No", "not reported", "Yes, return by 30 November 2026", or a date (the day
# it happened: "Reported to Board: 10 July 2026"); not a value of another kind ("LVS", "Ravi Menon", "62,000")
_POLAR = re.compile(r"^\s*(?:yes|no|y|n|true|false|none|nil|never|n/?a|pending|done|open|closed|cleared|not\b.*|"
                    r"[✓✔✗✘x])\b", re.I)


def _polar(cell: str) -> bool:
    """Whether a table cell says yes or no, or dates the event its column names (`_POLAR`, `DAY_WRITTEN`)."""
    return bool(_POLAR.match(cell) or _NEGATIVE.match(cell) or re.fullmatch(DAY_WRITTEN, cell.strip()))


def _about_row(t: Table, row: Row, terms: set[str]) -> bool:
    """Whether the question's words, its names aside, are the row's and its table's: "Was SH-2026-0315 shipped to
    Malaysia?" (one word, "ship", left over) is, "Was Ravi Menon's request to downgrade IA-F-01 approved?" (request,
    downgrade, approve) is not, though Ravi Menon is the row's Owner."""
    held = _stems(" ".join([*t.header.cells, *row.cells]))
    return len({x for x in terms if x not in held and not any(c.isdigit() for c in x)}) <= 1


def _named_column(t: Table, row: Row, names: list[str]) -> tuple[int, str] | None:
    """(column, "Yes." / "No.") for a name of the question other than the row's key that a column of the table
    holds: "Yes." when the row's cell has it, "No." when only other rows' cells do; None when no column has one."""
    for n in names:
        if _has(row.cells[0], n) or n.isdigit():
            continue
        for col in range(1, len(t.header.cells)):
            if col < len(row.cells) and _has(row.cells[col], n):
                return col, "Yes."
            if any(col < len(r.cells) and _has(r.cells[col], n) for r in t.rows):
                return col, "No."
    return None


def _one_row(t: Table, row: Row, q, names: list[str], terms: set[str], first: int,
             corrections: tuple = ()) -> BottomLine | None:
    """A question about one row named by its first cell ("Was SH-2026-0315 reported to the Board?"); a cell its
    document corrects in prose further on is answered by the correction (engines/corrections.py)."""
    named = None
    key, src = row.cells[0], source(t.header.unit)
    asked = _column(t, q, terms, skip=0)  # "… in Hanoi … Is it eligible?": the Eligible column is asked, not the
    named_asked = asked is not None and bool(_stems(t.header.cells[asked]) & terms)  # Destination that says Hanoi
    if q.kind == "yes_no" and not named_asked and _about_row(t, row, terms - _stems(" ".join(names))) and \
            (named := _named_column(t, row, names)) is not None:
        col, said = named  # "Was SH-2026-0315 shipped to Malaysia?": its Destination says where it went
    else:
        col = asked
        said = "No." if col is not None and col < len(row.cells) and _NEGATIVE.match(row.cells[col]) else "Yes."
        if q.kind == "yes_no" and col is not None and col < len(row.cells) and not _polar(row.cells[col]):
            return None  # "Is SH-2026-0344 eligible …?" read in "Exception requested: LVS": LVS is no yes
    if col is None or col >= len(row.cells):
        return None
    head, cell = t.header.cells[col], row.cells[col]
    if q.kind == "yes_no":
        if named is None and not _stems(head) & terms or _DUTY.search(q.ask or q.core):
            return None  # no column is named by the question's words; "Did it need to be reported?" asks a rule
        asked = [d.group(0) for d in CALENDAR.finditer(q.ask or q.core)]
        if said == "Yes." and asked and not any(_has(cell, d) for d in asked):
            said = "Not on that date."  # "Was SH-2026-0301 reported on 20 August 2026?" and "10 July 2026"
        verdict = f"{said} {src} gives {key} as {cell or 'blank'} under {head} (read from the table)."
    else:
        if not cell:
            return None
        if (c := cell_correction(corrections, row.unit, key, head)) is not None:
            return _corrected(t, row, c, cell, first)
        verdict = f"{cell}: {source(t.header.unit)} gives it under {head} for {key} (read from the table)."
    return _lines(t, [row], verdict, first)


def _corrected(t: Table, row: Row, c, cell: str, first: int) -> BottomLine:
    """The corrected value first, quoting the correction [first], then the row as its table first gave it."""
    when = f", corrected on {c.date}" if c.date else ", as corrected"
    verdict = f"{c.value}{when}, per {source(c.unit)}: “{flat(c.unit.text).rstrip(' .')}” [{first}]."
    lines = [verdict, f"Before that, its table gave {cell}: “{row.unit.text}” [{first + 1}].",
             f"The columns of {source(t.header.unit)}: “{t.header.unit.text}” [{first + 2}]."]
    return BottomLine(lines, [c.unit, row.unit, t.header.unit], [])  # every line quotes: verified as quotes


_ASKED_NOUN = re.compile(r"^\W*(?:which|what|how\s+many|list(?:\s+(?:the|all))?)\s+(?:[\w.-]*\d[\w.-]*\s+)?"
                         r"(?P<noun>[A-Za-z]{3,})(?:\s+(?P<then>[A-Za-z]{3,}))?", re.I)  # "How many MX-400 units …":
# "units"; "Which audit findings …": "audit", then "findings"


def _subject_column(t: Table, terms: set[str], ask: str = "") -> tuple[int, set[str]] | None:
    """The column whose header names what the question asks for ("shipments" / "Shipment", "parties" / "Party"):
    the noun right after "which" / "what" / "how many" (a model number before it aside), or the word after it
    ("Which audit findings …": "findings"); (its index, the question's words that name it), or None."""
    noun = _ASKED_NOUN.match(ask)
    if noun is None:
        return None
    return _column_named(t, {stem(norm(noun.group("noun")))}) or (_column_named(t, {stem(norm(noun.group("then")))})
                                                                  if noun.group("then") else None)


def _column_named(t: Table, terms: set[str]) -> tuple[int, set[str]] | None:
    for col, head in enumerate(t.header.cells):
        said = {w for w in terms if any(_prefixed(w, s) or _prefixed(w[:-2], s) for s in _stems(head))}
        if said:  # ("parti" is the stem of "parties", "parti" + "y" of "party")
            return col, said
    return None


def _which_rows(t: Table, q, names: list[str], terms: set[str], first: int) -> BottomLine | None:
    """A question asking which rows (or how many) have a name of the question in a cell, a cell's whole value
    ("Which parties had no match?"), or the question's polarity in the column its words name ("Which shipments
    were not reported to the Board?"); or, asking about the table's own document, all its rows ("How many shipments
    are in the register?")."""
    ask = q.ask or q.core
    found = _subject_column(t, terms, ask)
    if not (_WHICH.search(ask) or _HOW_MANY.search(ask)) or found is None:
        return None
    key, subject = found
    wanted = [n for n in names if not n.isdigit() and any(_has(c, n) for r in t.rows for c in r.cells if c != r.cells[key])]
    said_cells = {c for r in t.rows for i, c in enumerate(r.cells) if i != key and len(c) > 3 and not c.isdigit()
                  and (_has(ask, c) or _opened_by(c, ask))}  # "no match" written in the question, or "closed" of
    # "Closed on 10 October 2026"
    col = _column(t, q, terms - subject, skip=key)
    named_col = col is not None and bool(_stems(t.header.cells[col]) & (terms - subject))
    whole = not wanted and not said_cells and not named_col and bool(
        _stems(str(t.header.unit.hit.meta.get("title") or "")) & (terms - subject))  # "… in the register?"
    if not wanted and not said_cells and not named_col and not whole:
        return None
    rows = [r for r in t.rows if all(any(_has(c, n) for c in r.cells) for n in wanted)
            and (not said_cells or said_cells & set(r.cells))]
    how = "naming " + " and ".join(dict.fromkeys([*joined_names(wanted, ask), *sorted(said_cells)]))  # "CAS
    # 7664-39-3"; a name said twice (as a name and as a cell) is named once
    if whole:
        how = "it holds"
    elif named_col and not wanted and not said_cells:  # a column of yes and no ("Reported to Board": a date, or
        if all(bool(_NEGATIVE.match(r.cells[col])) == bool(_NEGATIVE.match(t.rows[0].cells[col]))  # "not reported")
               for r in t.rows if col < len(r.cells)) or col >= len(t.rows[0].cells):
            return None
        negative = bool(_NEGATED.search(ask))
        rows = [r for r in rows if col < len(r.cells) and bool(_NEGATIVE.match(r.cells[col])) == negative]
        values = {r.cells[col] for r in rows}
        how = f"with {next(iter(values)) if len(values) == 1 else ('no' if negative else 'given')} under " \
              f"{t.header.cells[col]}"
    if _HOW_MANY.search(ask) and _KIND_COLUMNS["number"].search(t.header.cells[key]):  # "How many MX-400 units …?"
        return _total(t, rows, key, how, first) if rows else None  # the count column itself, added up
    return _listed(t, rows, key, col if named_col else None, how, first, _HOW_MANY.search(ask) is not None)


def _opened_by(cell: str, ask: str) -> bool:
    """Whether the cell's first word, a status word of four letters or more ("Closed" of "Closed, no breach"), is a
    word of the question ("Which findings are closed?")."""
    first = re.match(r"[A-Za-z]{4,}(?=\W|$)", cell.strip())
    return first is not None and first.group(0).lower() not in STOP and first.group(0).lower() in {
        w for w in words(ask)[1:] if w.islower()}  # "closed", not the name "Penang" (of "Penang, Malaysia")


def _listed(t: Table, rows: list[Row], key: int, col: int | None, how: str, first: int, counting: bool
            ) -> BottomLine | None:
    """The rows' cells of column `key`, listed (counted when `counting`), or the count column `col` added up."""
    src = source(t.header.unit)
    if rows and counting and col is not None and _KIND_COLUMNS["number"].search(t.header.cells[col]):
        return _total(t, rows, col, how, first)  # "How many MX-400 units were shipped to Vietnam?": its Units
    if not rows:
        verdict = f"None: no row of {src} is {how} (read from the table)."
        return BottomLine([verdict, f"The columns of {src}: “{t.header.unit.text}” [{first}]."], [t.header.unit],
                          [verdict])
    keys = [r.cells[key] if key < len(r.cells) else "" for r in rows]
    keys = keys if counting else list(dict.fromkeys(keys))  # "Vietnam", once for the two rows that give it
    listed = keys[0] if len(keys) == 1 else "; ".join(keys[:-1]) + " and " + keys[-1] if any(
        "," in k for k in keys) else ", ".join(keys[:-1]) + " and " + keys[-1]
    count = f"{len(keys)}: " if counting else ""
    return _lines(t, rows, f"{count}{listed}, per {src}: the rows {how} (read from the table).", first)


def columns(ctx: Context, first: int = 1) -> BottomLine | None:
    """"What columns does the shipment register have?": the header row of the retrieved table whose document's title
    shares a word of the question, quoted; None for any other question."""
    q = ctx.question
    if q.language != "en" or not _COLUMNS.search(q.ask or q.core):
        return None
    terms = {stem(norm(t)) for t in q.terms} - _ASKED_WORDS
    for t in tables(ctx.table_hits or ctx.hits):
        if _stems(str(t.header.unit.hit.meta.get("title") or "")) & terms:
            src = source(t.header.unit)
            verdict = f"{len(t.header.cells)} columns, per {src}: {', '.join(t.header.cells)} (read from the table)."
            return BottomLine([verdict, f"The header row: “{t.header.unit.text}” [{first}]."], [t.header.unit],
                              [verdict])
    return None


_COLUMNS = re.compile(r"\b(?:columns?|headers?|fields)\b.{0,60}\b(?:register|log|table|list|schedule)\b|"
                      r"\b(?:register|log|table|list|schedule)\b.{0,60}\b(?:columns?|headers?)\b", re.I)


_AMOUNT = re.compile(r"^\s*(\d[\d,]*)(?:\.\d+)?\b")


def _total(t: Table, rows: list[Row], col: int, how: str, first: int) -> BottomLine | None:
    """The count column's cells of `rows`, added up when there are several ("20 in total: 8 (SH-…) + 12 (SH-…)")."""
    cells = [r.cells[col] if col < len(r.cells) else "" for r in rows]
    amounts = [_AMOUNT.match(c) for c in cells]
    if not all(amounts):
        return None
    head, src = t.header.cells[col], source(t.header.unit)
    if len(rows) == 1:
        verdict = f"{cells[0]} ({head}), per {src}: the row of {rows[0].cells[0]} (read from the table)."
    else:
        total = sum(int(m.group(1).replace(",", "")) for m in amounts)
        added = " + ".join(f"{c} ({r.cells[0]})" for c, r in zip(cells, rows, strict=True))
        verdict = f"{total} in total ({head}, added up from the rows {how} of {src}): {added}."
    return _lines(t, rows, verdict, first)
