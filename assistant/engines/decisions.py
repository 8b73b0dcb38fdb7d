"""A decision recorded about the very case a question names decides it before any general rule: "Can we split
SH-2026-0231 into two shipments of 20 units to avoid reporting?" is answered by the email about that shipment, "We
will not split SH-2026-0231 into two consignments of 20 units to stay under the 25-unit reporting threshold …", not
by the memo's "Any shipment exceeding 25 units … must be reported" (newcomer trial, stop 23: "Only if the case meets
its condition (exceeding 25)").

A decision is a body sentence that says what will or will not be done (`DECIDED`: "we will not split …", "will be
reported to …", "is approved", "was refused") in a document about a record the question names by identifier (the
sentence or the document's title carries it), and whose verb is one the question asks about ("split", "report").
When several are, the one whose verb comes first in the question decides (its main verb, not a purpose clause's).
The verdict is the decision's polarity: "No." for "will not" / "refused", "Yes." otherwise. A proposal someone made
("Can we send it as two shipments …?", "Then neither shipment would need to be reported") is no decision: it says
"would", "can", "could", never "will".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.engines.amendments import sentence_units
from assistant.engines.base import Context
from assistant.engines.framing import BottomLine, flat, source
from assistant.engines.minutes import item_of
from assistant.models import Unit
from assistant.record_fields import records_named
from assistant.retrieve import RECORD_NAME
from assistant.terms import DECIDED, DECISION_LINE, LABELLED, content_stems, numbers, stem, stem_set, words
from kernel.sentences import sentences

# what was proposed or supposed, not decided: "Can we send it as two shipments …?", "Then neither shipment would …"
_PROPOSED = re.compile(r"\b(?:would|could|might)\b|\?\s*$")
_NEGATIVE = frozenset(stem(w) for w in ("refused", "rejected", "denied", "declined"))


def _about(u: Unit, records: list[str]) -> bool:
    """Whether `u` or its document's title names one of `records`."""
    title = str(u.hit.meta.get("title") or "")
    return any(r in u.text or r in title for r in records)


def _decisions(u: Unit, terms: list[str]) -> list[tuple[int, bool, re.Match]]:
    """(position of its verb among the question's terms, negative?, match) for each decision `u` states about a
    verb the question asks about."""
    out = []
    for m in DECIDED.finditer(u.text):
        verb = m.group("verb") or m.group("verb2") or m.group("verb3")
        at = stem(verb.lower())
        if at in terms:
            negative = bool(m.group("neg") or m.group("neg2") or m.group("neg3")) != (at in _NEGATIVE)
            out.append((terms.index(at), negative, m))
    return out




def collect(rows: Iterable[dict], docs: dict[str, dict]) -> tuple[Unit, ...]:
    """Every decision sentence of the index about a record: it matches `DECIDED` or `LABELLED`, and it or its
    document's title carries a record identifier ("SH-2026-0231"); read once when the index is opened, so that a
    decision is found even when the chunk that records it was not among those retrieved (at most a few per
    document are)."""
    def titled(meta: dict) -> bool:
        return bool(RECORD_NAME.search(str(meta.get("title") or "")))

    def decides(text: str, meta: dict) -> bool:
        return bool((DECIDED.search(text) or DECISION_LINE.search(text)) and (titled(meta) or RECORD_NAME.search(text)))

    return sentence_units(rows, docs, decides, decides, spill=True)  # its conditions may open the next chunk


