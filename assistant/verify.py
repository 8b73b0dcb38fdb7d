"""Citation verification, the same for every engine.

Each sentence of a draft answer must be supported by the passage its `[n]` points at: enough of the sentence's
terms are in one sentence (or two adjacent ones) of the passage, every number, ordinal and name it states is there
(a claim with an ordinal by a single sentence), and it neither
drops a negation nor firms up a hedge ("violates" for a source's "may violate"). Markers that point at no passage
are removed; unsupported sentences are dropped with a warning; an uncited sentence is kept only if a passage
supports it. A sentence quoted word for word from its passage (the extractive engine's) is supported by exactly the
sentences it quotes. The quote of each citation is the supporting span, verbatim, with offsets into the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.markers import DECOR, MARK, insert, renumber, segments, unnarrate
from assistant.models import Citation, Hit
from assistant.squash import squash as _squash
from assistant.terms import (
    CONDITIONAL_RULE,
    DECIDED,
    LABELLED,
    ON_HOLD,
    PERMISSION,
    PROHIBITION,
    STATUS,
    STOP,
    content_stems,
    hedges,
    negated,
    norm,
    numbers,
    stem,
    stem_set,
    words,
)
from ingest.index import page_at
from kernel.sentences import sentences

_PIECE = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"(\-•*])")


@dataclass(frozen=True)
class Passage:
    """A numbered passage an engine answered from: a span of one document."""

    n: int
    hit: Hit
    start: int
    end: int
    text: str
    score: float = 0.0   # how relevant retrieval found it to the question (Unit.relevance); 0 when unknown


@dataclass
class Checked:
    text: str
    citations: list[Citation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept: int = 0
    dropped: int = 0


_ORDINALS = frozenset({"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"})
_ABBREV = re.compile(r"\b([A-Z])\.([A-Z])\.(?:([A-Z])\.)?")


def ordinals(text: str) -> set[str]:
    """The ordinal words of a text: "the first tier" and "the second tier" are different claims."""
    return {w.lower() for w in words(text) if w.lower() in _ORDINALS}


def plain_abbrev(text: str) -> str:
    """"U.S." -> "US", "U.K." -> "UK": the same name however a source and a sentence spell it."""
    return _ABBREV.sub(lambda m: "".join(g for g in m.groups() if g), text)


def _stems(text: str) -> set[str]:
    """The stems of a passage-side text, abbreviations written plain."""
    return stem_set(plain_abbrev(text))


def names(claim: str) -> set[str]:
    """The claim's proper names, lower-cased: capitalised words that do not open it (and are not "I")."""
    return {norm(w) for w in words(plain_abbrev(claim))[1:] if w[:1].isupper() and w != "I" and w.lower() not in STOP}


def named_in(name: str, known: set[str]) -> bool:
    """`name` (lower-cased) is among the stems `known`, itself or as the country of a demonym ("chinese" ->
    "china", "malaysian" -> "malaysia", "japanese" -> "japan")."""
    forms = {name, *((name[:-3], name[:-3] + "a") if name.endswith("ese") else ()),
             *((name[:-1],) if name.endswith(("ian", "can")) else ())}
    return any(stem(f) in known for f in forms if f)


def verbatim(claim: str, passage: Passage) -> tuple[int, int] | None:
    """The document span of the sentences of `passage` that `claim` quotes word for word (quote marks and spacing
    aside), or None."""
    want = _squash(claim)[0].strip()
    if len(content_stems(want)) < 3:
        return None
    have, at = _squash(passage.text)
    i = have.find(want)
    while i >= 0 and not ((i == 0 or have[i - 1] == " ") and (i + len(want) == len(have) or not have[i + len(want)].isalnum())):
        i = have.find(want, i + 1)  # whole words only: "S. export…" is not a quote of "U.S. export…"
    if i < 0:
        return None
    s, e = at[i], at[i + len(want) - 1] + 1
    spans = sentences(passage.text) or [(0, len(passage.text))]
    s = max([a for a, _ in spans if a <= s], default=0)
    e = min([b for _, b in spans if b >= e], default=len(passage.text))
    return passage.start + s, passage.start + e


