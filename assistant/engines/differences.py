"""How two sources that report one claim differ, for the line after them in the evidence list: which one hedges
("CGTN says “may”, The Business Times does not"), which one negates, or that their figures conflict (the newer first);
an old version superseded by the other is no conflict but named as such."""

from __future__ import annotations

import re

from assistant.models import Hit, Unit
from assistant.terms import DATED, hedges, negated, numbers


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
    na, nb = numbers(a.text) - numbers(b.text), numbers(b.text) - numbers(a.text)
    # both state figures of one kind, and they differ: one adding a figure ("since January 2025") is no conflict,
    # nor are figures of different things ("$10,000" against "10 days")
    if na and nb and _kinds(a.text, na) & _kinds(b.text, nb):
        newer = "" if not (a.hit.meta.get("published") and b.hit.meta.get("published")) else "; the newer is first"
        return (f"The sources conflict: {named(a.hit)} gives {', '.join(sorted(na)) or 'no figure'}, "
                f"{named(b.hit)} gives {', '.join(sorted(nb)) or 'no figure'}{newer}.")
    if not how:
        return None
    return f"{named(a.hit)} and {named(b.hit)} word this differently: {'; '.join(how)}."


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
