"""The bottom line of a yes/no question about a rule, built from the documents' own clauses (no LLM).

A compliance officer reads the first sentence. For "is testing a 910D in Malaysia a violation?" it says what the
documents imply for the case asked, each part quoted and cited:

    Yes. The Business Times (2025-05-14) reports: “The Commerce Department issued guidance stating that the use of
    Huawei Technologies’ Ascend … chips “anywhere in the world” violates the government’s export controls” [1]; AIM
    (date not given) names the 910D among them: “Huawei’s Ascend processors, namely the 910B, 910C, and 910D” [2].

then, labelled as such, the inference that applies the rule to the case, the hedged sources by name ("CGTN words it
as a possibility: “… may violate …”"), and what the documents never mention. The verdict follows the rule clause:
a clause stating the judgment of the question's subject firmly gives yes (or no, when the question asks whether it
is allowed, or the clause negates it); only hedged clauses give "possibly"; no clause about the subject gives "the
documents do not settle this", saying what is missing. Verification checks every quoted clause and its frame.
"""

from __future__ import annotations

import re

from assistant import language
from assistant.engines.base import Context
from assistant.engines.cases import (
    ONLY,
    another_case,
    as_subject,
    case,
    case_names,
    case_of,
    case_terms,
    condition_met,
    other_than_use,
    permission_case,
    risk_case,
)
from assistant.engines.classified import products, reclassified
from assistant.engines.framing import BottomLine, Rule, flat, source
from assistant.engines.personnel import staff_lines, staffed_verdict
from assistant.engines.scope import AUTHORITY, display, other_paper, outside_scope, party, tie, ties
from assistant.engines.threshold import ASKED_AMOUNT, MEASURE, OBLIGATION, threshold, unapplied
from assistant.models import Unit
from assistant.names import names_in, settings_in
from assistant.question import AT_RISK, OK_TO
from assistant.terms import (
    NO_ONE,
    PERMISSION,
    PROHIBITION,
    RECORD_ID,
    STOP,
    content_stems,
    hedges,
    negated,
    stem,
    stem_set,
    words,
)

_RULE = re.compile(r"\b(violat\w*|breach\w*|illegal|unlawful|prohibit\w*|forbid\w*|banned|infring\w*|"
                   r"(?:is|are) (?:not )?(?:allowed|permitted|lawful|legal)|may not|shall not|cannot|"
                   rf"{NO_ONE}(?:may|shall|can)|requires?|required|must|may (?:also )?be \w+(?:ed|en)|"
                   r"(?:ist|sind) (?:untersagt|verboten)|(?:est|sont) interdite?s?|(?:está|están) prohibid[oa]s?)\b", re.I)
# an identifier of a record rather than a model: "EL-2025-0042", "CM-2025-07", "744.23" (not "910D", "3A090")
_VIOLATION = re.compile(r"violat|breach|illegal|unlawful|prohibit|forbid|banned|infring", re.I)
_OBLIGED = re.compile(r"\b(requires?|required|must|need|needs|have to|has to|obliged|mandatory)\b", re.I)
_OPEN = re.compile(r"(?:\b(?:that|knows|saying|stating|declaring|warning|warned)\s+|[:;]\s*|^)", re.I)
_MAX_LEAD_WORDS = 25


# a rule whose subject is its own document's entries ("Entities on this list may not receive…"): it covers a party
# the question names when that document names it too
_THIS_DOCUMENT = re.compile(r"\b(?:on|in|under) (?:this|the present) (?:list|register|notice|schedule|annex|table)\b|"
                            r"\b(?:listed|designated) (?:entities|parties|persons|companies|end[- ]users)\b", re.I)
# an object every case's object falls under: "may not receive any item"
_ANY_ITEM = re.compile(r"\b(?:any|all|every) (?:items?|goods|products?|commodit\w+|hardware|exports?|shipments?)\b", re.I)


_STOP = re.compile(r"[;]|,\s+(?!and\b|or\b)|(?<!\b[A-Z])\.(?=\s*$|\s+[A-Z“\"(])|$")
_STOP_SENTENCE = re.compile(r"[;]|(?<!\b[A-Z])\.(?=\s*$|\s+[A-Z“\"(])|$")


