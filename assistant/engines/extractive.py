"""The extractive engine: answers with the document sentences that answer the question, verbatim, each cited.

Units are picked greedily: relevance, plus a bonus for question terms no picked unit covers yet (so "is testing
a 910D a violation?" gets both the rule and the sentence that names the 910D), minus repeats (a syndicated copy of
a picked sentence only adds its document to `also_in`). For a yes/no question about a rule, the rule leads. A
source that words a picked claim differently (a hedge, a negation, another number) is shown next to it, not merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.abstain import own_words
from assistant.answerability import expected_type, holds_type
from assistant.engines.amendments import as_amended
from assistant.engines.base import Context, Draft
from assistant.engines.bottom_line import bottom_line, is_rule_question, rule_in_evidence
from assistant.engines.classified import class_asked
from assistant.engines.deadlines import within_deadline
from assistant.engines.decisions import decision, partial, proposal_outcome, withdrawn
from assistant.engines.differences import differ_note, named, source_tag
from assistant.engines.duties import record_said
from assistant.engines.fields import DUTY, record_duty, record_excerpt
from assistant.engines.framing import flat, source
from assistant.engines.holds import on_hold
from assistant.engines.leads import FLOOR, continued, listed_items, members, per_source, under_heading
from assistant.engines.parts import part_answers, part_leads
from assistant.engines.quantity import quantity_check
from assistant.engines.screening import screened
from assistant.engines.short_answer import short_answer
from assistant.engines.status import ended_since, status
from assistant.engines.tables import table_answer
from assistant.models import Hit, Unit
from assistant.neighbours import following
from assistant.record_fields import FIELD, records_named
from assistant.retrieve import TABLE_ROW, jaccard, same_claim
from assistant.terms import CALENDAR, content_stems, numbers, stem, stem_set
from assistant.verify import Passage
from kernel.sentences import sentences
from kernel.tokens import identifiers

_DUP_COS, _TWIN_COS, _TWIN_JACCARD = 0.92, 0.8, 0.4
ENUMERATION = re.compile(r"\b(two|three|four|five|six|several|following)\s+(\w+\s+)?\w+s\b|:\s*$|"
                         r":[ \t]*\n[ \t]*(?:\(?[a-z]\)|\(?\d{1,2}[.)]|[-•*–])[ \t]", re.I)  # "Conditions:\n(a) …"
EVIDENCE = "Evidence:"
# a question about when or how something applies, for which a rule's end matters ("When does … take effect?")
_IN_FORCE = re.compile(r"\b(?:take|took|taken|takes|come|came|comes)\s+(?:into\s+)?effect|\binto\s+force|\bin\s+force|"
                       r"\beffective|\bappl(?:y|ies|ied)\b|\benforc|\bcompl(?:y|iance)|\bdeadline|\bvalid|\bexpir", re.I)
_ASKS_NOW = re.compile(r"^\W*(?:when|how|what|is|are|does|do|will|can)\b(?!.*\b(?:did|was|were|had)\b)", re.I)
UNSETTLED = "So they do not settle this. What they say about it follows:"


@dataclass
class _Writing:
    """An answer being written: its lines, the passages its markers point at, the lines the engine composed about the
    documents (`trusted`), and which units it has quoted (by (doc_id, start), and by text)."""

    lines: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    trusted: set[str] = field(default_factory=set)
    quoted: set[tuple[str, int]] = field(default_factory=set)
    shown: set[str] = field(default_factory=set)

    def cite(self, u: Unit, hit: Hit | None = None) -> int:
        """A passage for `u` (with `hit` in place of its own when given); its marker number."""
        self.passages.append(Passage(len(self.passages) + 1, hit or u.hit, u.start, u.end, u.text, u.relevance))
        return len(self.passages)

    def seen(self, *units: Unit) -> None:
        self.quoted |= {(u.hit.doc_id, u.start) for u in units}
        self.shown |= {u.text for u in units}

    def evidence_follows(self) -> None:
        self.lines.append(EVIDENCE)
        self.trusted.add(EVIDENCE)


class ExtractiveEngine:
    name = "extractive"

    def __init__(self, max_sentences: int = 4):
        self.max_sentences = max_sentences

    def draft(self, ctx: Context, on_token=None) -> Draft:
        """The answer from the passages' own sentences: the bottom line of a rule question, else the short answer
        (or one per part of a compound question), then the evidence, then what the documents never mention."""
        q = ctx.question
        out = _Writing()
        # "Is EL-… still valid?", "Can we split SH-…?", "Can we ship all 4?" granted in part, "Did SH-… need to be
        # reported?", "Are reports required under EL-…?", a row
        current = status(ctx) or withdrawn(ctx) or proposal_outcome(ctx) or within_deadline(ctx) or partial(ctx) or \
            record_said(ctx) or on_hold(ctx) or decision(ctx) or record_duty(ctx) or class_asked(ctx) or \
            screened(ctx) or table_answer(ctx)
        over = quantity_check(ctx)  # "Can we ship 900 units under licence EL-2025-0002?": past its quantity, no
        rule_q = (current is not None or is_rule_question(q) or rule_in_evidence(ctx)) and not (
            over is not None and over.line.startswith("No."))  # other rule of the record matters first
        top = _open_with_bottom_line(ctx, current, out, over) if rule_q else None
        short = None if rule_q else _open_with_short_answer(ctx, out)
        parts = [] if rule_q or short is not None else _open_with_parts(ctx, out)
        listed: list[Unit] = []  # the unit whose enumeration answers a "which …?" question
        if top is not None:  # the evidence for the bottom line, not whatever else mentions a violation
            lead, most = list(top.support), (min(3, self.max_sentences) if top.support or not top.units else 0)
        else:
            listed = [] if q.compare or part_leads(ctx) else members(ctx)
            lead = per_source(ctx) if q.compare else part_leads(ctx) or listed or [
                u for u in [own_words(q, ctx.units)] if u is not None]  # in another language, its own words
            most = 0 if short is not None and short.kind == "wire" else \
                min(self.max_sentences, 3) - 1 if short is not None or parts else self.max_sentences  # the short answer
            # quotes one sentence already
        picks = [(continued(ctx, u) if q.kind == "list" or ENUMERATION.search(u.text) else u, c, t)
                 for u, c, t in select(ctx, most, lead, skip=out.quoted, fill=not (rule_q and lead))]
        picks.sort(key=lambda p: p[0].hit.doc_id in ctx.superseded)  # an old version's passages last (stable)
        _evidence(ctx, out, picks, listed if short is None and not rule_q else [])
        if out.lines and out.lines[-1] == EVIDENCE:
            out.lines.pop()
        if q.kind == "yes_no" and ctx.absent and not rule_q:
            note = ctx.absence()
            if set(ctx.absent) & set(q.names):  # "Is Huawei on the Entity List?": what it is asked about is not there,
                # so the documents cannot settle it, and the reader is told that first, not after the passages
                out.lines = [note, UNSETTLED, *out.lines]
                out.trusted.add(UNSETTLED)
            else:  # a case detail ("… in Malaysia?"): the passages answer the rest
                out.lines.append(note)
            out.trusted.add(note)
        elif q.kind == "yes_no" and not rule_q and short is None and not parts and out.lines[:1] and \
                out.lines[0].startswith("- ") and (apart := ctx.apart()):  # "Is Huawei on the Entity List?" and
            out.lines.insert(0, apart)  # no passage that names both: not a yes, not a no, and said first
            out.trusted.add(apart)
        return Draft("\n".join(out.lines), out.passages, frozenset(out.trusted))


def _open_with_bottom_line(ctx: Context, current, out: _Writing, within=None):
    """A rule question's bottom line (or a status question's), its quotes cited, then the record's quantity when the
    count asked is `within` it ("Can we test 10 units … under licence EL-…?": "Within its quantity. … “Authorised
    quantity: 12 units”", and the comparison as an inference); the bottom line."""
    top = current or bottom_line(ctx, ctx.classes, ctx.absent)
    out.lines += top.lines
    out.trusted |= set(top.composed)
    for u in top.units:
        out.cite(u)
        out.seen(u)
    if within is not None and within.unit not in top.units and not top.lines[0].startswith("No"):  # a "No." from a
        # decision about the very request ("Only 2 of the 4 …") is not to be followed by "4 more is within the 12"
        out.lines += [within.line.replace("[n]", f"[{out.cite(within.unit)}]"), *within.composed]
        out.trusted |= set(within.composed)
        out.seen(within.unit)
    out.evidence_follows()
    return top


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_MONTH_ASKED = re.compile(rf"\b({'|'.join(_MONTHS)})\s+(\d{{4}})\b", re.I)


def _open_with_short_answer(ctx: Context, out: _Writing):
    """"Who issued the guidance?": "The Commerce Department, per …" (and, for a date or figure of a rule that has
    ended since, that it has); the short answer, or None when there is none or another source gives another
    figure (both are then shown side by side in the evidence)."""
    q = ctx.question
    short = short_answer(ctx)
    month = _MONTH_ASKED.search(q.core)  # "… at the June 2026 Board meeting?": another month's figure is no rival
    dated = (lambda u: str(u.hit.meta.get("published") or "").startswith(
        f"{month.group(2)}-{_MONTHS.index(month.group(1).lower()) + 1:02d}")) if month else (lambda u: False)
    if short is not None and short.kind not in ("field", "quantity") and any(
            t.hit.doc_id != short.unit.hit.doc_id and short.span not in t.text and t.hit.doc_id not in ctx.superseded
            and not (dated(short.unit) and not dated(t))
            and numbers(t.text) - numbers(short.unit.text) and _twins(ctx, t, short.unit) for t in ctx.units[:40]):
        return None  # a copy that gives no figure ("on Tuesday" beside "on Tuesday (May 13)") is no conflict, nor
        # is a version superseded since; and another record's field is another record's
    if short is None:
        return None
    short, before = as_amended(ctx, short)
    u = short.unit
    out.cite(u)
    inside = [v for v in ctx.units if v.hit.doc_id == u.hit.doc_id and u.start <= v.start and v.end <= u.end]
    out.seen(u, *inside)  # a short answer read over two sentences quotes each: neither comes back as evidence
    out.lines.append(short.line.replace("[n]", "[1]"))
    if before is not None:  # what a later document changed: "Before that, MEMO … reported: “…” [2]."
        out.lines.append(f"Before that, {source(before)} reported: “{flat(before.text).rstrip(' .')}” "
                         f"[{out.cite(before)}].")
        out.seen(before)
    out.lines += short.composed
    out.trusted |= set(short.composed)
    ended = ended_since(ctx, u) if q.kind in ("date", "number") and _IN_FORCE.search(q.ask or q.core) else None
    if ended is not None:  # "On May 15, 2025, per AIM …" — but the rule was rescinded before that
        v, said = ended
        out.seen(v)
        who = source_tag(v.hit).split(",")[0]
        if q.kind == "date" and _ASKS_NOW.search(q.ask or q.core):  # "When does it take effect?": that it has
            # ended comes first, then the date it had been set for
            out.passages[:] = [Passage(1, v.hit, v.start, v.end, v.text, v.relevance),
                               Passage(2, u.hit, u.start, u.end, u.text, u.relevance)]
            out.lines[-1:] = [f"{who} reports that it has ended: “{said}” [1].",
                              "The date it had been set for: " + short.line[0].lower()
                              + short.line.replace("[n]", "[2]")[1:]]
        else:
            out.lines.append(f"But {who} also reports: “{said}” [{out.cite(v)}].")
    out.evidence_follows()
    return short


def _open_with_parts(ctx: Context, out: _Writing) -> list:
    """"Who issued that guidance, and when?": a short answer line per part, in the order asked; the parts' answers."""
    parts, cited = part_answers(ctx), {}
    for p in parts:  # a sentence that answers two parts is quoted once: "By October 31, 2025 [1]." for the second
        key = (p.unit.hit.doc_id, p.unit.start, p.unit.end)
        again = key in cited
        n = cited[key] if again else cited.setdefault(key, out.cite(p.unit))
        out.seen(p.unit)
        out.lines.append(f"{p.line.split(', per ', 1)[0]} [{n}]." if again else p.line.replace("[n]", f"[{n}]"))
    if parts:
        out.evidence_follows()
    return parts


def _evidence(ctx: Context, out: _Writing, picks, listed: list[Unit]) -> None:
    """The evidence list: each picked unit quoted with its source, a twin that words it differently beside it (the
    newer first when their figures conflict, with a note on how they differ); a "which …?" question's enumeration
    (`listed`) as its items first."""
    q = ctx.question
    for unit, copies, twins in picks:
        pair = [(unit, copies), *((t, ()) for t in twins)]
        if twins and numbers(unit.text) != numbers(twins[0].text):  # conflicting figures: the newer first
            pair.sort(key=lambda x: str(x[0].hit.meta.get("published") or ""), reverse=True)
        pair.sort(key=lambda x: x[0].hit.doc_id in ctx.superseded)  # an old version after the current one
        pair = [(x, extra) for u, extra in pair if (x := record_excerpt(u, q, out.quoted)) and x.text not in out.shown]
        if not pair:
            continue
        out.shown.update(u.text for u, _ in pair)
        for u, extra in pair:
            hit = Hit(**{**u.hit.__dict__, "also_in": tuple(dict.fromkeys((*u.hit.also_in, *extra)))})
            n = out.cite(u, hit)
            headline = u.heading and not TABLE_ROW.fullmatch(u.text.strip())  # a table's row is a record
            tag = f"headline; {source_tag(hit)}" if headline else source_tag(hit)
            flat = re.sub(r"\s*\n\s*", " ", u.text)  # a record's lines as one quote (verification ignores spacing)
            items = listed_items(flat, set(q.terms)) if listed and n == 1 and u.text == listed[0].text else ""
            if items:  # "Which models…?": "The 910B, 910C, and 910D, per AIM (date not given): “…” [1]."
                out.lines.append(f"{items}, per {named(hit)}: “{flat.rstrip(' .')}” [1].")
                out.evidence_follows()
            elif n == 1 and not out.lines and _answers(q, u) and not _MARKUP.search(named(hit)):  # no short answer:
                # the passage that answers opens (a source named with quote marks or markup would break the frame)
                out.lines.append(f"Per {named(hit)}: “{flat.rstrip(' .')}” [1].")  # the answer, not a bullet
                out.evidence_follows()
            else:
                out.lines.append(f"- “{flat}” [{n}] ({tag})")
            if _PROPOSAL.match(u.text) and (v := following(u, ctx.units)) is not None and _OUTCOME.search(v.text) \
                    and v.text not in out.shown:  # a proposal is quoted with what became of it
                out.shown.add(v.text)
                out.seen(v)
                out.lines.append(f"- “{' '.join(v.text.split())}” [{out.cite(v)}] ({source_tag(v.hit)})")
        note = differ_note(pair[0][0], pair[1][0], ctx.superseded) if len(pair) > 1 else None
        if len(pair) == 1 and unit.hit.doc_id in ctx.superseded:  # an old version of a sentence quoted above (the
            above = next((v for v in ctx.units if (v.hit.doc_id, v.start) in out.quoted and _twins(ctx, unit, v)), None)
            note = differ_note(above, unit, ctx.superseded) if above is not None else None  # short answer's)
        if note:
            out.lines.append(note)
            out.trusted.add(note)


_MARKUP = re.compile(r"[\"“”<>]")
# a proposal, a request or a suggestion: what someone wanted, not what was decided
_PROPOSAL = re.compile(r"^\W*(?:proposal|proposed|suggestion|suggested|request|requested)\b", re.I)
_OUTCOME = re.compile(r"\b(?:rejected|accepted|adopted|approved|refused|declined|withdrawn|denied|agreed)\b", re.I)


def _answers(q, u: Unit) -> bool:
    """Whether unit `u` can open the answer to `q` on its own: an English what / who question (not a comparison),
    and a body sentence that holds at least three fifths of the question's terms (at least two): "What
    must happen to the units after testing ends?" and "Conditions: Units must be returned or destroyed within 30
    days of the end of testing."; the sentence must also hold the head noun of "What is the X of …?" and something
    of the kind asked (a date for "when", a number for "how many": assistant.answerability.holds_type), and be a
    record's field, a rule or duty, or answer a question that names a record (an article's sentence that shares most
    of the words stays an evidence bullet: ClapNQ, 2026-12-01)."""
    if q.language != "en" or q.kind not in ("fact", "person") or q.compare or u.heading or len(q.terms) < 2:
        return False  # a figure or a date asked for is the short answer's to read (trial: "Within how many days …?"
    # opened with a circular's background sentence that names the old five days)
    if _PROPOSAL.match(u.text):
        return False  # "Proposal by Henrik Aalto: release all 60 cards …" is no answer, whatever became of it
    if not (records_named(q) or FIELD.match(u.text) or DUTY.search(u.text)
            or any(any(c.isdigit() for c in n) and n in u.text for n in q.names)):  # "ECCN 3A090 covers …"
        return False  # a record, a field or a rule, not any sentence of an article that shares most of the words
    head = _HEAD.match(q.ask or q.core)  # "What is the penalty for filing late?": a sentence without "penalty" is
    if head and stem(head.group("head")) not in stem_set(u.text):  # about filing, not about its penalty
        return False
    if not holds_type(q, expected_type(q), u.text):  # "When was X removed …?": a sentence about X holding no date
        return False
    return 5 * len(set(q.terms) & stem_set(u.text)) >= 3 * len(q.terms)


_HEAD = re.compile(r"^\W*(?:what|which|who)\s+(?:is|are|was|were)\s+the\s+(?:[a-z]{3,}\s+)?(?P<head>[a-z]{3,})\s+"
                   r"(?:of|for|on|under)\s", re.I)


_WHY = re.compile(r"^\W*(?:(?:and|but|so)\s+)?(?:why\b|for what reason\b|what (?:was|were|is|are) the reasons?\b|"
                  r"how come\b)", re.I)
# words that give a reason or a purpose, or the consequence a decision was made to avoid
REASON = re.compile(r"\b(?:because|due to|owing to|as a result of|on the grounds that|citing|cited|over concerns?|"
                    r"concerns? (?:over|about|that)|in order to|so as to|so that|aimed at|in an effort to|"
                    r"(?:would|could) have (?:\w+ ){0,2}(?:affected|damaged|harmed|hurt|held|stifled|hampered|undermined)|"
                    r"the reason|reasons? (?:for|why)|to (?:stifle|protect|prevent|curb|ensure|avoid|stop|counter))\b",
                    re.I)


def select(ctx: Context, max_n: int, lead: list[Unit], skip: set[tuple[str, int]] = frozenset(), fill: bool = True
           ) -> list[tuple[Unit, list[str], list[Unit]]]:
    """Picked units (`lead` first, then, with `fill`, the best others) with the documents of their syndicated copies
    and their differently-worded twins; none of the units in `skip` ((doc_id, start): already quoted above)."""
    units = ctx.units[:40]
    if not units:
        return []
    q, best = ctx.question, units[0].relevance
    weights = {t: 1.0 for t in q.terms}
    covered: set[str] = set()
    picks: list[tuple[Unit, list[str], list[Unit]]] = []
    used: set[tuple[str, int]] = set(skip)
    limit = max_n if q.kind in ("list", "yes_no") or q.judgment else min(max_n, 3)
    if q.compare:  # one bullet per source that speaks of it
        limit = max(limit, len(lead))
    queue = [u for u in lead if (u.hit.doc_id, u.start) not in used]
    asked = {stem(n) for n in q.names if any(c.isdigit() for c in n)}  # a question naming an identifier is answered
    own = {id(u) for u in units if u.identified or asked & stem_set(u.text) or under_heading(u, units, asked)}
    # from the record that carries it, or the section its heading opens
    dated = None if q.kind != "date" else any(CALENDAR.search(u.text) for u in queue)
    # "why…?": the first quote that gives a reason ("… would have also negatively affected …", "citing concerns …")
    reasoned = None if not _WHY.match(q.ask or q.core) else any(REASON.search(u.text) for u in queue)
    while len(picks) < limit:
        choice, score = (queue.pop(0), 1.0) if queue else (None, 0.0)
        for u in units if choice is None and fill else ():
            if (u.hit.doc_id, u.start) in used or u.relevance < FLOOR * best or (own and id(u) not in own):
                continue
            new = sum(w for t, w in weights.items() if t not in covered and t in stem_set(u.text))
            gain = u.relevance + 0.3 * new / max(1.0, sum(weights.values()))
            if dated is False and CALENDAR.search(u.text):  # "on what date…": the first quote with a date
                gain, new = gain + 0.2, new or 1
            if reasoned is False and REASON.search(u.text):
                gain, new = gain + 0.2, new or 1
            if gain > score and (u.relevance >= 0.85 * best or new > 0):
                choice, score = u, gain
        if choice is None:
            break
        used.add((choice.hit.doc_id, choice.start))
        dup = _duplicate_of(ctx, choice, picks)
        if dup is not None:
            if numbers(choice.text) > numbers(dup[0].text):  # a copy that adds a figure ("(May 13)") says more
                picks[picks.index(dup)] = (choice, [*dup[1], dup[0].hit.doc_id], dup[2])
            else:
                dup[1].append(choice.hit.doc_id)
            continue
        covered |= stem_set(choice.text)
        dated = dated if dated is None else dated or bool(CALENDAR.search(choice.text))
        reasoned = reasoned if reasoned is None else reasoned or bool(REASON.search(choice.text))
        twins = sorted((t for t in units if t.hit.doc_id != choice.hit.doc_id and (t.hit.doc_id, t.start) not in used
                        and _twins(ctx, t, choice)), key=lambda t: same_claim(t.text, choice.text, attribution=False))[:1]
        used.update((t.hit.doc_id, t.start) for t in twins)
        picks.append((choice, [], twins))
    return picks


def _twins(ctx: Context, a: Unit, b: Unit) -> bool:
    """Two units make the same statement in different words: a pair of their sentences overlaps strongly (or the
    units' vectors are close), and the pair differs in a hedge, a negation or a number. Two records with other
    identifiers (licence EL-2025-0001 and EL-2025-0002) are about different things, not differently worded."""
    ia, ib = identifiers(a.text), identifiers(b.text)
    if ia and ib and not (ia <= ib or ib <= ia):
        return False
    pairs = [(x, y) for x in _sents(a.text) for y in _sents(b.text)]
    close = [(x, y) for x, y in pairs if jaccard(x, y) >= _TWIN_JACCARD and _same_field(x, y)
             and min(len(content_stems(x)), len(content_stems(y))) >= 3]  # "Decision:" is no statement: no twin
    # of "Decision: REFUSED. …"
    if not close and ctx.similar(a, b) >= _TWIN_COS and not (FIELD.match(a.text) or FIELD.match(b.text)):
        close = [(a.text, b.text)]  # records' fields are alike in vector, not in claim: "Order: 60 MX-400 cards"
        # and an end-user certificate's fields are two records, not one statement worded twice
    return any(not same_claim(x, y) for x, y in close)


def _same_field(x: str, y: str) -> bool:
    """Two record lines are one statement only under one field name ("Items: MX-400 cards" in a certificate and
    "Order: 60 MX-400 cards" in minutes are two records' facts, not one figure in conflict); other text is."""
    mx, my = FIELD.match(x.strip()), FIELD.match(y.strip())
    return not (mx and my) or mx.group("key").lower() == my.group("key").lower()


@lru_cache(maxsize=16384)
def _sents(text: str) -> tuple[str, ...]:
    return tuple(text[s:e] for s, e in sentences(text)) or (text,)


def _duplicate_of(ctx: Context, u: Unit, picks):
    """The pick that `u` repeats (a syndicated copy saying the same), if any."""
    for p in picks:
        v = p[0]
        if v.hit.doc_id != u.hit.doc_id and same_claim(v.text, u.text) and (
                ctx.similar(v, u) >= _DUP_COS or jaccard(v.text, u.text) >= 0.8):
            return p
    return None
