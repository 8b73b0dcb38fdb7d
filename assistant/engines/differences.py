"""How two sources that report one claim differ, for the line after them in the evidence list: which one hedges
("CGTN says “may”, The Business Times does not"), which one negates, or that their figures conflict (the newer first);
an old version superseded by the other is no conflict but named as such, nor is a rule that a later document amends
("… amends … with effect from 1 July 2026")."""

from __future__ import annotations

import re

from assistant.engines.cases import subjects
from assistant.models import Hit, Unit
from assistant.terms import DATED, RECORD_ID, hedges, negated, numbers


def differ_note(a: Unit, b: Unit, superseded: dict | None = None) -> str | None:
    """Which two sources word one claim differently, and how ("may" against a firm statement), or that they conflict
    (other figures, the newer named first); None when they differ in nothing a reader must weigh (the same claim,
    attributed in other words). When one document supersedes the other (`superseded`: {old doc_id: Supersession}),
    the old version's figures are no conflict: the note says which version is current."""
    for old, new in ((a, b), (b, a)):
        by = (superseded or {}).get(old.hit.doc_id)
        if by is not None and by.new == new.hit.doc_id:
            changed = ", ".join(sorted(_standalone(old.text) - _standalone(new.text)))
            gave = f" gave {changed}" if changed else " said otherwise"
            return f"{named(old.hit)}{gave}; it is superseded by {named(new.hit)}."
    for new, old in ((a, b), (b, a)):
        note = _amends(new, old)
        if note:
            return note
    for one, other in ((a, b), (b, a)):  # "SH-2026-0334 (2 units) … is not reported" and a condition of the Board's
        # decision on another order: two cases, not one claim worded twice
        own = subjects(one.text)
        if own and not any(r in other.text or r in str(other.hit.meta.get("title") or "") for r in own):
            return None
    how = []
    ha, hb = hedges(a.text), hedges(b.text)
    name_a, name_b = named(a.hit).rsplit(" (", 1)[0], named(b.hit).rsplit(" (", 1)[0]
    if ha != hb:  # which source hedges, by name: "CGTN says “may”, The Business Times does not"
        if ha and hb:
            how.append(f"{name_a} says “{'/'.join(sorted(ha))}”, {name_b} “{'/'.join(sorted(hb))}”")
        else:
            hedger, firm = (name_a, name_b) if ha else (name_b, name_a)
            how.append(f"{hedger} says “{'/'.join(sorted(ha or hb))}”, {firm} does not")
    if negated(a.text) != negated(b.text):
        how.append(f"{name_a if negated(a.text) else name_b} negates what {name_b if negated(a.text) else name_a} "
                   "states")
    na, nb = _figures(a.text) - _figures(b.text), _figures(b.text) - _figures(a.text)
    # both state figures of one kind, and they differ: one adding a figure ("since January 2025") is no conflict,
    # nor are figures of different things ("$10,000" against "10 days")
    if na and nb and _kinds(a.text, na) & _kinds(b.text, nb):
        newer = "" if not (a.hit.meta.get("published") and b.hit.meta.get("published")) else "; the newer is first"
        return (f"The sources conflict: {named(a.hit)} gives {', '.join(sorted(na)) or 'no figure'}, "
                f"{named(b.hit)} gives {', '.join(sorted(nb)) or 'no figure'}{newer}.")
    if not how:
        return None
    return f"{named(a.hit)} and {named(b.hit)} word this differently: {'; '.join(how)}."


# a paragraph's own number ("4. Any shipment …", "(2) …"): a label, not a figure the sources give
_LIST_NUMBER = re.compile(r"^\s*\(?\d{1,2}[.)]\s+")
# a chunk that replaces or amends a rule of another document: "paragraph 4 of memo EC-2026-007 is deleted and
# replaced by the following", "Section 3 of policy TCP-7 is amended"
_AMENDING = re.compile(r"\b(?:is|are) (?:deleted and )?replaced by\b|\b(?:is|are) (?:hereby )?amended\b", re.I)