def _clause(text: str, m: re.Match) -> tuple[int, int]:
    """The span of the clause around the judgment word at `m`: from the last opener ("that", ";", ":", sentence
    start) before it to the next ; , or full stop after its object. A prohibition or obligation runs to the end of
    its sentence ("You may not export, reexport, or transfer … without a license … to Country Group D:5"): its
    conditions are the rule."""
    opens = [o.end() for o in _OPEN.finditer(text, 0, m.start())]
    start = max(opens) if opens else 0
    stop = _STOP if _VIOLATION.match(m.group(1)) else _STOP_SENTENCE
    end = stop.search(text, m.end()).start()
    return start, end


def rules(ctx: Context, subject: list[str]) -> list[Rule]:
    """Clauses of the top units that call the question's subject (one of `subject`'s names, or a class) a
    violation (or allowed), best first: firm before hedged, then relevance."""
    want = {stem(n) for n in subject}
    asked = ctx.question.ask or ctx.question.core
    papers = {stem(p.group(1)) for p in _PAPERS.finditer(asked)}  # "need a licence?": a rule about licences
    violation = bool(_VIOLATION.search(asked)) or (  # "Ist es ein Verstoß…?", "¿Es una infracción…?"
        ctx.question.language != "en" and language.asks_restriction(asked) is True)
    parties = [n for n in (*ctx.question.names, *ctx.question.context_names) if not any(c.isdigit() for c in n)]
    listing = {u.hit.doc_id: n for u in ctx.units for n in parties if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", u.text)}
    out: list[Rule] = []
    for u in ctx.units[:40]:
        if u.hit.doc_id in ctx.superseded:
            continue  # an old version's rule: the version that superseded it decides
        for m in _RULE.finditer(u.text):
            s, e = _clause(u.text, m)
            clause = u.text[s:e]
            judged = bool(_VIOLATION.match(m.group(1)))  # "X violates …": X before the verb; "you may not export X …"
            listed = listing.get(u.hit.doc_id, "") if _THIS_DOCUMENT.search(clause) else ""
            if want and not want & stem_set(clause[: m.start() - s + 1] if judged else clause) and not listed or \
                    another_case(clause, {*ctx.question.names, *ctx.question.context_names}):
                continue  # "they violate market principles"; "must report SH-2026-0322" (cases.another_case)
            if papers and not violation and not papers & stem_set(clause):
                continue  # "must be reported within 15 days" does not answer "do we need a licence?"
            if papers and not violation and judged and not _WITHOUT_PAPERS.search(clause):
                continue  # "reports of Huawei sourcing chips …, potentially violating controls" says nothing of
                # whether a report is required; "exporting without a licence violates the EAR" does
            lead = re.sub(r"^\s*\[[^\]]{1,40}\]\s*", "", u.text[:s])  # "[NEW YORK] The Commerce…": not the dateline
            quote = u.text[len(u.text[:s]) - len(lead):e] if len(words(lead)) <= _MAX_LEAD_WORDS else clause
            prohibition = bool(PROHIBITION.search(clause))  # "may not", "No lab may": a rule, not a hedge
            hedge = hedges(clause) - ({"reported", "reports", "expected"} if _OBLIGED.search(clause) else set())
            permitted = bool(PERMISSION.search(clause)) and not _VIOLATION.search(clause)
            if m.group(1).lower().startswith("may") and " be " in m.group(1) and not permitted:
                continue  # "may be considered a violation": the hedged violation is matched at its own word
            out.append(Rule(u, quote.strip(), bool(hedge) and not (prohibition or permitted), negated(clause), judged,
                            listed))
            break

    terms = set(ctx.question.terms)
    objects = {stem(w) for w in case_terms(ctx.question)}  # what the case acts on: a rule must name it to cover it
    records = {stem(n) for n in ctx.question.names if RECORD_ID.fullmatch(n)}
    asked_names = {n.lower() for n in (*ctx.question.names, *ctx.question.context_names)}
    places = {n.lower() for n in ctx.question.context_names if not any(c.isdigit() for c in n)}

    def rank(r: Rule) -> tuple:
        have = stem_set(r.quote)
        named = sum(stem(n) in have for n in subject) / max(1, len(subject))
        named += len(terms & have) / max(1, len(terms))  # the rule about what is asked ("export … 3A090.a … D:5")
        authority = bool(AUTHORITY.search(r.quote))
        dated = bool(r.unit.hit.meta.get("published"))
        missing = 0 if _ANY_ITEM.search(r.quote) else len(objects - stem_set(r.quote))  # "must not carry evaluation
        # boards" does not cover laptops; "may not receive any item" covers everything
        own = stem_set(r.unit.hit.text) | stem_set(str(r.unit.hit.meta.get("title") or ""))
        other_record = len(records - own)  # a question naming licence EL-2025-0042 is answered from its record
        # "no Ascend device may be tested at the Penang lab" does not rule on a case in Singapore
        elsewhere = bool(places) and any(p.lower() not in asked_names for p in settings_in(r.quote, names_in(r.quote))) \
            and not ONLY.search(r.quote)  # "permitted only in the Penang lab" rules on every other place too
        return (other_record, elsewhere, missing, r.hedged, violation and not r.judged, r.unit.heading, -(r.unit.relevance + 0.3 * named + 0.15 * authority + 0.1 * dated - 0.01 * len(words(r.quote))))
    out.sort(key=rank)
    return out


_NO_RULE = ("The documents do not settle this: no passage states a rule about the case asked; what they say about it "
            "follows.")


def bottom_line(ctx: Context, classes: tuple[str, ...], absent: tuple[str, ...], first: int = 1) -> BottomLine:
    """The bottom line of a yes/no rule question; markers are numbered from `first`."""
    q = ctx.question
    if (by_threshold := threshold(ctx, first)) is not None:
        return by_threshold
    specific, subject = _subject(q, classes)
    found = rules(ctx, subject) if subject else []
    firm = [r for r in found if not r.hedged]
    units, lines, composed = [], [], []  # the units quoted, in marker order; the lines; those the engine composed

    def mark(u: Unit) -> str:
        units.append(u)
        return f"[{first + len(units) - 1}]"

    if not found:
        return BottomLine([_NO_RULE], [], [_NO_RULE])
    lead = firm[0] if firm else found[0]
    named = stem_set(lead.quote)
    every = bool(_ANY_ITEM.search(lead.quote))  # "may not receive any item": whatever the case ships
    unsettled = (None if every else reclassified(ctx, lead, products(q), first)) or \
        _not_covered(ctx, lead, found, subject, specific, every, first) or (
        other_paper(lead, q, first) if firm else None)  # "require a licence determination" is no licence
    if unsettled is not None:
        return unsettled
    verdict, staffed = staffed_verdict(ctx, lead.quote, _verdict(q, lead, firm), asks_restriction(q.ask or q.core)) \
        if firm else (_verdict(q, lead, firm), None)  # "only by staff named on that licence": the person asked
    head = f"{verdict} {source(lead.unit)} reports: “{flat(lead.quote)}” {mark(lead.unit)}"
    if lead.listed:  # "Entities on this list…": the entry that puts the party on it
        entry = next((u for u in ctx.units if u.hit.doc_id == lead.unit.hit.doc_id and u is not lead.unit
                      and re.search(rf"(?<!\w){re.escape(lead.listed)}(?!\w)", u.text)), None)
        if entry is not None:
            head += f". It lists {party(q, lead.listed)}: “{flat(entry.text).rstrip(' .')}” {mark(entry)}"
    for u, (shown, span) in ([] if every else ties(ctx, specific, [c for c in subject if stem(c) in named], lead)):
        head += f". {source(u)} names the {shown} among them: “{flat(span)}” {mark(u)}"  # "any item": no tie to show
    lines.append(head + ".")
    if staffed is not None:  # "only by staff named on that licence": the licence's staff, and whether the person is
        lines += staff_lines(staffed, mark(staffed.field))  # among them
        composed.append(lines[-1])
    asked_case = case_of(q) or risk_case(q)  # "Are we at risk if our subsidiary runs …?", "Can we …?" are cases too
    if (asked_case or q.language != "en") and firm and (specific or q.context_names) and staffed is None:  # the
        # staff line is the inference of a question about a person
        subject_of = as_subject(asked_case) if asked_case and not _ANAPHOR.fullmatch(asked_case) else \
            "the case you describe"  # asked in another language, or "Is that allowed?" after the case is told
        line = f"This is an inference the documents support but do not state: {subject_of} is a case of that rule."
        lines.append(line)
        composed.append(line)
    hedged = [r for r in found if r.hedged and r.unit.hit.doc_id != lead.unit.hit.doc_id and r.judged == lead.judged]
    if hedged and firm:  # the source that words the same rule as a possibility: the closest wording to the lead
        r = max(hedged, key=lambda r: len(stem_set(r.quote) & stem_set(lead.quote)) / len(stem_set(r.quote) | stem_set(lead.quote)))
        lines.append(f"{source(r.unit)} words it as a possibility: “{flat(r.quote)}” {mark(r.unit)}.")
    if absent and (line := ctx.absence()):
        lines.append(line)
        composed.append(line)
    quoted = {(u.hit.doc_id, u.start) for u in units}
    more = [r.unit for r in found if (r.unit.hit.doc_id, r.unit.start) not in quoted]
    more += [u for u in ctx.units[:40] for item in specific
             if re.search(rf"(?<!\w){re.escape(item)}(?!\w)", u.text, re.I)]
    return BottomLine(lines, units, composed, list(dict.fromkeys(more)))


def _subject(q, classes: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(the model numbers the question names, the names a rule must be said of): its names and the classes its
    models belong to, a record's identifier aside ("EL-2025-0042": the record the rule must come from); without
    names, the case's own words ("is exporting chips to China a violation?")."""
    records = [n for n in q.names if RECORD_ID.fullmatch(n)]
    specific = [n for n in q.names if any(c.isdigit() for c in n) and not n.isdigit() and n not in records] or [
        n for n in q.context_names if not q.follow_up and any(c.isdigit() for c in n) and any(c.isalpha() for c in n)
        and not RECORD_ID.fullmatch(n)]  # "… two Ascend 910D boards … Is that allowed?": the case's models, told
    # in the same message (after earlier turns, the names of the last answer are no case)
    general = [n for n in q.names if n not in specific and n not in records]
    earlier = [n for n in q.context_names if not any(c.isdigit() for c in n)]  # "servers with Huawei Ascend chips…"
    subject = list(dict.fromkeys([*general, *classes, *earlier, *specific]))
    if not subject:
        subject = [w for w in words(case(q) or (q.ask or q.core)) if w not in q.context_names and len(w) > 3
                   and not _OBLIGED.search(w) and not _PAPERS.search(w) and w.lower() not in STOP][:5]
    return specific, subject


def _not_covered(ctx: Context, lead: Rule, found: list[Rule], subject: list[str], specific: list[str], every: bool,
                 first: int) -> BottomLine | None:
    """"The documents do not settle this: the rule they state is about X, and no passage says that it covers Y."
    when the leading rule does not reach the case (another activity, maker, object or destination, or a model no
    passage ties to its class); None when it does."""
    q = ctx.question
    named = stem_set(lead.quote)
    uncovered = [] if every else [w for w in case_terms(q) if stem(w) not in stem_set(lead.unit.text)]
    # "using Nvidia chips": a rule about Huawei's Ascend chips does not cover a maker or product that neither its
    # sentence nor its document's title names (model numbers are tied to a class through a passage, below)
    cover = stem_set(lead.unit.text) | stem_set(str(lead.unit.hit.meta.get("title") or ""))
    unnamed = [] if every else [phrase for name, phrase in case_names(q) if stem(name) not in cover]
    # "buying Huawei Ascend chips": a rule about their use does not say that buying, reselling or exporting them is
    # a violation (no passage here does)
    act = None if every else other_than_use(q, _about(lead))
    uncovered = ([act] if act else []) + unnamed + uncovered
    # "an Ascend 910A": the question itself puts the item in a class the rule names, so no passage need tie it
    classed = {stem(m.group(1)) for item in specific
               for m in re.finditer(rf"([A-Za-z][\w-]+)\s+{re.escape(item)}(?!\w)", q.core)} & named  # "… Huawei
    # Ascend 910B accelerators next month. Is that allowed?": the class named before the model, in the case told
    untied = [] if every or classed else [item for item in specific if stem(item) not in named
                                          and not tie(ctx, item, [c for c in subject if stem(c) in named], lead)]
    outside = outside_scope(lead, q)
    if outside and not uncovered and not (specific and len(untied) == len(specific)):
        # "requires a license for the export of any item … to the sanctioned region" says nothing of Thailand
        line = (f"The documents do not settle this: the rule they state is about {outside[0]}, and no passage says "
                f"that it covers {outside[1]}.")
        rule = f"{source(lead.unit)} reports: “{flat(lead.quote)}” [{first}]."
        return BottomLine([line, rule], [lead.unit], [line], [r.unit for r in found[1:3]])
    if uncovered or (specific and len(untied) == len(specific)):  # the rule is about something else
        missing = display(untied[0], q) if untied else uncovered[0]
        line = (f"The documents do not settle this: the rule they state is about {_about(lead)}, and no passage says "
                f"that it covers {missing}.")
        rule = f"{source(lead.unit)} reports: “{flat(lead.quote)}” [{first}]."
        return BottomLine([line, rule], [lead.unit], [line], [r.unit for r in found[1:3]])
    return None


def _verdict(q, lead: Rule, firm: list[Rule]) -> str:
    """The verdict that opens the bottom line: "Yes." / "No." by the rule's direction and the question's, "Possibly:
    …" on hedged rules only, a conditional permission's conditions, or the threshold the case was not held against."""
    asked = q.ask or q.core
    if q.follow_up and not (_VIOLATION.search(asked) or _OBLIGED.search(asked) or language.judgment(asked)
                            or re.search(r"legal|allowed|permitted|can we|may we", asked, re.I)):
        asked = q.search  # "What about in Thailand?" asks what the question before it asked
    yes = restricted(lead.quote, lead.negated) == asks_restriction(asked)
    if _NEGATED_ASK.search(q.ask or q.core):  # "is it NOT a violation?": yes and no swap
        yes = not yes
    verdict = ("Yes." if yes else "No.") if firm else "Possibly: the sources say only that it may."
    met = condition_met(lead.quote, q) if firm else None  # "permitted only in the Penang lab, under an export licence…"
    if met in ("inside", "open"):  # "open": the question does not say whether its case meets them
        verdict = {("inside", True): "No, as long as its conditions are met.", ("inside", False): "Yes, but only "
                   "under the conditions it states.", ("open", True): "Yes, unless its conditions are met.",
                   ("open", False): "Only under the conditions it states."}[met, asks_restriction(asked)]
    if firm and verdict == "No." and not asks_restriction(asked) and (need := _UNLESS.search(lead.quote)) \
            and not re.search(r"\b(?:without|no)\b", q.ask or q.core, re.I):  # "No employee may test … without prior
        verdict = f"No, only with {need.group('what').rstrip(' .,;')}."  # written approval from the Export Control Board"
    return unapplied(verdict, lead.quote, q.core) if firm else verdict  # a threshold the case was not held against


# a prohibition that lifts with a document or a decision: "may not … without prior written approval from the Board"
_UNLESS = re.compile(r"\bwithout (?P<what>(?:(?:an?|the|its|their|prior|written|express|valid|individual|export)\s+)*"
                     r"(?:approval|licen[cs]e|authori[sz]ation|consent|permit|clearance)\b[^;.]{0,80})", re.I)


_ANAPHOR = re.compile(r"\W*(?:(?:he|she|they|we|i|you)\s+(?:do|go ahead with|proceed with)\s+)?"
                      r"(?:that|this|it|so|doing so|doing that|this plan|that plan)\W*", re.I)
_NEGATED_ASK = re.compile(r"\b(?:not|n't)\b[^?]{0,40}\b(?:violat\w*|illegal|breach\w*|prohibit\w*|a violation|"
                          r"allowed|legal|permitted|required)\b", re.I)


def _about(rule: Rule) -> str:
    """What a rule clause is about, in its own words: its subject before the verb ("the use of Huawei Technologies’
    Ascend artificial intelligence (AI) chips")."""
    m = _RULE.search(rule.quote)
    before = rule.quote[:m.start()] if m else rule.quote
    tail = re.split(r"\b(?:that|stating|saying|declaring|knows)\s+", before)[-1]
    tail = re.sub(r"[“”\"]", "", tail).strip(" ,")
    tail = re.sub(r"^(?:\d{1,2}[.)]|\([a-z0-9]{1,3}\))\s+", "", tail)  # "2. Testing of …": the rule's number is no subject
    tail = re.sub(r"\s+(?:may|might|could|would|can|will|does|do|is|are)$", "", tail)  # "… chips anywhere in the world may"
    return tail if 2 <= len(tail.split()) <= 16 else "another matter"


def restricted(clause: str, negated: bool) -> bool:
    """The clause states a restriction: a violation, or an obligation ("requires an individual export licence"), not
    negated; or a permission negated ("may not receive any item … without an export licence")."""
    if PROHIBITION.search(clause) or re.search(r"\b(?:is|are) not (?:lawful|legal)\b", clause, re.I):
        return True
    return bool(_VIOLATION.search(clause) or _OBLIGED.search(clause)) != negated


def asks_restriction(question: str) -> bool:
    """The question asks whether a restriction applies ("is it a violation?", "do we need a licence?", "ist es ein
    Verstoß?"), rather than whether it is free ("is it legal?", "can we ship … without a licence?")."""
    other = language.asks_restriction(question)
    if other is not None:
        return other
    if AT_RISK.search(question):  # "is it a problem…?", "are we at risk…?": a restriction makes it one
        return True
    if _VIOLATION.search(question) or _OBLIGED.search(question):
        return not re.search(r"\bwithout\b", question, re.I) or bool(_VIOLATION.search(question))
    return False


def rule_in_evidence(ctx: Context) -> bool:
    """A permission question ("Can staff carry Ascend evaluation boards in hand luggage?") whose best evidence states
    a rule about its case: a prohibition or a permission ("Staff must not carry …", "Laptops may be carried as
    usual"; an obligation such as "must file a report" does not say whether the case is allowed) sharing at least
    two of the case's content words (names aside). Such a question gets a
    verdict like one that asks about a violation."""
    q = ctx.question
    asked_case = permission_case(q)
    if q.kind != "yes_no" or not asked_case:
        return False
    named = {stem(n) for n in (*q.names, *q.context_names)}
    wanted = set(content_stems(asked_case)) - named
    for u in ctx.units[:3]:
        if u.heading:
            continue
        deontic = PROHIBITION.search(u.text) or PERMISSION.search(u.text)  # "must file a report" answers no "can we"
        if deontic and not hedges(u.text[max(0, deontic.start() - 12):deontic.end()]) - {"may"} \
                and len(wanted & stem_set(u.text)) >= 2:
            return True
    return False


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


_PERMISSION = re.compile(r"^\W*(?:can|may|could) (?:we|i|our|my|a|an|the|they|you|one|it|he|she)\b|\bare we allowed\b",
                         re.I)
_RULE_ASKED = re.compile(r"violat\w*|breach\w*|\billegal\w*|\blegal\w*|\blawful|\bunlawful|allowed|permitted|"
                         r"permissible|prohibit\w*|forbid\w*|banned|infring\w*|against (the )?(rules|law|controls)|"
                         r"\bbreak\w*\b.{0,40}\b(rules?|laws?|controls|regulations)\b", re.I)


_PAPERS = re.compile(r"\b(licen[cs]es?|permits?|reports?|authori[sz]ations?|approvals?|filings?|declarations?|"
                     r"registrations?|notifications?)\b", re.I)
_WITHOUT_PAPERS = re.compile(rf"\b(?:without|no|lacking|absent)\s+(?:an?\s+|the\s+|any\s+|a\s+valid\s+)?{_PAPERS.pattern}",
                             re.I)


_COUNTED_BEFORE = re.compile(r"(?<![\w.,-])\d[\d,]*\s+(?:[A-Z0-9][\w.-]*\s+){0,3}(?:units?|cards?|modules?|boards?|chips?|pieces?|"
                             r"items?|servers?|devices?|accelerators?|samples?)\b")


def is_rule_question(q) -> bool:
    """A yes/no question about a rule ("is X a violation?", "is X allowed?", "do we need a licence for …?", "is a
    report required for a $20,000 shipment?"); not one that only names a rule ("did the compliance requirements
    take effect?")."""
    ask = q.ask or q.core
    obligation = bool(OBLIGATION.search(ask) and (_PAPERS.search(ask) or ASKED_AMOUNT.search(ask) or (
        ask != q.core and (_COUNTED_BEFORE.search(q.core) or MEASURE.search(q.core)))))  # "15 MX-400 cards …
    # dispatched on 22 June 2026. Does that shipment have to be reported?": the count (or "a match score of 87") first
    without = bool(re.search(r"\bwithout (?:an? |any )?", ask, re.I) and _PAPERS.search(ask))
    permission = bool(_PERMISSION.search(ask)) and any(any(c.isdigit() for c in n) for n in (
        *q.names, *(() if q.follow_up else q.context_names)))  # "can we test a 910D…?"; "Tan Wei Ling wants to test
    # Ascend 910C samples … Can she do that?": the model is named in the case told before the question
    return q.kind == "yes_no" and (bool(_RULE_ASKED.search(ask) or AT_RISK.search(ask) or OK_TO.search(ask)) or permission
                                   or (q.judgment and (q.language != "en" or q.follow_up))
                                   or obligation or without)

