"""The bottom line of a question about whether something is still in force: a rule, a licence, a listing.

"Is the AI Diffusion Rule still in effect?" is answered by a passage that says it was rescinded; "Is licence
EL-2025-0002 still valid?" by the record's "Valid until: 16 April 2026", compared with the date asked about (a date
in the question) or today. A record's "Status: Active" is what it said on the day it was written, so a validity date
that has passed outweighs it, and the comparison is labelled as the inference it is:

    No. Harbor Lane Semiconductors, Licence Register (2025-04-17) reports: “Valid until: 16 April 2026” [1].
    This is an inference the documents support but do not state: 16 April 2026 has passed (today is 2026-11-30).

Only a firm statement ends something: "announced its intention to review the rule" or "has not been rescinded" is
no end. Verification checks the quoted clause like any other (`verify.framed` accepts a verdict on a status quote).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from assistant.engines.base import Context
from assistant.engines.corrections import correction
from assistant.engines.framing import BottomLine, flat, source
from assistant.models import Unit
from assistant.record_fields import records_named
from assistant.terms import DATE, ENDED, UNTIL, content_stems, hedges, negated, stem, stem_set
from kernel.sentences import sentences

_ASKS_CURRENT = re.compile(
    r"\b(?:still|currently|now|yet|today)\b[^?]{0,30}\b(?:in (?:effect|force|place)|valid|active|applicable|in use|"
    r"enforced|appl(?:y|ies))\b|\b(?:in (?:effect|force)|valid|active|current)\s+(?:on|as of|at)\s+[^?]+\??\s*$|"
    r"^\W*(?:is|are)\b[^?]{1,80}\b(?:in (?:effect|force)|valid|active)\s*\??\s*$", re.I)
_STATUS_WORDS = frozenset(stem(w) for w in ("still", "currently", "now", "yet", "today", "effect", "force", "place",
                                            "valid", "active", "applicable", "use", "enforced", "apply", "applies",
                                            "current", "expired", "lapsed", "run", "out", "ended"))
_INTENT = re.compile(r"\b(?:plans?|intends?|intention|propos\w*|consider\w*|review\w*|expected|seeks?|would|will|"
                     r"could|may|might)\b", re.I)


_ASKS_ENDED = re.compile(r"^\W*(?:has|have|is|are|was|were)\b[^?]{1,80}\b(?:expired|lapsed|run out|ended)\b", re.I)


def asks_current(q) -> bool:
    """A yes/no question whether something is (still) in force, valid or active, now or on a date asked."""
    return q.kind == "yes_no" and bool(_ASKS_CURRENT.search(q.ask or q.core))


def asks_ended(q) -> bool:
    """A yes/no question whether something has expired or lapsed (the answer is the other way round)."""
    return q.kind == "yes_no" and bool(_ASKS_ENDED.search(q.ask or q.core))


def _parse(text: str) -> list[tuple[date, str]]:
    """Calendar dates with their year ("16 April 2026") and ISO dates ("2026-02-28") in `text`, as written."""
    from assistant.engines.threshold import dates_in

    found = [(d, w) for d, w, _ in dates_in(text)]
    for m in re.finditer(r"\b(\d{4})-(\d\d)-(\d\d)\b", text):
        try:
            found.append((date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.group(0)))
        except ValueError:
            continue
    return found


def _subject(q) -> tuple[set[str], set[str]]:
    """The question's identifiers (stems of names with digits) and the other content stems of what it asks about."""
    ids = {stem(n) for n in q.names if any(c.isdigit() for c in n)}
    ask = q.ask or q.core
    for n in q.names:  # an identifier is no date: "EC-2026-007" is not "EC-" + 2026 + "-007"
        ask = ask.replace(n, " ") if any(c.isdigit() for c in n) else ask
    ask = DATE.sub(" ", re.sub(r"\b\d{4}-\d\d-\d\d\b", " ", ask))  # the date asked is no subject
    rest = {t for t in content_stems(ask) if t not in _STATUS_WORDS and t not in ids}
    return ids, rest


def _body(u: Unit) -> bool:
    """Not a headline: a body sentence, or a record of field lines ("Valid until: …\nStatus: Active")."""
    return not u.heading or "\n" in u.text.strip()


def _about(u: Unit, ids: set[str], rest: set[str], headed: frozenset[str] = frozenset()) -> bool:
    """`u` speaks of the question's subject: its identifiers in the unit, its document's title or a
    heading of its document (`headed`: the doc ids whose retrieved heading carries them; "This memo remains in force
    until …" under "MEMO EC-2026-007"), and most of the other terms in the unit or title."""
    have = stem_set(u.text) | stem_set(str(u.hit.meta.get("title") or ""))
    return (ids <= have or u.hit.doc_id in headed) and (not rest or len(rest & have) >= max(1, round(0.6 * len(rest))))


