"""The short answer to a who / when / how-many question, first: the span of the evidence that answers it, then the
sentence that says so, quoted and cited ("The Commerce Department, per The Business Times (2025-05-14): “The
Commerce Department issued guidance stating …” [1].").

The span is read, not generated: a run of capitalised words (who), a calendar date or year (when) or a figure (how many,
what fine) that the question does not already contain, in the best evidence sentence that holds most of the
question's terms, and within a few words of one of them ("issued", "said"). In reading-comprehension terms it is
the "short answer" beside the "long answer" (Kwiatkowski et al. 2019, Natural Questions). Verification checks the
line like any other: the quote must be verbatim and the span's names and figures the passage's. When no sentence
holds such a span close to the question's words there is no short answer and the answer opens with its evidence.
"""

from __future__ import annotations

import re

from assistant.answerability import _counted
from assistant.engines.amendments import _NOBODY, changed_for, new_name
from assistant.engines.base import Context
from assistant.engines.clauses import changed_to, of_case
from assistant.engines.coverage import coverage
from assistant.engines.deadlines import deadline
from assistant.engines.fields import field_answer, field_of, lasting
from assistant.engines.framing import ShortAnswer, flat, source, with_alternative, with_preposition
from assistant.engines.minutes import MINUTES_OF, decided_about
from assistant.engines.quantity import quantity_check
from assistant.engines.roles import who_is
from assistant.engines.spans import candidates
from assistant.models import Unit
from assistant.neighbours import following, holding, joined, preceding
from assistant.terms import LABELLED, WHO_ACTS, stem, stem_set, words
from assistant.verify import Passage, framed

_NEAR = 8          # words between the answer span and the nearest question term
_COVER = 0.6       # share of the question's terms (names aside) its sentence must hold
_COPULA = {"is", "was", "are", "were", "has", "have", "had", "did", "does", "do", "will", "would", "can", "could"}
_CLOSE = 0.8       # the sentence's unit holds at least this share of the best unit's relevance
_MONTH_OR_YEAR = re.compile(r"(?i)(?:early |mid |late )?(?:january|february|march|april|may|june|july|august|september|"
                            r"october|november|december)?,?\s*(?:\d{4})?")
_REPORTED_VERB = re.compile(r"\b(?:said|says|announced|stated|declared|released|issued|published|warned|added|"
                            r"told|reported|confirmed)\b", re.I)
_REPORTED = re.compile(rf"{_REPORTED_VERB.pattern}(?:\s+\w+){{0,3}}\s+(?:on|in)\s+$", re.I)


def _distance(text: str, m: re.Match, terms: set[str]) -> float:
    """Words between the span and the nearest question term in `text` (a large number when none is near); a term
    after the span counts half a word further than one before it ("… set to take effect on May 15, 2025": the date
    after "take effect" answers "When were compliance requirements set to take effect?")."""
    before = words(text[:m.start()])
    after = words(text[m.end():])
    near = [i for i, w in enumerate(reversed(before)) if stem(w.lower()) in terms]
    near += [i + 0.5 for i, w in enumerate(after) if stem(w.lower()) in terms]
    return min(near, default=10**6)


def _with_head(text: str, m: re.Match, head: str | None) -> str:
    """The span, carried on to the noun it counts within four words ("70,000" -> "70,000 Ascend 910C units")."""
    span = m.group(0).rstrip()
    if head:
        after = re.match(rf"((?:\s+[\w’'-]+){{0,3}}?\s+{re.escape(head)}\w*)", text[m.start() + len(span):], re.I)
        if after:
            span += after.group(1)
    span = span.strip(" ,;")
    return span


_ITEM_NUMBER = re.compile(r"(?<!.)\s*(?:\d{1,2}|[ivx]{1,4})[.)]\s", re.I | re.S)  # a list item's number, first
# a sentence that opens by referring back to the one before ("The first included …", "It …", "The latter …")
_OPENS_BY_REFERENCE = re.compile(r"^\W*(?:the\s+)?(?:first|second|third|fourth|fifth|last|latter|former|it|they|this|these|"
                          r"those)\b", re.I)


def _counts(text: str, head: str, question: str) -> list[re.Match]:
    """The figures of `text` followed within four words by the noun the question counts ("seventeen countries")."""
    return [m for m in candidates("number", text, question) if _with_head(text, m, head) != m.group(0).strip(" ,;")]


