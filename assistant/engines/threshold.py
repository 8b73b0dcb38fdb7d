"""The bottom line of a rule question with an amount ("Is a report required for a $20,000 shipment?"): the
threshold the documents state ("exceeds $10,000", "$25,000 or less"), from the rule about the requirement asked,
applied to the amount and labelled as an inference; another source's other threshold named as a conflict. A rule
that takes effect on a stated date ("Effective 1 July 2025, …") is applied only to a case dated on or after it: a
shipment dated before gets "Not under this rule", and an undated case is told from when the rule applies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assistant.engines.base import Context
from assistant.engines.cases import another_case
from assistant.engines.framing import BottomLine, flat, source
from assistant.models import Unit
from assistant.terms import CONDITIONAL_RULE, DATED, STOP, content_stems, stem_set, words

_COMPARATOR = (r"((?:does|do|did|shall|must|may|will)\s+not\s+exceed|exceeds?|exceeding|more than|over|above|greater than|"
               r"in excess of|at least|less than|below|under|up to|not exceeding|no more than|or more|or less)")
_AMOUNT = (r"(?<![\w/:-])([$€£]\s?|(?:USD|EUR|GBP|MYR|SGD|RM)\s?)?(\d[\d,]*(?:\.\d+)?)\s*(million|billion|thousand|k\b|m\b|bn\b|"
           r"(?=\s*(?:USD|EUR|GBP|MYR|SGD|dollars?|euros?)\b))?")
_THRESHOLD = re.compile(rf"\b{_COMPARATOR}\s+(?:a |an |the )?(?:value of |total of )?{_AMOUNT}", re.I)
ASKED_AMOUNT = re.compile(_AMOUNT, re.I)
_CURRENCY = re.compile(r"[$€£]|\b(?:USD|EUR|GBP|MYR|SGD|RM|dollars?|euros?)\b", re.I)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}
# asks whether something may be done: "Can we use …?", "May we ship …?", "Are we allowed to …?"
_MAY_WE = re.compile(r"^\W*(?:can|may|could)\s+(?:we|i|our|the)\b|\b(?:allowed|permitted|eligible)\b", re.I)
# a permission bounded by its condition: "a licence exception may be used … only if the net value … does not exceed"
_ONLY_IF = re.compile(r"\b(?:may|can)\b.{0,120}\b(?:only if|only when|provided that|as long as)\b", re.I)
OBLIGATION = re.compile(r"\b(required|require|requires|need|needs|needed|must|mandatory|obliged|obligat\w*|have to|"
                        r"has to|necessary|apply|applies)\b", re.I)


def _number(digits: str, scale: str | None) -> float:
    return float(digits.replace(",", "")) * _SCALE.get((scale or "").lower(), 1.0)


@dataclass
class Threshold:
    """A condition on an amount in a rule: "exceeds $10,000" (comparator first) or "$25,000 or less" (after)."""

    comparator: str
    limit: float
    text: str


_POSTFIX = re.compile(rf"{_AMOUNT}\s+(or less|or more|or below|or above|and above|and below|or under|or over)\b", re.I)
_POSTFIX_AS = {"or below": "or less", "and below": "or less", "or under": "or less", "or above": "or more",
               "and above": "or more", "or over": "or more"}


def _threshold_in(text: str) -> Threshold | None:
    """The first amount condition of `text`, either way round, or None."""
    m, p = _THRESHOLD.search(text), _POSTFIX.search(text)
    if p and (m is None or p.start() < m.start()):
        comparator = p.group(4).lower()
        return Threshold(_POSTFIX_AS.get(comparator, comparator), _number(p.group(2), p.group(3)), p.group(0))
    if m:
        return Threshold(m.group(1), _number(m.group(3), m.group(4)), m.group(0))
    return None


_REQUIRED = re.compile(r"\b(?:need|needs|require|requires|required|must (?:we |I |they )?(?:file|submit|obtain|get|have))"
                       r"\s+(?:an?\s+|the\s+|any\s+)?((?:[\w-]+\s+){0,2}[\w-]+)", re.I)


_REQUIRED_BEFORE = re.compile(r"\b(?:is|are)\s+(?:an?\s+|any\s+|the\s+)?((?:[\w-]+\s+){0,2}?[\w-]+)\s+(?:required|needed|"
                              r"necessary|mandatory)\b", re.I)   # "is a report required for …"


def _required(question: str) -> frozenset[str]:
    """What the question asks whether one needs ("an end-user statement" -> {"end-us", "statement"} stems), or
    nothing when it does not say ("is anything required…?")."""
    for pattern in (_REQUIRED_BEFORE, _REQUIRED):  # "is a report required for a shipment …": the report
        m = pattern.search(question)
        kept = [w for w in words(m.group(1)) if w.lower() not in STOP and not w[0].isdigit() and w.lower() not in
                ("for", "to", "when", "if", "before", "after", "on", "of", "anything", "something", "put", "place",
                 "get", "make", "keep", "take")] if m else []  # "need to put the shipment on hold": the hold
        if kept:
            return frozenset(t for t in stem_set(" ".join(kept)) if t.isalpha() and len(t) >= 3)
    return frozenset({"hold"}) if re.search(r"\bon hold\b", question, re.I) else frozenset()  # "need to put it on hold"


def _denied(text: str, wanted: frozenset[str]) -> str | None:
    """Where the rule says the asked requirement is not needed ("no pre-clearance"), verbatim, or None."""
    for m in re.finditer(r"\b(?:no|not|without)\s+((?:[\w-]+\s+){0,2}[\w-]+)", text, re.I):
        if any(_names(w, stem_set(m.group(1))) for w in wanted):
            return m.group(0)
    return None


def _clause_with(text: str, part: str) -> str:
    """The clause of `text` that holds `part` and states the obligation ("… $25,000 or less still require an end-user
    statement" of "…, but no pre-clearance"), else the whole text: a verdict is given on a clause without negation."""
    start = 0
    for piece in re.split(r",?\s+but\b|;", text):
        at = text.find(piece, start)
        if part in piece and OBLIGATION.search(piece):
            return text[at:at + len(piece)].strip()
        start = at + len(piece)
    return text


def _names(term: str, have: frozenset[str]) -> bool:
    """The rule names `term`, allowing another form of the word ("pre-clearance" / "pre-cleared": "clear…")."""
    n = min(5, len(term))
    return any(t[:n] == term[:n] for t in have if len(t) >= n)


_EFFECTIVE = re.compile(r"\b(?:effective(?: from| on| as of)?|with effect from|takes? effect (?:on|from)|applies from|"
                        r"in force from|from|as of|starting|beginning)\s+(?:on\s+)?$", re.I)
def dates_in(text: str) -> list[tuple[date, str, int]]:
    """The calendar dates written in `text` with their year ("1 July 2025", "July 1, 2025"), parsed by
    python-dateutil: (date, the date as written, its offset); a date without a year cannot be compared with a rule's."""
    from dateutil import parser as dates

    out = []
    for m in DATED.finditer(text):
        if not m.group("year"):
            continue
        try:
            out.append((dates.parse(m.group(0), fuzzy=False).date(), m.group(0), m.start()))
        except (ValueError, OverflowError):
            continue
    return out


def effective(text: str) -> tuple[date, str] | None:
    """When the rule in `text` takes effect, and how the text writes it: "Effective 1 July 2025, every shipment …" ->
    (2025-07-01, "1 July 2025"); None when no date is introduced as the start of the rule."""
    for day, written, at in dates_in(text):
        if _EFFECTIVE.search(text[max(0, at - 40):at]):
            return day, written
    return None


# a document that replaces or amends a rule of another: its effective date is the rule's start
_AMENDS = re.compile(r"\b(?:is|are) (?:deleted and )?replaced by\b|\bis amended\b|\bamendment\b", re.I)


# a question whether a duty may be skipped: "… without telling the Export Control Board?", "… without reporting it?"
_SKIPPING = re.compile(r"\bwithout\s+(?:telling|informing|notifying|reporting|filing|declaring|a\s+report)\b", re.I)


def start_of(u: Unit) -> tuple[date, str] | None:
    """When the rule of unit `u` takes effect: a date its sentence introduces as its start ("Effective 1 July
    2025, every shipment …"), else, for a rule quoted in an amendment ("With effect from 1 July 2026, paragraph 4 …
    is deleted and replaced by the following: "4. Any shipment exceeding 10 units …""), the amendment's date in
    its chunk; None otherwise."""
    return effective(u.text) or (effective(u.hit.text) if _AMENDS.search(u.hit.text) else None)


def _holds(comparator: str, asked: float, limit: float) -> bool:
    """Whether the amount `asked` meets the condition "`comparator` `limit`"."""
    lo, hi, lo_in, hi_in = _bounds(Threshold(comparator, limit, ""))
    return (asked > lo or (lo_in and asked == lo)) and (asked < hi or (hi_in and asked == hi))


def _bounds(t: Threshold) -> tuple[float, float, bool, bool]:
    """The range a condition admits: (low, high, low included, high included)."""
    c, x, inf = t.comparator.lower(), t.limit, float("inf")
    if c in ("at least", "or more"):
        return x, inf, True, False
    if c in ("less than", "below", "under"):
        return -inf, x, False, False
    if c in ("up to", "not exceeding", "no more than", "or less") or c.endswith("not exceed"):  # "… only if the
        return -inf, x, False, True  # net value … does not exceed USD 50,000"
    return x, inf, False, False


def _within(asked: Threshold, rule: Threshold) -> bool | None:
    """Whether every amount the question's condition admits meets the rule's (True), none does (False), or only some
    (None): "above $20,000" is within "exceeds $20,000"; "above $15,000" is partly within "above $20,000"."""
    lo, hi, lo_in, hi_in = _bounds(asked)
    rlo, rhi, rlo_in, rhi_in = _bounds(rule)
    inside = (lo > rlo or (lo == rlo and (rlo_in or not lo_in))) and (hi < rhi or (hi == rhi and (rhi_in or not hi_in)))
    apart = hi < rlo or lo > rhi or (hi == rlo and not (hi_in and rlo_in)) or (lo == rhi and not (lo_in and rhi_in))
    return True if inside else False if apart else None


# a measure with its value: "a match score of 87", "risk rating 4" (numbered as ASKED_AMOUNT's groups: 2 the digits)
MEASURE = re.compile(r"\b(?P<what>score|rating|grade|level|percentage)\s+(?:of\s+|is\s+|was\s+|=\s*)?(\d+(?:\.\d+)?)()"
                      r"(?![\d,.]*\d)(?!\s*(?:%|per ?cent|units?|items?|days?|hours?)\b)", re.I)


def _asked(ask: str) -> tuple[list[re.Match], list[re.Match]]:
    """(what the question asks about, its counts): its amounts of money ("$20,000"), or, without one, its counts of
    things ("exporting 800 thermal cameras"), held against a rule that counts ("exceeds 500 units"), never against
    one in money; or, without either, a measure's value ("a match score of 87"), held against a rule's threshold on
    the same measure ("a match score of 85 or more")."""
    amounts = [m for m in ASKED_AMOUNT.finditer(ask) if m.group(1) or m.group(3) or "," in m.group(2)]
    counts = [] if amounts else [m for m in ASKED_AMOUNT.finditer(ask) if re.fullmatch(r"\d+", m.group(2))
                                 and not re.fullmatch(r"(?:19|20)\d\d", m.group(2))
                                 and re.match(r"\s*(?:[A-Z0-9][\w.-]*\s+){0,3}[a-z]", ask[m.end():])  # "15 MX-400 cards"
                                 and not any(at <= m.start() < at + len(written) for _, written, at in dates_in(ask))]
    return amounts or counts or list(MEASURE.finditer(ask)), counts


# what a threshold counts, written right after it: "exceeding 25 units of a 3A090 item", "more than 500 cameras"
_COUNTS_ITEMS = re.compile(r"\s*(?:[A-Z0-9][\w.-]*\s+){0,2}(?:units?|items?|pieces?|pcs|cards?|modules?|boards?|chips?|"
                           r"devices?|servers?|samples?|cameras?|sensors?|cores?|systems?|consignments?|shipments?|"
                           r"[a-z]+s)\b")


def _rules(units: list[Unit], terms: set[str], wanted: frozenset[str], counting: bool, asked: float,
           names: frozenset[str] = frozenset(), measure: str = "") -> list[tuple[Unit, Threshold]]:
    """The units that state a threshold in a rule (an obligation, a permission bounded by its condition or a
    procedure's conditional step; two of the question's `terms`, every `wanted` requirement named; no threshold in
    money when `counting`; only a threshold on the `measure` asked, "score", when one is), each with its threshold;
    the rule whose condition the amount `asked` meets first, then the rule about what is asked, then the newest."""
    found = []
    for u in units:
        m = _threshold_in(u.text)
        if m and measure and not re.search(rf"\b{measure}\w*\s+(?:of\s+)?(?:{_COMPARATOR}\s+)?$",
                                           u.text[:u.text.find(m.text)], re.I):
            continue  # "a match score of 85 or more" for "a match score of 87", not "within 4 business hours"
        if m and counting and (_CURRENCY.search(m.text) or not _COUNTS_ITEMS.match(u.text, u.text.find(m.text) + len(m.text))):
            continue  # a count of items is held against a threshold in items ("exceeding 25 units"), not "a TPP of
            # 4,960 is 4800 or more"
        have = stem_set(u.text)
        if m and another_case(u.text, names):
            continue  # "… shows SH-2026-0322 … That shipment exceeds 10 units": another shipment's case, not a rule
        if m and len(terms & have) >= 2 and (OBLIGATION.search(u.text) or _ONLY_IF.search(u.text)
                                              or CONDITIONAL_RULE.search(u.text)) and all(
                _names(w, have) for w in wanted):  # a duty, or a permission its condition bounds
            found.append((u, m))
    found.sort(key=lambda x: (_holds(x[1].comparator, asked, x[1].limit), len(terms & stem_set(x[0].text)),
                              str(x[0].hit.meta.get("published") or ""), x[0].relevance), reverse=True)
    return found


def _in_part(u: Unit, m: Threshold, condition_asked: Threshold, first: int) -> BottomLine:
    """The "Only in part" bottom line: the question's range of amounts and the rule's condition overlap in part."""
    lines = [f"Only in part. {source(u)} reports: “{flat(u.text).rstrip('.')}” [{first}]."]
    composed = [f"This is an inference the documents support but do not state: not every amount "
                f"{flat(condition_asked.text).strip()} meets the condition “{flat(m.text).strip()}”; the "
                "rule applies only to those that do."]
    return BottomLine(lines + composed, [u], composed)


def _not_yet(u: Unit, amount: str, condition: str, start: tuple[date, str], case_day: tuple, first: int
             ) -> BottomLine:
    """The "Not under this rule" bottom line: the amount meets the condition, but the case predates the rule."""
    lines = [f"Not under this rule. {source(u)} reports: “{flat(u.text).rstrip('.')}” [{first}]."]
    composed = [f"This is an inference the documents support but do not state: {amount} meets the condition "
                f"“{condition}”, but the case is dated {case_day[1]}, before the rule takes effect on "
                f"{start[1]}."]
    return BottomLine(lines + composed, [u], composed)


def _conflict(u: Unit, limit: float, others: list[tuple[Unit, Threshold]], first: int
              ) -> tuple[Unit, list[str]] | None:
    """The first other document's rule with another threshold, and the lines that name it and the conflict (the
    last, the note on the conflict, is composed), or None."""
    for v, n in others:
        if n.limit != limit and v.hit.doc_id != u.hit.doc_id:
            note = ("The sources conflict on the threshold; the newer is given first."
                    if v.hit.meta.get("published") and u.hit.meta.get("published") else
                    "The sources conflict on the threshold, and not every one is dated.")
            return v, [f"{source(v)} sets another threshold: “{flat(v.text).rstrip('.')}” [{first + 1}].", note]
    return None


def _in_force(found: list, case_day: tuple | None) -> list:
    """The rules `found` ([(unit, Threshold)], best first) with the one in force on the case's date first: a rule
    that takes effect after that date does not decide it, the version it replaces does (the other rule that shares
    most of its words), and the newer one is named after it."""
    if not (case_day and len(found) > 1 and (s := start_of(found[0][0])) and case_day[0] < s[0]):
        return found
    words = stem_set(found[0][0].text)
    older = max(found[1:], key=lambda r: len(words & stem_set(r[0].text)) / len(words | stem_set(r[0].text)))
    return [older, *[r for r in found if r is not older]]


def threshold(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of "is a report required for a $20,000 shipment?": the rule's threshold from the newest
    dated source that states one ("… exceeds $10,000 in value"), the question's amount compared with it (labelled as
    an inference), and an earlier version with another threshold named as a conflict. None without both amounts."""
    q = ctx.question
    ask = q.core  # the amount may be in a sentence of context ("We shipped sensors worth $12,500. Do we …?")
    amounts, counts = _asked(ask)
    skipping = _SKIPPING.search(ask)  # "Can we ship 15 cards … without telling the Board?": the duty asked, inverted
    permits = not OBLIGATION.search(ask) and not skipping and bool(_MAY_WE.search(ask))  # "Can we use a licence
    # exception for a shipment worth USD 75,000?" against a permission bounded by an amount
    if not amounts or not (OBLIGATION.search(ask) or skipping or permits):
        return None
    asked = _number(amounts[0].group(2), amounts[0].group(3))
    condition_asked = _threshold_in(ask)  # "… required for shipments above $20,000?": a range, not one amount
    terms = set(q.terms) | set(content_stems(ask))  # the case may be told in context: "We are exporting 800 …"
    wanted = _required(ask)  # "need an end-user statement": a rule about pre-clearance does not answer it
    measure = amounts[0].group("what").lower() if "what" in amounts[0].re.groupindex else ""
    found = _rules(ctx.units[:40], terms, wanted, bool(counts), asked,
                   frozenset((*ctx.question.names, *ctx.question.context_names)), measure)
    found = [f for f in found if _ONLY_IF.search(f[0].text)] if permits else found  # a permission question is
    if not found:  # settled only by a permission its amount bounds
        return None
    case_day = next(iter(dates_in(ask)), None)
    found = _in_force(found, case_day)
    u, m = found[0]
    limit = m.limit
    applies = _holds(m.comparator, asked, limit)
    if condition_asked:
        applies = _within(condition_asked, m)
        if applies is None:  # the question's range and the rule's overlap only in part
            return _in_part(u, m, condition_asked, first)
    amount, condition = ("a " if measure else "") + amounts[0].group(0).strip(), flat(m.text).strip()
    if condition_asked:
        amount = f"{'every' if applies else 'an'} amount {flat(condition_asked.text).strip()}"
    denied = _denied(u.text, wanted) if applies and wanted else None
    start = start_of(u)
    if applies and start and case_day and case_day[0] < start[0]:  # dated before the rule took effect
        return _not_yet(u, amount, condition, start, case_day, first)
    if denied:  # "… still require an end-user statement, but no pre-clearance": the rule says it is not needed
        lines = [f"{source(u)} reports: “{flat(u.text).rstrip('.')}” [{first}]."]
        composed = [f"This is an inference the documents support but do not state: {amount} meets the condition "
                    f"“{condition}”, and for that case the rule says “{denied}”."]
    else:
        quote = _clause_with(u.text, m.text) if applies else u.text
        lines = [f"{'Yes' if applies != bool(skipping) else 'No'}. {source(u)} reports: “{flat(quote).rstrip('.')}” "
                 f"[{first}]."]
        composed = [f"This is an inference the documents support but do not state: {amount} "
                    f"{'meets' if applies else 'does not meet'} the condition “{condition}”."]
        if applies and start and case_day is None:
            composed.append(f"The rule applies from {start[1]}; a case dated earlier is not covered by it.")
    lines += composed
    units = [u]
    conflict = _dated_conflict(u, limit, found[1:], first, case_day, start)
    if conflict:
        v, named = conflict
        lines += named
        composed.append(named[-1])
        units.append(v)
    return BottomLine(lines, units, composed)


def _dated_conflict(u: Unit, limit: float, others: list, first: int, case_day: tuple | None,
                    start: tuple | None) -> tuple[Unit, list[str]] | None:
    """`_conflict`, its closing note told by the case's date when there is one: a newer rule not yet in force on
    it, or an older one replaced before it (`start`: when the rule of `u` took effect)."""
    conflict = _conflict(u, limit, others, first)
    if conflict:
        v, named = conflict
        later = start_of(v)
        if case_day and later and case_day[0] < later[0]:  # the newer rule, not yet in force on the case's date
            named[-1] = f"That threshold applies from {later[1]}; the case is dated {case_day[1]}, before it."
        elif case_day and start and case_day[0] >= start[0]:  # the older rule, replaced before the case's date
            named[-1] = f"That threshold held until {start[1]}; the case is dated {case_day[1]}, after the change."
    return conflict


def unapplied(verdict: str, quote: str, ask: str) -> str:
    """`verdict`, unless the rule quoted holds an amount condition ("exceeds 500 units") and the question an amount
    or count that `threshold` could not hold against it (another unit, or a rule it did not recognise as the one
    asked about): then "Only if the case meets its condition (exceeds 500).", never a "Yes."/"No." that
    ignores the threshold (the condition unquoted: verification reads the first quote of a line as its evidence)."""
    m = _threshold_in(quote)
    asked = [a for a in ASKED_AMOUNT.finditer(ask) if not re.fullmatch(r"(?:19|20)\d\d", a.group(2))]
    return f"Only if the case meets its condition ({flat(m.text).strip()})." if m and asked else verdict