_QUOTED = re.compile(r"“(.*)”|\"(.*)\"", re.S)   # first opening to last closing mark: quotes may hold quotes
VERDICT = re.compile(r"^\W*(yes|no|only in part|not under this rule)\s*[.,:;—–-]", re.I)  # "Yes." "No," not "No passage…"
OBLIGED = re.compile(r"\b(must|shall|requires?|required|is prohibited|are prohibited|needs? to|needs? an?|have to|(?:is|are) due|"
                     r"has to|may not|mandatory|(?:is|are) subject to (?:\w+ ){0,2}(?:export )?(?:restrictions|"
                     r"controls|licen[cs]e requirements?))\b", re.I)
NOT_OBLIGED = re.compile(r"\b(?:did|does|do)\s+not\s+need\s+to\s+be\b|\bneed\s+not\s+be\b|"
                         r"\b(?:is|was|are|were)\s+not\s+required\s+to\b", re.I)  # "No." on it is its own polarity
BOUND = re.compile(r"\b(?:does|do|did|shall|must|may|will)\s+not\s+exceed\b", re.I)  # a limit, not a denial
AUTHORISED = re.compile(r"\b(?:authori[sz]ed|licensed|permitted|maximum)\s+(?:quantity|qty)\s*:|"
                        r"\b(?:new|corrected|amended|revised)\s+value\s*:\s*\S", re.I)  # or a record's change entry
JUDGED = re.compile(r"\b(violat\w*|breach\w*|illegal|unlawful|prohibit\w*|forbid\w*|banned|infring\w*)\b", re.I)
_DOWN = frozenset({"refused", "rejected", "denied", "declined"})  # a decision turned down


def _find(want: str, passage: Passage) -> tuple[int, int] | None:
    """Document offsets of `want` in `passage`, quote marks and spacing aside, on word boundaries; or None."""
    want = _squash(want)[0].strip()
    have, at = _squash(passage.text)
    i = have.find(want)
    while i >= 0 and not ((i == 0 or not have[i - 1].isalnum()) and
                          (i + len(want) == len(have) or not have[i + len(want)].isalnum())):
        i = have.find(want, i + 1)
    if i < 0 or not want:
        return None
    return passage.start + at[i], passage.start + at[i + len(want) - 1] + 1


def framed(claim: str, passage: Passage) -> tuple[int, int] | None:
    """The quote's document span when `claim` frames a verbatim quote of `passage` ("The Business Times
    (2025-05-14) reports: “the use of … violates …”", "AIM names the 910D among them: “…”"), or None. The quote must
    be verbatim in the passage; the frame around it may name only what the passage, its
    title or publisher names, state no number they lack, add no negation, and give a yes/no verdict only on a quote
    that states a rule or an obligation firmly (no hedge, no negation). A quote of two content words ("Ascend 910D") is enough: the
    frame's names and numbers are checked against the passage all the same."""
    m = _QUOTED.search(claim)
    quotes = [m.group(1) or m.group(2)] if m else []
    quotes = [q for q in quotes if len(content_stems(q)) >= 2]
    if not quotes:
        return None
    spans = [_find(q, passage) for q in quotes]
    if any(sp is None for sp in spans):
        return None
    frame = DECOR.sub(" ", claim[:m.start()] + " " + claim[m.end():])  # source tags "(CGTN, date not given)" aside
    meta = passage.hit.meta
    # the source as the frame names it: publisher, title, or the document's id when it has neither
    own = [str(meta.get("title") or ""), str(meta.get("publisher") or ""), passage.hit.doc_id]
    known = _stems(" ".join([passage.text, *own]))
    said = " ".join(quotes)
    if not all(named_in(n, known) for n in names(frame)) or negated(VERDICT.sub(" ", frame)):
        return None
    if not numbers(frame) <= numbers(" ".join([passage.text, *own, str(meta.get("published") or "")])):
        return None  # a figure of the frame must be the passage's, or its source's ("Policy TCP-7 (issued 2025-06-05)")
    prohibition = bool(PROHIBITION.search(said))
    permission = bool(PERMISSION.search(said)) and not JUDGED.search(said)  # "may be carried as usual"
    hedged = hedges(said) - ({"may", "can", "could"} if prohibition or permission else set())  # "may not export": a rule
    unobliged = bool(NOT_OBLIGED.search(said) or ON_HOLD.search(said)) and frame.lstrip().lower().startswith("no")
    if OBLIGED.search(said) or unobliged or CONDITIONAL_RULE.search(said):  # "must be reported", "When the tool reports …"
        hedged -= {"reported", "reports", "claimed", "claims", "expected"}
    decided = _decided(said, hedged, frame) or (unobliged and not hedged)  # "No." on "We will not split …"
    if VERDICT.match(frame) and not decided and (hedged or (negated(BOUND.sub(" ", said)) and not prohibition)
                                 or not (JUDGED.search(said) or OBLIGED.search(said) or prohibition or permission
                                         or STATUS.search(said) or AUTHORISED.search(said)
                                         or CONDITIONAL_RULE.search(said))):  # "Valid until:
        # 16 April 2026", "rescinded", "Authorised quantity: 40 units", "New value: 30 June 2027"
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)


