"""Whether the rule a bottom line found covers the case asked, and how the question's item is tied to the rule's
class: the destinations a rule is limited to (`outside_scope`), the passage that names a model among the class the
rule names (`tie`), and the question's own wording of a party or item for the line that says so."""

from __future__ import annotations

import re

from assistant.engines.base import Context
from assistant.engines.framing import BottomLine, Rule, flat, source
from assistant.models import Unit
from assistant.terms import words

# words of a source that can state a rule: its passage ties a model to the rule's class with more weight
AUTHORITY = re.compile(r"\b(department|commerce|bureau|BIS|ministry|agency|regulator|government|guidance|rule|"
                       r"regulation|statement|office|authority|commission)\b", re.I)


_DESTINATION = re.compile(r"(?<!subject )\bto (?:the |an? )?(?P<where>(?:sanctioned|embargoed|listed|designated|restricted|"
                          r"prohibited) (?:region|regions|countr(?:y|ies)|destinations?|territor(?:y|ies))|"
                          r"Country Groups? [A-Z](?::\d+)?)", re.I)
# destinations the rule lists by name: "to Vietnam, Thailand or Malaysia" (a place not listed is not covered)
_LISTED = re.compile(r"\bto (?P<where>[A-Z][a-z]+(?: [A-Z][a-z]+)?(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)?)*,? (?:or|and) "
                     r"[A-Z][a-z]+(?: [A-Z][a-z]+)?)\b")
_EVERYWHERE = re.compile(r"\b(?:anywhere|worldwide|every (?:country|destination)|any (?:country|destination)|all "
                         r"(?:countries|destinations))\b", re.I)


def outside_scope(rule: Rule, q) -> tuple[str, str] | None:
    """(what the rule is about, the place asked) when the rule is limited to destinations of a kind ("to the
    sanctioned region", "to Country Group D:5") or listed by name ("to Vietnam, Thailand or Malaysia") and no passage of its document puts the question's place there;
    None when it is not so limited, covers every destination, or names the place."""
    places = [n for n in q.context_names if not any(c.isdigit() for c in n)]
    m = _DESTINATION.search(rule.quote) or _LISTED.search(rule.quote)
    if not places or not m or _EVERYWHERE.search(rule.quote):
        return None
    own = rule.unit.hit.text
    if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", own, re.I) for p in places):
        return None
    return f"exports to {m.group(0)[3:].strip()}", places[0]


def tie(ctx: Context, item: str, classes: list[str], rule: Rule | None) -> tuple[Unit, str] | None:
    """The unit that puts `item` ("910D") in a class the rule names ("Ascend"), and the shortest verbatim span from
    the class's name to the item ("Huawei’s Ascend processors, namely the 910B, 910C, and 910D")."""
    best = None
    for u in ctx.units[:40]:
        for m in re.finditer(rf"(?<!\w){re.escape(item)}(?!\w)", u.text, re.I):  # "910d" as typed is the "910D"
            starts = [c.start() for cls in classes for c in re.finditer(rf"(?<!\w){re.escape(cls)}", u.text[:m.start()])]
            if not starts:
                continue
            span = u.text[max(starts):m.end()]
            owner = re.search(r"[\w’']+['’]s\s*$", u.text[:max(starts)])  # "Huawei’s Ascend…"
            if owner:
                span = u.text[owner.start():m.end()]
            if len(words(span)) > 16:
                continue
            score = (u.relevance + (ctx.similar(u, rule.unit) if rule else 0.0)
                     + 0.3 * bool(re.search(r"\bnamely\b|\bincluding\b|\bsuch as\b|, and\b", span))
                     + 0.2 * bool(AUTHORITY.search(u.text)))
            if best is None or score > best[0]:
                best = (score, u, span)
    return (best[1], best[2]) if best else None


def ties(ctx: Context, items: list[str], classes: list[str], lead: Rule) -> list[tuple[Unit, tuple[str, str]]]:
    """The passages that put the question's models in the rule's class, one per passage: [(unit, (the models as
    the document writes them, "910B, 910C and 910D"; the longest span quoted))]; the rule's own passage aside."""
    found: dict[int, tuple[Unit, list[str], str]] = {}
    for item in items:
        t = tie(ctx, item, classes, lead)
        if t and t[0] is not lead.unit:
            shown = re.search(rf"(?<!\w){re.escape(item)}(?!\w)", t[1], re.I).group(0)  # as the document writes it
            u, names, span = found.setdefault(id(t[0]), (t[0], [], t[1]))
            found[id(u)] = (u, [*names, shown], max(span, t[1], key=len))
    return [(u, (", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0], span))
            for u, names, span in found.values()]


def party(q, name: str) -> str:
    """A party as the question names it, joined names and all ("Böhm & Côté" for "Böhm")."""
    cap = r"[^\W\d_a-z][\w.’'-]*"
    m = re.search(rf"(?:{cap}\s*(?:&|\band\b)\s*)*(?<!\w){re.escape(name)}(?!\w)(?:\s*(?:&|\band\b)\s*{cap})*",
                  q.ask or q.core)
    return m.group(0) if m else name


def display(item: str, q) -> str:
    """An item as the question names it, with the names before it ("Kirin 9000S" for "9000S")."""
    m = re.search(rf"((?:[A-Z][\w-]*\s+){{0,2}}){re.escape(item)}", q.ask or q.core)
    return (m.group(1) + item).strip() if m else item


_PAPER = r"(?:export\s+|import\s+|individual\s+|specific\s+)?(?:licen[cs]e|permit|authori[sz]ation)"
_STEP = r"determination|application|review|check|screening|classification|exception|number|request"
# "Does the shipment need a licence …?": the paper asked for, not a step about one ("a licence determination")
_ASKS_PAPER = re.compile(rf"\b(?:need|needs|require|requires|required|have to (?:get|obtain)|must (?:get|obtain))\s+"
                         rf"(?:an?\s+|the\s+|any\s+)?(?P<what>{_PAPER})\b(?!\s+(?:{_STEP})\b)", re.I)
_STATES_STEP = re.compile(rf"\b(?:require|requires|required|must\s+(?:get|obtain|undergo|have))\s+(?:an?\s+|the\s+)?"
                          rf"(?P<what>{_PAPER}\s+(?:{_STEP}))\b", re.I)


def other_paper(rule: Rule, q, first: int = 1) -> BottomLine | None:
    """"The documents do not settle this" when the question asks whether a licence is needed and the rule requires
    a step about one instead: "Does the MX-400 shipment need a licence under § 744.23?" against "Shipments … to
    Vietnam … require a licence determination by the Trade Compliance team" (a determination may well find that no
    licence is required); the rule quoted with marker `first`. None otherwise."""
    asked = _ASKS_PAPER.search(q.ask or q.core)
    step = _STATES_STEP.search(rule.quote)
    if not (asked and step):
        return None
    line = (f"The documents do not settle this: the rule they state requires a {step.group('what')}, which is not a "
            f"{asked.group('what')} itself.")
    return BottomLine([line, f"{source(rule.unit)} reports: “{flat(rule.quote)}” [{first}]."], [rule.unit], [line])