def _reported_dates(text: str) -> list[re.Match]:
    """The dates a reporting verb stands right before ("said on Tuesday (May 13)"): the date of a statement."""
    return [m for m in candidates("date", text, "") if _REPORTED.search(text[max(0, m.start() - 40):m.start()])]


def _dated_by_next(u: Unit, ctx: Context) -> tuple[Unit, re.Match] | None:
    """`u` joined with the next sentence when that one dates a statement ("… said on Tuesday (May 13)"), and the date."""
    v = following(u, ctx.units)
    if v is None or v.heading:
        return None
    both = joined(u, v)
    text = flat(both.text)
    offset = len(text) - len(flat(v.text))
    dates = [m for m in _reported_dates(text) if m.start() >= offset]
    return (both, dates[0]) if dates else None


# a statement in the writer's own voice: "We will not split …", "No. We will …", "I have approved …"
_FIRST_PERSON = re.compile(r"^\W*(?:(?:no|yes|ok)\W+)?(?:we|i)\b", re.I)
_FROM = re.compile(r"(?m)^[ \t]*(?:from|sent by|signed|signed by)[ \t]*:[ \t]*(?P<who>[A-Z][^\n<]{2,80}?)[ \t]*$", re.I)


def _sender(u: Unit) -> tuple[Unit, str] | None:
    """The "From:" line of the message `u` stands in (the last one before it in its chunk) and the name it gives
    with the title after it ("Dana Whitfield, Head of Trade Compliance"); None when its chunk has none before it."""
    h = u.hit
    m = max(_FROM.finditer(h.text, 0, u.start - h.start), key=lambda x: x.start(), default=None)
    if m is None:
        return None
    a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
    line = Unit(hit=h, start=h.start + a, end=h.start + m.end(), text=h.text[a:m.end()])
    return line, m.group("who").strip()


def _of_antecedent(ctx: Context, kind: str) -> tuple[Unit, str] | None:
    """"Who said that?" / "When did they say it?" after an answer that opened with a quote: who made that statement
    (the name before its first reporting verb) or when (a date in its sentence, or in the next one that dates a
    statement). None when no unit holds the quote or no such span is there."""
    u = holding(ctx.question.antecedent, ctx.units)
    if u is None or kind == "number":
        return None
    text = flat(u.text)
    if kind == "person":
        verb = _REPORTED_VERB.search(text)
        spans = [m for m in candidates("person", text, "") if verb and m.end() <= verb.start()]
        if not spans and _FIRST_PERSON.match(text) and (sender := _sender(u)) is not None:
            return sender  # "Who decided that?" after "We will not split …": who wrote it, "From: Dana Whitfield, …"
        body = MINUTES_OF.match(str(u.hit.meta.get("title") or ""))
        if not spans and body and LABELLED.search(text):  # "Who decided that?" after "Decision: REFUSED. …" in
            return u, f"the {body.group('body')}"  # minutes: the body that met ("Minutes of the … Board meeting")
        return (u, spans[-1].group(0).strip()) if spans else None
    found = candidates("date", text, "")
    if found:
        return u, found[0].group(0).strip(" ,")
    nxt = _dated_by_next(u, ctx)
    return (nxt[0], nxt[1].group(0).strip(" ,")) if nxt else None


def _line(kind: str, span: str, u: Unit) -> ShortAnswer | None:
    """The opening line for `span` read in `u`, or None when verification would not keep its quote."""
    span = re.sub(r"^[Tt]he\s+(?=\S+’s\b)", "", span)  # "The agency’s Bureau…" reads as "Bureau…"
    u = field_of(u, span)  # a record's field, not the whole record: "“Authorised quantity: 12 units”"
    if kind == "date":
        whole = _MONTH_OR_YEAR.fullmatch(span)
        shown = f"{'In' if whole else 'On'} {span}"  # "In 2024", "In January", "On Tuesday (May 13)"
    else:
        shown = span[0].upper() + span[1:]
        shown = re.sub(r"(?<=[a-z]{3})\.$", "", shown)  # "the Export Control Board." ends the sentence, not the name
    line = f"{shown}, per {source(u)}: “{flat(u.text).rstrip(' .')}” [n]."
    passage = Passage(1, u.hit, u.start, u.end, u.text, u.relevance)
    if framed(line.replace(" [n].", "."), passage) is None:  # what verification would drop is not said at all
        return None
    return ShortAnswer(span, u, line)