def _decided(said: str, hedged: set[str], frame: str) -> bool:
    """A quote that records a decision or a change ("We will not split …", "Decision: REFUSED", "… and no longer
    by Marcus Lindqvist") supports a verdict of its own polarity ("will be reported": the act decided, no hedge)."""
    return bool(DECIDED.search(said) or LABELLED.search(said) or re.search(r"\bno longer\b", said)) and not (
        hedged - {"reported", "reports", "expected"}) and _turned_down(said) == frame.lstrip().lower().startswith("no")


def _turned_down(said: str) -> bool:
    """A decision's polarity: the label minutes give it ("Decision: REFUSED"), else the outcome a sentence states
    ("The proposal was rejected", "was not approved"), else whether it is negated ("We will not split …")."""
    if (m := LABELLED.search(said)) is not None:
        return m.group("verdict").lower() in _DOWN
    if re.search(r"\bno longer\b", said):  # "… are granted … by Sofia Marchetti, and no longer by Marcus Lindqvist"
        return True
    for m in DECIDED.finditer(said):
        if m.group("verb3"):
            return (m.group("verb3").lower() in _DOWN) != bool(m.group("neg3"))
    return negated(said)


def _clauses(text: str) -> list[str]:
    """A sentence cut into clauses (at ; : and before "while", "but", "whereas", "although")."""
    return [c for c in re.split(r"[;:]|,?\s+(?=(?:while|but|whereas|although|though)\b)", text) if c.strip()]


def judged_together(claim: str, span: str) -> bool:
    """A claim that calls something a violation ("using Ascend chips violates…") is supported only by a clause that
    holds the judgment word and the claim's subject together, with the same hedge and negation: "violates" said of
    one clause's subject ("they violate market principles") does not support it of another's (FINDINGS.md)."""
    m = JUDGED.search(claim)
    if not m:
        return True
    judged = stem(m.group(1))
    subject = names(claim) | set(content_stems(claim[:m.start()]))
    for c in _clauses(plain_abbrev(span)):
        have = stem_set(c)
        if any(stem(norm(w)) == judged or stem(norm(w)).startswith(judged[:5]) for w in words(c)) and \
                (not subject or subject & have or any(named_in(n, have) for n in names(claim))) and \
                negated(c) == negated(claim[m.start():]) and (not hedges(c) or bool(hedges(claim))):
            return True
    return False