def _sentence(text: str, at: int) -> tuple[int, int]:
    """The span of the sentence around offset `at`, by ingest's sentence splitter, within its line (a record's field
    lines are one unit: "Valid until: 16 April 2026" is quoted as its own line)."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    end = len(text) if end < 0 else end
    for s, e in sentences(text[start:end]):
        if s <= at - start < e:
            return start + s, start + e
    return start, end


_MONTH_YEAR = re.compile(r"\b(?:january|february|march|april|may|june|july|august|september|october|november|"
                         r"december)\s+\d{4}\b", re.I)


def _asked_date(q) -> tuple[date, str] | None:
    """The date a question asks about, as (date, as written): a calendar date, or a month and year read as its first
    day ("in February 2027": a validity that ends before 1 February 2027 ends before all of it)."""
    found = _parse(q.ask or q.core)
    if found:
        return found[0]
    m = _MONTH_YEAR.search(q.ask or q.core)
    return (datetime.strptime(m.group(0).title(), "%B %Y").date(), m.group(0)) if m else None


def _told_date(q) -> tuple[date, str] | None:
    """The date of the case: the question's own, else, when the question follows the case in the same message
    ("… on 1 March 2027. Can she do that?"), the date of the case told before it."""
    if (found := _asked_date(q)) is not None or not q.ask or q.ask == q.core:
        return found
    told = _parse(q.core[:q.core.rfind(q.ask)])
    return told[0] if told else None


def status(ctx: Context, first: int = 1, today: date | None = None) -> BottomLine | None:
    """The bottom line of a question whether something is still in force (see the module), or None when the
    question is of another kind or no passage about its subject states an end or a validity date."""
    q = ctx.question
    ended = asks_ended(q)  # "Has licence EL-2025-0042 expired?": yes when it is no longer valid
    # "Can we test under licence EL-2026-0417 on 1 March 2027?": a record's validity decides a case dated after it
    told = _told_date(q)  # "Tan Wei Ling wants to test … under licence EL-2026-0417 on 1 March 2027. Can she?"
    dated_case = not (asks_current(q) or ended) and q.kind == "yes_no" and bool(records_named(q) and told)
    if not (asks_current(q) or ended or dated_case):
        return None
    ids, rest = _subject(q)
    if dated_case and not ids:  # the record is named in the case told, not in "Can she do that?"
        ids = {stem(n) for n in records_named(q)}
    asked = told if dated_case else _asked_date(q)
    ref = asked[0] if asked else (today or date.today())
    headed = frozenset(v.hit.doc_id for v in ctx.units if v.heading and ids and ids <= stem_set(v.text))
    found = [f for u in ctx.units[:10] if _body(u) and _about(u, ids, rest, headed) and (f := _statement(u))]
    if not found:
        return None
    (u, quote, until), support = found[0], [f[0] for f in found[1:4]]
    support = support or [v for v in ctx.units[:6] if v is not u and _body(v) and len(v.text.split()) >= 4
                          and _about(v, ids, rest)][:2]
    if until is None and dated_case:
        return None  # an end without a date says nothing of the date asked
    if until is None:
        return BottomLine([f"{'Yes.' if ended else 'No.'} {source(u)} reports: “{quote}” [{first}]."], [u], [], support)
    quoted, before = u, []
    if (changed := _amended(ctx, u, quote)) is not None:  # "Valid until: 14 January 2027", since moved to 30 June
        quoted, until = changed  # 2027 by an amendment record: the new date decides, the old one follows
        before = [f"Before that, {source(u)} reported: “{quote}” [{first + 1}]."]
        quote = flat(quoted.text).rstrip(" .")
        support = [v for v in support if not (v.hit.doc_id == quoted.hit.doc_id and v.start < quoted.end
                                              and quoted.start < v.end)]  # the entry's own lines, quoted already
    day, written = until
    if dated_case and day >= ref:
        return None  # within its validity: the record's other conditions and the rules decide
    line = f"{'Yes.' if (day >= ref) != ended else 'No.'} {source(quoted)} reports: “{quote}” [{first}]."
    if asked:
        when = f"is {'on or after' if day >= ref else 'before'} the date asked, {asked[1]}"
    else:
        when = f"{'has not yet passed' if day >= ref else 'has passed'} (today is {ref.isoformat()})"
    why = f"This is an inference the documents support but do not state: {written} {when}."
    return BottomLine([line, *before, why], [quoted, *([u] if before else [])], [why], support)


def _amended(ctx: Context, u: Unit, quote: str) -> tuple[Unit, tuple[date, str]] | None:
    """(the correction or amendment entry, its new date) when a record's validity line `quote` of `u` has been
    corrected or amended to another date (engines/corrections.py); None otherwise."""
    at = u.text.find(quote)
    line = Unit(hit=u.hit, start=u.start + max(at, 0), end=u.start + max(at, 0) + len(quote), text=quote)
    c = correction(ctx.corrections, line) if at >= 0 else None
    found = _parse(c.value) if c is not None else []
    return (c.unit, found[0]) if found else None


def _statement(u: Unit) -> tuple[Unit, str, tuple[date, str] | None] | None:
    """The unit's firm statement that something ended (quote, None) or is valid until a date (quote, (date, as
    written)); None when it makes neither."""
    for m in ENDED.finditer(u.text):
        s, e = _sentence(u.text, m.start())
        before = DATE.sub(" ", u.text[s:m.start()])  # "on 13 May" is a date, not a hedge
        if negated(u.text[s:e]) or hedges(before) or _INTENT.search(before):
            continue  # "has not been rescinded", "announced its intention to repeal": no end
        return u, flat(u.text[s:e].strip()).rstrip("."), None
    for m in UNTIL.finditer(u.text):
        found = _parse(m.group(0))
        if found:
            s, e = _sentence(u.text, m.start())
            return u, flat(u.text[s:e].strip()).rstrip("."), found[0]
    return None


def ended_since(ctx: Context, shown: Unit) -> tuple[Unit, str] | None:
    """A firm statement, in a top unit other than `shown`, that what the question asks about has ended ("the
    Department of Commerce rescinded … the AI Diffusion Rule"): (unit, quote of its sentence), or None. A short
    answer ("When does the AI Diffusion Rule take effect?" -> "On May 15, 2025") must not leave a reader believing
    that a rescinded rule still takes effect."""
    ids, rest = _subject(ctx.question)
    if not ids and len(rest) < 2:
        return None
    for u in ctx.units[:10]:
        if u is shown or u.text == shown.text or not _body(u) or not _about(u, ids, rest):
            continue
        found = _statement(u)
        if found and found[2] is None:
            return found[0], found[1]
    return None