def decision(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of a yes/no question about a named record's case that a recorded decision settles (module
    docstring), markers numbered from `first`; None when there is none."""
    q = ctx.question
    records = [r for r in records_named(q) if RECORD_NAME.fullmatch(r)]  # "SH-2026-0231", not the model "MX-400"
    if q.kind != "yes_no" or q.language != "en":
        return None
    if not records:
        return _labelled(ctx, first)
    terms = [t for t in dict.fromkeys([*q.terms, *content_stems(q.core)]) if not any(c.isdigit() for c in t)]  # "…
    # wants to split shipment SH-2026-0231 into two consignments. Is that allowed?": the verb is in the context
    seen = {(u.hit.doc_id, u.start) for u in ctx.units[:20]}
    pool = [*ctx.units[:20], *(() if ctx.filtered else [u for u in ctx.decided if (u.hit.doc_id, u.start) not in seen])]
    found = [(pos, negative, u) for u in pool if not u.heading and _about(u, records)
             and u.hit.doc_id not in ctx.superseded for pos, negative, _ in _decisions(u, terms)]
    if not found:
        return None
    _, negative, u = min(found, key=lambda f: f[0])
    line = f"{'No.' if negative else 'Yes.'} {source(u)} records the decision: “{flat(u.text).rstrip(' .')}” [{first}]."
    return BottomLine([line], [u], [], _support(ctx, u, set(terms)))


_NO = frozenset({"refused", "rejected", "denied", "declined"})


def _labelled(ctx: Context, first: int) -> BottomLine | None:
    """The bottom line of a yes/no question about a request that minutes record with a labelled decision ("Lumen
    Data Systems in Kuala Lumpur asked us to send two engineers to benchmark a 910D … Can we do it?" and "Request:
    Lumen asked for two Meridian engineers to benchmark … Decision: REFUSED. The Board will not approve …"): a unit
    that names at least two of the question's names and four of its content words; None when none does."""
    q = ctx.question
    names = {n for n in (*q.names, *q.context_names) if len(n) > 2 and n[0].isupper()}
    wanted = set(content_stems(q.core)) - {stem(n) for n in names}
    pool = [*ctx.units[:20], *(() if ctx.filtered else ctx.decided)]
    for u in pool:
        m = LABELLED.search(u.text)
        if m and not u.heading and sum(n in u.text for n in names) >= 2 and len(wanted & stem_set(u.text)) >= 4:
            line = (f"{'No.' if m.group('verdict').lower() in _NO else 'Yes.'} {source(u)} records the decision: "
                    f"“{flat(u.text).rstrip(' .')}” [{first}].")
            return BottomLine([line], [u], [], _support(ctx, u, wanted))
    return None


def _support(ctx: Context, u: Unit, wanted: set[str]) -> list[Unit]:
    """Up to two more passages for the evidence list beside decision `u`: body sentences among the first eight that
    share two of the question's content words `wanted`; a proposal is no evidence beside the decision taken on it."""
    return [v for v in ctx.units[:8] if v is not u and not v.heading and not _PROPOSED.search(v.text)
            and len(wanted & stem_set(v.text)) >= 2][:2]


# what a change takes away: "… are granted in writing by Sofia Marchetti …, and no longer by Marcus Lindqvist."
_NO_LONGER = re.compile(r"\bno longer\s+(?:by|with|from|at|in|to|for)?\s*(?P<who>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,3})")


def withdrawn(ctx: Context, first: int = 1) -> BottomLine | None:
    """"No." on a yes/no question about someone or something a later sentence says no longer holds that role
    ("Can Marcus Lindqvist still grant exceptions under memo EC-2026-007?", "Marcus Lindqvist signed an exception
    yesterday. Is that exception valid?" and the email's "From 1 May 2026, exceptions … are granted … by Sofia
    Marchetti … and no longer by Marcus Lindqvist."): every word of the name is a name of the question and the
    sentence shares two of its content words; None otherwise."""
    q = ctx.question
    if q.kind != "yes_no" or q.language != "en":
        return None
    names = {n for n in (*q.names, *q.context_names)}
    wanted = set(content_stems(q.core)) - {stem(n) for n in names}
    for u in [*ctx.units[:10], *(() if ctx.filtered else ctx.amending)]:
        m = _NO_LONGER.search(u.text)
        who = m.group("who").split() if m else []
        if m and not u.heading and any(w in names for w in who) and all(  # "Marcus" opening the question is no
                re.search(rf"(?<!\w){re.escape(w)}(?!\w)", q.core) for w in who) \
                and len(wanted & stem_set(u.text)) >= (1 if len(who) > 1 else 2):  # a full name: one word more
            return BottomLine([f"No. {source(u)} reports: “{flat(u.text).rstrip(' .')}” [{first}]."], [u], [],
                              _support(ctx, u, wanted))
    return None


# what a yes/no question asks of a proposal: whether it was approved ("Did the Board approve shipping all 60 cards in
# one shipment?", "Was Henrik Aalto's proposal the Board's decision?"), not whether it was turned down
_ASKS_OUTCOME = re.compile(r"\b(?:approv\w*|accept\w*|adopt\w*|agree\w*|decision|decided|sign(?:ed)? off)\b", re.I)
# or whether it may be done: "Are we allowed to ship all 60 cards in one shipment?" (the proposal to do just that was
# rejected); read only of the very proposal, every figure of the case in it
_ASKS_ALLOWED = re.compile(r"\b(?:allowed|permitted)\b", re.I)
_ASKS_REJECTION = re.compile(r"\b(?:reject\w*|refus\w*|turn(?:ed)? down|declin\w*|denied|deny)\b", re.I)
_PROPOSAL = re.compile(r"^\W*(?:proposal|proposed|suggestion)\b", re.I)
# a request told in the sentence that records its outcome: "Ravi Menon asked for IA-F-01 to be downgraded to Medium
# …; that request was refused by Sofia Marchetti on 20 October 2026."
_REQUESTED = re.compile(r"\b(?:asked|requested|proposed|suggested|applied)\b", re.I)
_OUTCOME = re.compile(r"\b(?:was|were|has been|is)\s+(?P<neg>not\s+)?(?P<how>rejected|refused|declined|turned down|"
                      r"withdrawn|accepted|adopted|approved|agreed)\b", re.I)  # "that proposal was not accepted"


def proposal_outcome(ctx: Context, first: int = 1) -> BottomLine | None:
    """The bottom line of a yes/no question whether a proposal was approved, from the sentence that says what became
    of it and the proposal right before it in its chunk: "Did the Board approve shipping all 60 MX-400 cards … in one
    shipment?" -> "No." on "The proposal was rejected (3 votes against, 1 in favour)." and "Proposal by Henrik
    Aalto: release all 60 cards in one shipment …" (stop 24's trial got bullets about another shipment). The
    proposal (or a request told in the outcome's own sentence: "Ravi Menon asked for IA-F-01 to be downgraded …;
    that request was refused …") must name two of the question's names or share three of its content words; None
    otherwise. The outcome
    is looked for among the first 20 units and the index's decisions (`ctx.decided`), so it is found when retrieval
    ranked it low."""
    q = ctx.question
    asked = q.ask or q.core
    outcome = bool(_ASKS_OUTCOME.search(asked))
    if q.kind != "yes_no" or q.language != "en" or not (outcome or _ASKS_ALLOWED.search(asked)) or \
            _ASKS_REJECTION.search(asked):
        return None  # "Was it rejected?" is not asked here: verification holds a "Yes." to the quote's polarity
    wanted = set(content_stems(q.core))
    people = {n for n in (*q.names, *q.context_names) if n[:1].isupper()}
    told = numbers(re.sub("|".join(re.escape(n) for n in people if any(c.isdigit() for c in n)) or "$^", " ", q.core))
    records = [r for r in records_named(q) if RECORD_NAME.fullmatch(r)]  # "… the first 10 cards of SH-2026-0344 …":
    # a proposal about another record (the minutes' "release all 60 cards …") is no answer
    found = []
    for v in [*ctx.units[:20], *(() if ctx.filtered else ctx.decided)]:
        m = _OUTCOME.search(v.text)
        u = (_proposal_before(v) or (v if _REQUESTED.search(v.text, 0, m.start()) else None)) \
            if m is not None and not v.heading else None  # or the request in the outcome's own sentence
        if u is None or not (len(wanted & stem_set(u.text)) >= 3 or sum(p in u.text for p in people) >= 2) or (
                records and not any(r in u.hit.text for r in records)):
            continue
        if not outcome and not told <= numbers(u.text):  # "Is that allowed?": only of the very proposal, every
            continue  # figure of the case in it ("all 60 cards", not "on 15 October")
        found.append((v, u, m))
    if not found:  # the one whose chunk or agenda item names most of the question's names ("… for Chao Phraya AI
        return None  # Labs …": the minutes' item, not memo LX-2026-021's other proposal by the same person)
    v, u, m = max(found, key=lambda f: sum(p in f[1].hit.text + " " + item_of(ctx, f[1].hit.doc_id, f[1].start)
                                           for p in people))
    yes = (m.group("how").lower() not in ("rejected", "refused", "declined", "turned down", "withdrawn")) != bool(
        m.group("neg"))
    lines = [f"{'Yes.' if yes else 'No.'} {source(v)} records the outcome: “{flat(v.text).rstrip(' .')}” [{first}].",
             f"The proposal: “{flat(u.text).rstrip(' .')}” [{first + 1}]."]
    return BottomLine(lines[:1 if u is v else 2], [v] if u is v else [v, u], [], _support(ctx, v, wanted))


def _proposal_before(v: Unit) -> Unit | None:
    """The sentence right before unit `v` in its chunk, as a unit, when it is a proposal ("Proposal by …"); else None."""
    h = v.hit
    before = [(a, b) for a, b in sentences(h.text) if b <= v.start - h.start]
    if not before:
        return None
    a, b = before[-1]
    text = h.text[a:b].strip()
    if not _PROPOSAL.match(text):
        return None
    at = h.text.index(text, a)
    return Unit(hit=h, start=h.start + at, end=h.start + at + len(text), text=text)


# a request granted only in part: "Only 2 of the 4 requested modules can be shipped under licence EL-2026-0417."
_PARTIAL = re.compile(r"\bonly\s+(?P<some>\d+|[a-z]+)\s+of\s+the\s+(?P<all>\d+|[a-z]+)\b[^.;:]{0,80}?\b"
                      r"(?:can|may|will|could|are to)\s+be\s+(?P<verb>[a-z]+)\b", re.I)
_COUNTS = {w: str(i) for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                                            "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
                                            "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])}


def _count(word: str) -> str:
    """A count written as a word as digits ("four" -> "4"); other words as they are."""
    return _COUNTS.get(word.lower(), word)


def partial(ctx: Context, first: int = 1) -> BottomLine | None:
    """"No, not all 4: only 2." for a yes/no question about shipping (or another verb) a count of items that a
    recorded determination about the record the question names grants only in part ("The Penang lab wants 4 more
    Ascend 910C modules shipped under EL-2026-0417. Can we ship all 4?" and "Only 2 of the 4 requested modules can
    be shipped under licence EL-2026-0417."; stop 26's trial got "4 more is within the 12 the record authorises").
    "Yes, 2 of the 4 requested" when the question asks for the part granted. The sentence must name a record the
    question names (or stand in a document titled by it), one of its counts must be a number of the question and
    its verb one the question asks about; None otherwise."""
    q = ctx.question
    records = [r for r in records_named(q) if RECORD_NAME.fullmatch(r)]
    if q.kind != "yes_no" or q.language != "en" or not records:
        return None
    asked = numbers(q.core) | {_count(w) for w in words(q.core) if w.lower() in _COUNTS}
    said = set(content_stems(q.core))
    terms = said | set(q.terms)
    for u in [*ctx.units[:20], *(() if ctx.filtered else ctx.decided)]:
        m = _PARTIAL.search(u.text)
        if m is None or u.heading or not _about(u, records) or u.hit.doc_id in ctx.superseded:
            continue
        some, whole = _count(m.group("some")), _count(m.group("all"))
        if (whole in asked or some in asked) and some != whole and stem(m.group("verb").lower()) in terms:
            verdict = f"No, not all {whole}: only {some}." if whole in asked else \
                f"Yes, {some} of the {whole} requested; the determination's conditions apply."
            lines = [verdict, f"{source(u)} records the determination: “{flat(u.text).rstrip(' .')}” [{first}]."]
            return BottomLine(lines, [u], [verdict], _support(ctx, u, said))
    return None