def support(claim: str, passage: Passage) -> tuple[float, int, int]:
    """How well `passage` supports `claim` (0..1), and the supporting span as document offsets. A claim that names
    something the passage (with its title and publisher) never names is not supported ("…testing in Malaysia would
    be a violation" cited to a passage about the rule that never mentions Malaysia). The sentence before the passage
    in its chunk may complete it ("The chip is expected to rival…" after "…its new AI chip, the Ascend 910D").
    A claim that is a verbatim quote of the passage is supported by exactly that span."""
    if (quoted := verbatim(claim, passage)) is not None:
        return 1.0, *quoted
    if (quoted := framed(claim, passage)) is not None:
        return 1.0, *quoted
    claim = plain_abbrev(claim)
    terms = content_stems(claim)
    meta, hit = passage.hit.meta, passage.hit
    lead = ""
    if hit.start <= passage.start <= hit.start + len(hit.text):
        before = sentences(hit.text[:passage.start - hit.start].rstrip())
        lead = hit.text[before[-1][0]:passage.start - hit.start] if before else ""
    text = lead + passage.text
    base = passage.start - len(lead)  # document offset of `text`
    known = _stems(" ".join([text, str(meta.get("title") or ""), str(meta.get("publisher") or "")]))
    if not terms or not all(named_in(n, known) for n in names(claim)):
        return 0.0, passage.start, passage.end
    spans = sentences(text) or [(0, len(text))]
    windows = list(spans)
    if not ordinals(claim):  # "the first tier included 120 countries" must not join "the first…" and "the second…"
        windows += [(a[0], b[1]) for a, b in zip(spans, spans[1:], strict=False)] + [(len(lead), len(text))]
    best = (0.0, passage.start, passage.end)
    for s, e in windows:
        span = plain_abbrev(text[s:e])
        have = stem_set(span)
        score = sum(t in have for t in terms) / len(terms)
        if not numbers(claim) <= numbers(span) or not ordinals(claim) <= ordinals(span) or negated(claim) != negated(span) or not judged_together(claim, span):
            score = 0.0
        elif hedges(span) and not hedges(claim):
            score *= 0.5
        if score > best[0] + 1e-9 or (abs(score - best[0]) < 1e-9 and e - s < best[2] - best[1]):
            best = (score, base + s, base + e)
    return best


def states(claim: str, passage: Passage) -> bool:
    """`passage` states every word and number of a short `claim` ("Jeffery Kessler", "since 2019")."""
    return set(content_stems(plain_abbrev(claim))) <= _stems(passage.text) and numbers(claim) <= numbers(passage.text)


ABSENCE = re.compile(r"^\s*(?:However,\s*)?(?:the\s+)?(?:passages?|documents?|articles?|sources?)\s+(?:do|does)\s+not\s+"
                     r"(?:mention|name|say|state|specify|address|cover)\b(?P<what>[^\[\]]*)$", re.I)


def absent(claim: str, passages: list[Passage]) -> bool:
    """`claim` says the passages do not mention something, and none of them does ("The passages do not mention
    Riverside Park."): a claim about the passages that can be checked. Its names must be missing from every
    passage; without names, its terms must not all be in any one passage."""
    m = ABSENCE.match(claim)
    if not m:
        return False
    what = m.group("what")
    named = names("x " + what)  # the first word of `what` counts too
    if named:
        seen = set().union(*(_stems(p.text) for p in passages))
        return not all(named_in(n, seen) for n in named)
    terms = set(content_stems(plain_abbrev(what))) - {"specif", "whether", "explicit", "direct", "particular"}
    return bool(terms) and not any(terms <= _stems(p.text) for p in passages)


def cite(n_new: int, passage: Passage, start: int, end: int, score: float) -> Citation:
    """Citation `n_new` of the span [start, end) (document offsets) of `passage`, or of its chunk when the span
    reaches back into the sentence before it."""
    h, meta = passage.hit, passage.hit.meta
    if passage.start <= start and end <= passage.end:
        quote = passage.text[start - passage.start:end - passage.start]
    else:
        quote = h.text[start - h.start:end - h.start]
    return Citation(id=n_new, doc_id=h.doc_id, chunk_id=h.chunk_id, quote=quote, start=start, end=end,
                    score=round(float(score), 4), title=meta.get("title"), publisher=meta.get("publisher"),
                    published=meta.get("published"), url=meta.get("url"),
                    page=page_at(h.pages, start) if h.pages else h.page, also_in=h.also_in)