def _with_neighbour(ctx: Context, kind: str, u: Unit, text: str, share: float, terms: set[str],
                    head: str | None) -> tuple[Unit, str, float, list[re.Match]]:
    """`u` read with the sentence before it when that one holds the question's terms and `u` dates a statement or
    counts what it introduced: (unit, its flat text, the share of terms it holds, the date or count in it, or [])."""
    q = ctx.question
    if kind == "date" and share < _COVER and _reported_dates(text) and (p := preceding(u, ctx.units)) and \
            len(terms & stem_set(p.text)) / len(terms) >= _COVER:  # "… issued guidance … ." + "… said on
        u, text, share = joined(p, u), flat(joined(p, u).text), len(terms & stem_set(p.text)) / len(terms)
        # Tuesday (May 13) that …": the sentence that states it, and the next one that dates it
        dated = _reported_dates(text)[-1:]
    elif kind == "number" and head and share < _COVER and _OPENS_BY_REFERENCE.match(text) \
            and (counted := _counts(text, head, q.ask or q.core)) and (p := preceding(u, ctx.units)) \
            and terms <= stem_set(p.text) | stem_set(text):
        # "Under Biden’s export rules, the world was divided into three tiers." + "The first included seventeen
        # countries and Taiwan …": the sentence that counts, read with the one that says what "the first" is
        offset = len(flat(joined(p, u).text)) - len(text)
        u, text = joined(p, u), flat(joined(p, u).text)
        share = len(terms & stem_set(text)) / len(terms)
        dated = [m for m in candidates(kind, text, q.ask or q.core) if m.start() >= offset
                 and m.start() - offset in {c.start() for c in counted}][:1]
    else:
        dated = []
    return u, text, share, dated


_ASKS_WIRE = re.compile(r"\b(?:news agency|wire (?:service|agency)|news service|agency[’']s (?:story|report)|which "
                        r"agency)\b", re.I)
_CREDIT = re.compile(r"[”\".)]\s+(?P<wire>[A-Z]{2,}(?:[ -][A-Z]{2,}){0,3})\s*$")  # "… adversaries”. BLOOMBERG"


def _wire(ctx: Context) -> ShortAnswer | None:
    """"Which news agency's story is the Business Times article …?": the wire credit a syndicated article ends with
    ("… adversaries”. BLOOMBERG"), from the document the question names when it names one."""
    q = ctx.question
    if not _ASKS_WIRE.search(q.ask or q.core):
        return None
    named = {n.lower() for n in (*q.names, *q.context_names)}
    for u in ctx.units:
        publisher = str(u.hit.meta.get("publisher") or "")
        if named and not any(w.lower() in named for w in publisher.split()):
            continue
        m = _CREDIT.search(flat(u.text))
        if m and (found := _line("wire", m.group("wire").title(), u)) is not None:
            return ShortAnswer(found.span, found.unit, found.line, "wire")  # the credit says it all: no evidence list
    return None


_HAPPENED = re.compile(r"^\W*what\s+(?:has\s+|had\s+)?happen(?:ed|s)?\s+(?:to|with)\s+(?P<what>.+?)\s*\??\s*$|"
                       r"^\W*what\s+(?:did|has|have|had)\s+.+?\s+do(?:ne)?\s+(?:to|with|about)\s+(?P<what2>.+?)\s*\??\s*$",
                       re.I)
# what can happen to a rule, a licence or a programme, as the verb of its sentence
_EVENT = re.compile(r"\b(?P<verb>rescinded|repealed|revoked|withdrawn|withdrew|scrapped|cancell?ed|replaced|suspended|"
                    r"delayed|postponed|overturned|struck down|ended|lifted|amended|abolished|expired|terminated|"
                    r"halted|vacated|paused|extended|reinstated|approved|denied|rejected|blocked)\b", re.I)
_PARTICIPLE = {"withdrew": "withdrawn"}