def _figures(text: str) -> set[str]:
    return numbers(_LIST_NUMBER.sub("", text))


def _folded(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def _amends(new: Unit, old: Unit) -> str | None:
    """The note for two passages of which `new` stands in a later document's chunk that amends or replaces a rule
    of `old`'s document, named by an identifier that document carries (its id, title or chunk: "memo EC-2026-007"):
    "TRADE COMPLIANCE CIRCULAR TC-2026-12 (2026-06-15) amends Handling of … (2026-03-03) with effect from 1 July
    2026: it gives 10, 3; the earlier text 25, 5." None otherwise (a conflict is then a conflict)."""
    from assistant.engines.threshold import start_of  # threshold reads no note: no cycle at import time

    when_new, when_old = str(new.hit.meta.get("published") or ""), str(old.hit.meta.get("published") or "")
    if not (when_new and when_old and when_new > when_old) or not _AMENDING.search(new.hit.text):
        return None
    ids = {_folded(m.group(0)) for m in RECORD_ID.finditer(new.hit.text) if any(c.isdigit() for c in m.group(0))}
    own = _folded(" ".join([old.hit.doc_id, str(old.hit.meta.get("title") or ""), old.hit.text]))
    if not any(i in own for i in ids):
        return None
    start = start_of(new)
    since = f" with effect from {start[1]}" if start else ""
    n, o = _standalone(_LIST_NUMBER.sub("", new.text)), _standalone(_LIST_NUMBER.sub("", old.text))
    gives, gave = n - o, o - n
    figures = f": it gives {', '.join(sorted(gives))}; the earlier text {', '.join(sorted(gave))}" if gives and gave \
        else ""
    return f"{named(new.hit)} amends {named(old.hit)}{since}{figures}."


def source_tag(hit: Hit) -> str:
    """"CGTN, date not given": a passage's source as the evidence list tags it."""
    m = hit.meta
    return f"{m.get('publisher') or short_title(m.get('title')) or hit.doc_id}, {m.get('published') or 'date not given'}"


def named(hit: Hit) -> str:
    """"CGTN (date not given)", "The Business Times (2025-05-14)"."""
    m = hit.meta
    return f"{m.get('publisher') or short_title(m.get('title')) or hit.doc_id} ({m.get('published') or 'date not given'})"


def short_title(title: str | None, most: int = 12) -> str | None:
    """A title cut to its first `most` words (long front-matter titles would swamp the citation line)."""
    if not title:
        return title
    w = title.split()
    return title if len(w) <= most else " ".join(w[:most]) + "…"


_FIGURE = re.compile(r"([$€£]\s?)?(\d[\d,]*(?:\.\d+)?)(?:\s*(%|per ?cent|[A-Za-z]+))?")


def _kinds(text: str, figures: set[str]) -> set[str]:
    """What the figures of `text` among `figures` count: the currency before them or the word after them ("$" for
    "$10,000", "day" for "10 days", "%" for "64%"); years and bare figures count "number"."""
    out = set()
    for m in _FIGURE.finditer(text):
        if m.group(2).replace(",", "") not in figures:
            continue
        unit = m.group(1) or m.group(3) or "number"
        out.add("$" if m.group(1) else unit.lower().rstrip("s") if unit != "number" else unit)
    return out


def _standalone(text: str) -> set[str]:
    """The figures of `text` that stand alone: not in a date ("2 June 2025") nor in an identifier ("Rule R4",
    "Revision 1" is a label): what an old version "gave"."""
    text = DATED.sub(" ", text)
    text = re.sub(r"\b(?:revision|rev\.?|version|rule|section|part|no\.?)\s*\d+\b", " ", text, flags=re.I)
    return {m.replace(",", "") for m in re.findall(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?![\w])", text)}