class _Run:
    """One `verify`: what it checks against, its result so far (`out`), the number of each span cited (`ids`)."""

    def __init__(self, passages: list[Passage], threshold: float) -> None:
        self.passages, self.threshold = passages, threshold
        self.by_n = {p.n: p for p in passages}
        self.out = Checked(text="")
        self.ids: dict[tuple[int, int, int], int] = {}

    def marker(self, p: Passage, s: int, e: int, score: float) -> str:
        """The `[n]` of the span [s, e) of `p`: a new citation, numbered in order, the first time it is cited."""
        key = (p.n, s, e)
        if key not in self.ids:
            self.ids[key] = len(self.ids) + 1
            self.out.citations.append(cite(self.ids[key], p, s, e, p.score or score))
        return f"[{self.ids[key]}]"

    def check(self, claim: str, cited: list[Passage], raw: str = "") -> list[tuple[tuple[float, int, int], Passage]]:
        """((score, start, end), passage) of the cited passages supporting `claim`, else of the best of all."""
        m = _QUOTED.search(raw) if raw else None
        if m and len(content_stems(m.group(1) or m.group(2))) >= 2:  # a quotation: verbatim in a cited passage,
            quoted = [((1.0, *sp), p) for p in cited if (sp := framed(raw.strip(), p)) is not None]  # or nothing
            return quoted[:1]
        good = [(sc, p) for p in cited if (sc := support(claim, p))[0] >= self.threshold]
        if not good:
            alt = max(((support(claim, p), p) for p in self.passages), key=lambda x: x[0][0], default=None)
            if alt and alt[0][0] >= self.threshold:
                good = [alt]
                if cited:
                    self.out.warnings.append("a sentence was re-cited to the passage that supports it")
        return good

    def segment(self, body: str, nums: list[int]) -> list[str]:
        """What is kept of a segment of a line (`body`, citing `nums`): its supported sentences, with their markers."""
        bad = [n for n in nums if n not in self.by_n]
        if bad:
            self.out.warnings.append(f"removed citation marker(s) {bad} that point at no passage")
        cited = [self.by_n[n] for n in dict.fromkeys(nums) if n in self.by_n]
        head, _, tail = body.partition("\x00")
        claim = VERDICT.sub(" ", DECOR.sub(" ", head)).strip(" .,:;")  # "Yes. X [1]": X is what is checked
        size = len(content_stems(claim))
        if not size:
            marks = "".join(self.marker(p, p.start, p.end, 1.0) for p in cited)
            return [insert(head, marks) + tail if head.strip() else ""]
        if size < 3:  # a short answer ("Jeffery Kessler [1]", "Since 2019 [1]"): kept if a passage states it
            stated = next((p for p in [*cited, *self.passages] if states(claim, p)), None)
            if stated is None:
                self.out.dropped += 1
                self.out.warnings.append(f"dropped a short answer no passage states: {claim[:80]!r}")
                return []
            self.out.kept += 1
            _, s, e = support(claim, stated)
            return [insert(head, self.marker(stated, s, e, 1.0)) + tail]
        if not nums and absent(claim, self.passages):
            return [head.strip() + tail]
        good = self.check(claim, cited, head)
        if good:
            self.out.kept += 1
            return [insert(head, "".join(self.marker(p, s, e, sc) for (sc, s, e), p in good)) + tail]
        return self.pieces(head, claim, cited)

    def pieces(self, head: str, claim: str, cited: list[Passage]) -> list[str]:
        """A sentence unsupported as a whole, checked sentence by sentence: those supported kept, the rest dropped."""
        parts = [x for x in _PIECE.split(head) if x.strip()] if not _QUOTED.search(head) else [head]
        if len(parts) <= 1:
            self.out.dropped += 1
            self.out.warnings.append(f"dropped a sentence no passage supports: {claim[:80]!r}")
            return []
        kept = []
        for part in parts:
            good = self.check(DECOR.sub(" ", part).strip(), cited)
            if good:
                self.out.kept += 1
                kept.append(insert(part, "".join(self.marker(p, s, e, sc) for (sc, s, e), p in good)))
            else:
                self.out.dropped += 1
                self.out.warnings.append(f"dropped a sentence no passage supports: {part.strip()[:80]!r}")
        return kept


def verify(text: str, passages: list[Passage], threshold: float, trusted: frozenset[str] = frozenset()) -> Checked:
    """Check every sentence of `text` against the passages it cites; renumber the surviving citations 1..n."""
    run = _Run(passages, threshold)
    lines: list[str] = []
    for line in unnarrate(text).split("\n"):
        if line.strip() in trusted:
            lines.append(MARK.sub(lambda m: renumber(m, run.ids), line))
            continue
        kept = [k for body, nums in segments(line) for k in run.segment(body, nums)]
        if any(k.strip() for k in kept) or not line.strip():
            lines.append(" ".join(k.strip() for k in kept if k.strip()))
    lines = lines[1:] if [x.strip() for x in lines if x.strip()][:1] == ["Evidence:"] else lines  # what it introduced
    run.out.text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return run.out