def _what_happened(ctx: Context) -> ShortAnswer | None:
    """"What happened to the AI Diffusion Rule?" / "What did Commerce do with it?": the event a leading sentence
    says the thing underwent, first ("It was rescinded, per AIM (date not given): “… rescinded former US President
    Biden’s AI Diffusion Rule …” [1]."). The sentence must name most of the thing asked about (its content words)."""
    q = ctx.question
    m = _HAPPENED.match(q.ask or q.core)
    if not m or not ctx.units:
        return None
    want = set(stem_set(m.group("what") or m.group("what2")))
    if not want:
        return None
    best = ctx.units[0].relevance
    choice: tuple[float, Unit, str] | None = None
    for u in ctx.units[:10]:
        if u.heading or u.relevance < 0.6 * best:
            continue
        text = flat(u.text)
        share = len(want & stem_set(text)) / len(want)
        event = _EVENT.search(text)
        if share < _COVER or not event:
            continue
        score = u.relevance + 0.3 * share
        if choice is None or score > choice[0]:
            choice = (score, u, event.group("verb").lower())
    if choice is None:
        return None
    _, u, verb = choice
    line = f"It was {_PARTICIPLE.get(verb, verb)}, per {source(u)}: “{flat(u.text).rstrip(' .')}” [n]."
    if framed(line.replace(" [n].", "."), Passage(1, u.hit, u.start, u.end, u.text, u.relevance)) is None:
        return None
    return ShortAnswer(verb, u, line, "event")


def short_answer(ctx: Context) -> ShortAnswer | None:
    """The short answer of a who / when / how-many question from its top units, or None (another kind of question,
    no close sentence, or a span the question already states)."""
    q = ctx.question
    kind = q.kind if q.kind in ("person", "date", "number") else None
    if not q.parts and (decided := decided_about(ctx)) is not None:  # "What did the Board decide about order …?":
        return decided  # the decision under the item's heading, before the record's "Order:" field
    if not q.parts and (due := deadline(ctx)) is not None:  # "By when must the remaining 30 cards be dispatched?":
        return due  # the condition of the Board's decision, "(a) dispatch no later than 30 September 2026"
    if not q.parts and (field := field_answer(ctx)) is not None:  # "Who holds permit TP-88-0102?": "Holder: …"
        return with_preposition(field, q.ask or q.core) if q.kind == "date" else field  # (also "When does it
    if kind is not None and q.antecedent and not q.parts and ctx.units:  # expire?" after the holder: "Valid until")
        found = _of_antecedent(ctx, kind)
        if found is not None:
            return _line(kind, found[1], found[0])
    if not q.parts and (until := lasting(ctx)) is not None:  # "When does memo EC-2026-007 expire?"
        return until
    if q.kind == "yes_no" and (covered := coverage(ctx)) is not None:  # "Is the 910C covered by the guidance?"
        return covered
    if q.kind == "yes_no" and (within := quantity_check(ctx)) is not None:  # "45 units under licence D-554321?"
        return within
    if (wire := _wire(ctx)) is not None:
        return wire
    if kind == "person" and not q.parts and (role := who_is(ctx)) is not None:
        return role
    if not q.parts and (event := _what_happened(ctx)) is not None:
        return event
    if kind is None or q.parts or not ctx.units or q.follow_up and not q.terms:
        return None
    found = _read_span(ctx, kind)
    if found is None and (v := changed_for(ctx)) is not None:  # "Who can grant exceptions to memo EC-2026-007?"
        who = new_name(_NOBODY, v)  # "Sofia Marchetti, Interim Chief Compliance Officer"
        return ShortAnswer(who, v, f"{who}, per {source(v)}: “{flat(v.text).rstrip(' .')}” [n].", "person")
    return found


def _agents(text: str, spans: list[tuple[float, re.Match]], verb: str) -> list[tuple[float, re.Match]]:
    """The (distance, match) name `spans` of `text` that can be who did `verb` (a stem): one standing before the
    verb ("The … Department … has issued"), or after it in the passive ("Exceptions to Rule R4 are approved by the
    Export Control Board", "… cleared as false positive … | Joanna Okafor; cleared by Dana Whitfield |"), which
    names the one who did it wherever the verb comes. A gerund has no subject before it ("… Chinese AI models; and
    issuing guidance to U.S. companies" names no one who issued anything)."""
    ats = [w.start() for w in re.finditer(r"[\w’'-]+", text) if stem(w.group(0).lower()) == verb
           and not w.group(0).lower().endswith("ing")]
    passive = [(d, m) for d, m in spans if any(re.fullmatch(r"[\w’'-]+ed(?:\s+[a-z]+){0,2}\s+by\s+", text[a:m.start()])
                                              for a in ats)]
    return passive or [(d, m) for d, m in spans if ats and m.end() <= ats[0]]


def _read_span(ctx: Context, kind: str) -> ShortAnswer | None:
    """The span that answers a who / when / how-many question, within `_NEAR` words of a term of it in the best close
    sentence that holds most of its terms (or that sentence and its neighbour); None when none holds one."""
    q = ctx.question
    named = {stem(n.lower()) for n in (*q.names, *q.context_names)}
    terms = set(q.terms) - named - {"who", "when", "much", "mani"}
    if not terms:
        return None
    head = _counted(q.ask or q.core, modal=True) if kind == "number" else None
    # "Who issued the guidance?": the sentence must say "issued"; "Who wrote the CGTN piece?" is not answered by one
    # that merely shares "new" and "guidance" with it
    verb = WHO_ACTS.match(q.ask or q.core) if kind == "person" else None  # "Who can grant exceptions …?": "grant"
    verb = stem(verb.group(1).lower()) if verb and verb.group(1).lower() not in _COPULA else None
    # "… the CGTN piece …": a source the question names is where the answer must come from
    named_sources = {n.lower() for n in q.names} & {str(u.hit.meta.get("publisher", "")).lower() for u in ctx.units}
    best = ctx.units[0].relevance
    choice: tuple[float, Unit, str] | None = None
    for u in ctx.units[:8]:
        if u.hit.doc_id in ctx.superseded:
            continue  # an old version's answer: the version that superseded it answers
        text = flat(u.text)
        share = len(terms & stem_set(text)) / len(terms)
        # a sentence that holds every term of the question may stand a little further behind the best one
        if u.relevance < (_CLOSE - 0.1 * (share == 1)) * best or u.heading:
            continue
        u, text, share, dated = _with_neighbour(ctx, kind, u, text, share, terms, head)
        if share < _COVER or (head and stem(head) not in stem_set(text)) or (verb and verb not in stem_set(text)):
            continue
        if named_sources and str(u.hit.meta.get("publisher", "")).lower() not in named_sources:
            continue
        spans = [(d, m) for m in candidates(kind, text, q.ask or q.core) if (d := _distance(text, m, terms)) <= _NEAR
                 and not _ITEM_NUMBER.match(text, m.start())]  # "4. Any shipment …": the rule's number, not a count
        if head and (counting := [(d, m) for d, m in spans if _with_head(text, m, head) != m.group(0).strip(" ,;")]):
            spans = counting  # "how many days": "5 business days", before a figure that counts something else
        spans = changed_to(text, of_case(text, spans, stem_set(q.ask or q.core)))  # "… a finding rated Medium
        # within 60 …"; "… lowers the hold threshold from a match score of 90 to a match score of 85 …"
        if dated:
            spans = [(_NEAR, dated[0])]
        elif kind == "date" and not spans and (nxt := _dated_by_next(u, ctx)):
            u, text = nxt[0], flat(nxt[0].text)  # "… issued guidance … . The agency … said on Tuesday (May 13)"
            spans = [(_NEAR, nxt[1])]
        asked = stem_set(q.ask or q.core)
        spans = [(d, m) for d, m in spans if not stem_set(m.group(0)) <= asked]  # "Huawei's Ascend AI" is asked about
        if verb:  # "Who issued …?": the one who did it (`_agents`)
            spans = _agents(text, spans, verb)
        if not spans:
            continue
        d, m = min(spans, key=lambda x: x[0])
        score = u.relevance + 0.3 * share - 0.02 * d
        if choice is None or score > choice[0]:
            choice = (score, u, _with_head(text, m, head))
    if choice is None:
        return None
    _, u, span = choice
    found = _line(kind, with_alternative(span, flat(u.text)) if kind == "number" else span, u)
    return with_preposition(found, q.ask or q.core) if found is not None and kind == "date" else found
