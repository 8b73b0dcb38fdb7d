"""The case a yes/no question asks about, in its own words: "testing a 910D in Malaysia" in "Is testing a 910D in
Malaysia a violation?", "staff carry evaluation boards in hand luggage" in "Can staff carry evaluation boards in hand
luggage?"; the things the case acts on, which a rule must name to cover it; and the case as the subject of a sentence
("using …" for "use …")."""

from __future__ import annotations

import re

from assistant.names import names_in
from assistant.retrieve import RECORD_NAME
from assistant.terms import NUMBER, STOP, stem, stem_set, words


def case_of(q) -> str:
    """The case of a rule question, else of a permission question, else ""."""
    return case(q) or permission_case(q)


_ACTIVITY = frozenset(stem(w) for w in ["use", "using", "used", "test", "testing", "tested", "run", "running", "benchmark", "benchmarking", "export", "exporting", "exported", "ship", "shipping", "shipped", "sell", "selling", "sold", "buy", "buying", "bought", "import", "importing", "deploy", "deploying", "install", "installing", "operate", "operating", "train", "training", "resell", "reselling", "supply", "supplying", "provide", "providing", "transfer", "transferring", "repair", "repairing", "service", "servicing", "power", "powering", "handle", "handling", "store", "storing", "keep", "keeping", "send", "sending", "carry", "carrying", "bring", "bringing", "take", "taking", "share", "sharing", "disclose", "disclosing", "publish", "publishing", "print", "printing", "access", "accessing", "download", "downloading", "upload", "uploading", "accept", "accepting", "hire", "hiring", "pay", "paying", "source", "sourcing", "procure", "procuring", "purchase", "purchasing", "acquire", "acquiring", "obtain", "obtaining", "order", "ordering", "stockpile", "stockpiling", "manufacture", "manufacturing", "produce", "producing", "smuggle", "smuggling", "divert", "diverting"])


_BOUNDARY = frozenset(["in", "at", "to", "for", "outside", "inside", "within", "by", "with", "from", "on", "during", "and", "or", "if", "when", "while", "into", "across", "throughout", "under", "over", "via", "through"])


# a participle that opens a reduced relative clause ("chips made by Nvidia"): what follows it is not the object
_PARTICIPLE = frozenset(["made", "produced", "manufactured", "designed", "built", "developed", "owned", "fabricated",
                         "assembled", "licensed", "imported", "exported", "supplied", "sourced", "based"])


_CLAUSE = frozenset(["a", "an", "the", "our", "their", "his", "her", "its", "which", "who", "that", "we", "they", "i",
                     "you"])


def case_terms(q) -> list[str]:
    """The things the case acts on that a rule must name to cover it: the words of the object of each activity
    ("smartphone" in "use a Huawei smartphone", "models" in "train Chinese AI models"), not names, identifiers,
    places or who acts ("our subsidiary", "the client"); nor how many ("two"), nor the form a named model comes in
    ("boards" in "two Ascend 910D boards": the rule must cover the 910D, which a passage ties to its class; "cores" in
    "K9 cores" is a thing of its own)."""
    return [x for phrase in _objects(q) for x in phrase
            if x.lower() not in STOP and x.lower() not in _MEASURE and not x[:1].isupper()
            and not any(c.isdigit() for c in x) and len(x) > 2 and not NUMBER.fullmatch(x)
            and not (x.lower() in _FORM and any(_model(y) for y in phrase))]


def _model(word: str) -> bool:
    """Whether `word` is a model number ("910D", "H20"): letters and digits."""
    return any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


# the forms a chip model is sold in: "910D boards" are 910Ds
_FORM = frozenset({"board", "boards", "card", "cards", "module", "modules", "chip", "chips", "device", "devices"})


# how many of the thing, not a thing: "test 10 units of the 910C" is testing the 910C
_MEASURE = frozenset({"unit", "units", "piece", "pieces", "pcs", "item", "items", "sample", "samples", "lot", "lots",
                      "batch", "batches", "quantity", "quantities"})


def _objects(q) -> list[list[str]]:
    """The words of the object of each activity of the case ("Nvidia chips" in "using Nvidia chips in China"), up
    to a preposition, another activity, a participle that opens a clause or a new clause."""
    out: list[list[str]] = []
    toks = words(case_of(q))
    for i, w in enumerate(toks):
        if stem(w) not in _ACTIVITY:
            continue
        seen, phrase = False, []
        for x in toks[i + 1:]:
            low = x.lower()
            if low in _BOUNDARY or low in _PARTICIPLE or stem(x) in _ACTIVITY or (seen and low in _CLAUSE):
                break  # "benchmark an Ascend 910B a customer sent us": "a customer sent us" is another clause
            seen = seen or low not in STOP
            phrase.append(x)
        out.append(phrase)
    return out


# activities that are a use of the thing they act on: a rule about "the use of Huawei's Ascend chips" covers testing,
# running or training on them; buying, reselling, exporting, shipping or storing them is another matter
_USE = frozenset(stem(w) for w in ["use", "using", "test", "testing", "run", "running", "benchmark", "benchmarking",
                                   "deploy", "deploying", "install", "installing", "operate", "operating", "train",
                                   "training", "power", "powering", "access", "accessing"])


def other_than_use(q, rule_subject: str) -> str | None:
    """The case's activity with its object ("buying Huawei Ascend chips", "reselling Ascend 910B chips") when the
    rule's subject is only the use of something ("the use of Huawei Technologies’ Ascend … chips") and the case does
    something with it that is not a use; None when the rule names another activity or none, or the case is a use."""
    ruled = {stem(w) for w in words(rule_subject) if stem(w) in _ACTIVITY}
    if not ruled or not ruled <= _USE:
        return None
    toks = words(case_of(q))
    acts = [(i, w) for i, w in enumerate(toks) if _is_verb(w)]  # "a cloud provider" is no act of providing
    if not acts or any(stem(w) in _USE for _, w in acts):  # "buy a 910C and test it": the test is a use
        return None
    at = [i for i, w in enumerate(toks) if stem(w) in _ACTIVITY]  # where _objects starts each object
    i, w = acts[0]
    obj = next((p for j, p in zip(at, _objects(q), strict=True) if j == i), [])
    return " ".join([gerund(w.lower()), *obj]).strip()


def _is_verb(word: str) -> bool:
    """An activity word as a verb form ("resell", "exporting", "ships"), not a noun that shares its stem
    ("provider", "exporter", "shipment")."""
    low = word.lower()
    return stem(low) in _ACTIVITY and not re.search(r"(?:ers?|ment|ments|ion|ions|ance|ances)$", low)


def case_names(q) -> list[tuple[str, str]]:
    """The names in what the case acts on, each with its phrase: ("Nvidia", "Nvidia chips") for "using Nvidia chips
    in China", ("American", "American AI chips") for "use American AI chips made by Nvidia". A rule about Huawei's
    Ascend chips covers neither. Only names the question analysis found (`q.names`), no model numbers (those are
    tied to a class through a passage) and no places (they are where the case happens)."""
    names = {n for n in q.names if not any(c.isdigit() for c in n)} - set(q.context_names)
    out = []
    for phrase in _objects(q):
        body = [x for x in phrase if x.lower() not in STOP]
        for x in body:
            if x in names:
                out.append((x, " ".join(body[body.index(x):])))
    return out


_IT_CASE = re.compile(r"^\W*(?:is|would|will|could|does)\s+it\s+(?:be\s+)?(?:an?\s+)?(?:violation|illegal|legal|"
                      r"allowed|permitted|breach\w*|break\w*|against)\b[^?]*?\b(?:to|if|when)\s+(.+?)\s*\??$", re.I)


def case(q) -> str:
    """The case asked about, in the question's words ("testing a 910D in Malaysia"; "use a Huawei smartphone in
    Malaysia" in "is it a violation to use a Huawei smartphone in Malaysia?")."""
    ask = re.sub(r"\s+\bnot\b(?=\s+(?:an?\s|violat|illegal|legal|allowed|permitted))", "", q.ask or q.core,
                 flags=re.I)  # "is testing X NOT a violation?": the case is "testing X"
    it = _IT_CASE.match(ask) or _ALLOWED_TO.match(ask)
    if it and len(it.group(1).split()) <= 14:
        return it.group(1)
    m = re.match(r"^\W*(?:is|are|was|were|would|will|does|do|did|could|can)\s+(.+?)\s+(?:be\s+)?(?:an?\s+)?"
                 r"(?:violation|violat\w*|breach\w*|illegal|legal|allowed|permitted|lawful|against)\b", ask, re.I)
    return m.group(1) if m and len(m.group(1).split()) <= 14 else ""


# "Are we allowed to ship 910B chips to Vietnam?": the case is "ship 910B chips to Vietnam", not "we"
_ALLOWED_TO = re.compile(r"^\W*(?:is|are|am|would|will)\s+(?:we|i|they|you|it|[Oo]ur\s+[\w-]+|the\s+[\w-]+)\s+(?:be\s+)?"
                         r"(?:allowed|permitted|authori[sz]ed)\s+to\s+(.+?)\s*\??\s*$", re.I)
_ASKS_PERMISSION = re.compile(r"^\W*(?:can|may|could)\s+(?!(?:it|this|that|there)\b)(.+?)\s*\??\s*$", re.I)


def permission_case(q) -> str:
    """The case of a permission question ("staff carry evaluation boards in hand luggage" in "Can staff carry
    evaluation boards in hand luggage?"), or ""."""
    m = _ASKS_PERMISSION.match(q.ask or q.core)
    return m.group(1) if m and len(m.group(1).split()) <= 20 else ""


def gerund(case: str) -> str:
    """A case that opens with a bare verb, as a subject ("use Huawei Ascend chips in Malaysia" -> "using Huawei Ascend
    chips in Malaysia"), so that "… is a case of that rule" reads as a sentence; other cases unchanged. English
    spelling rules: drop a silent e ("use" -> "using"), double a final consonant after one short vowel ("ship" ->
    "shipping"), "ie" -> "ying"."""
    first, _, rest = case.partition(" ")
    low = first.lower()
    if stem(low) not in _ACTIVITY or low.endswith("ing") or not low.isalpha():
        return case
    if low.endswith("ie"):
        verb = low[:-2] + "ying"
    elif low.endswith("e") and not low.endswith(("ee", "ye", "oe")):
        verb = low[:-1] + "ing"
    elif len(low) <= 4 and re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", low):
        verb = low + low[-1] + "ing"
    else:
        verb = low + "ing"
    return f"{verb} {rest}".strip()


_RISK_CASE = re.compile(
    r"^\W*(?:(?:are|am|would|will|could)\s+(?:we|i|they|you)|(?:is|would|will|could|might)\s+(?:it|this|that))\s+"
    r"(?:be\s+)?(?:in\s+trouble|at\s+risk|exposed|ok|okay|all\s+right|alright|fine|safe|a\s+problem|an\s+issue|"
    r"risky|a\s+risk)\s+(?:(?:for\s+(?:us|me|them)\s+)?to|if|when)\s+(.+?)\s*\??\s*$", re.I)


def risk_case(q) -> str:
    """The case of a question in everyday words ("our Singapore subsidiary runs inference on Huawei Ascend 910B
    servers" in "Are we at risk if our Singapore subsidiary runs …?"; "buy a used Ascend 910C for benchmarking in
    Germany" in "Would it be OK to buy …?"), or ""."""
    m = _RISK_CASE.match(q.ask or q.core)
    return m.group(1) if m and len(m.group(1).split()) <= 16 else ""


def as_subject(case: str) -> str:
    """A case as the subject of "… is a case of that rule": a bare verb phrase as a gerund ("buy a used Ascend 910C"
    -> "buying a used Ascend 910C"), a clause with its first activity verb as one ("our lab in Vietnam tests the
    Ascend 910C" -> "our lab in Vietnam testing the Ascend 910C"); other cases unchanged."""
    first = case.split(" ", 1)[0]
    if stem(first.lower()) in _ACTIVITY:
        return gerund(case)
    toks = case.split(" ")
    if len(toks) > 1 and toks[0].lower() in ("we", "i", "they", "you", "he", "she"):
        toks = toks[1:]  # "we only use Ascend 910C chips inside China" -> "only using Ascend 910C chips …"
        if stem(toks[0].lower()) in _ACTIVITY:
            return as_subject(" ".join(toks))
    for i, w in enumerate(toks[1:], 1):
        low = w.lower()
        if not low.isalpha() or stem(low) not in _ACTIVITY:
            continue
        base = low[:-3] + "y" if low.endswith("ies") else low[:-2] if low.endswith(("shes", "ches", "sses")) else \
            low[:-1] if low.endswith("s") and not low.endswith("ss") else low
        return " ".join([*toks[:i], gerund(base).split(" ")[0], *toks[i + 1:]])
    return case


ONLY = re.compile(r"\b(?:is|are) (?:allowed|permitted) only\b(?P<condition>[^.;]+)", re.I)


def condition_met(quote: str, q) -> str | None:
    """Where the case asked stands against a rule that permits something only under conditions ("is permitted only
    in the Penang lab, under an export licence …"): "inside" when a name of the conditions is a name of the question
    ("Can we benchmark … in the Penang lab?"); "outside" when the question names something the rule's sentence never
    does ("… in our Singapore office?": there the rule forbids it); "open" when it names neither ("Is benchmarking at
    any company site prohibited?": the answer is the conditions). None when the rule states no such condition."""
    m = ONLY.search(quote)
    if not m:
        return None
    asked = {stem(n) for n in (*q.names, *q.context_names)}
    if asked & {stem(n) for n in names_in(m.group("condition"))}:
        return "inside"
    return "outside" if asked - stem_set(quote) else "open"


# the word before an identifier that makes it a document the rule cites, not the case it rules on
_CITED = re.compile(r"(?:memo|memorandum|circular|paragraph|licen[cs]e|directive|policy|regulation|section|rule|"
                    r"minutes|meeting|record|amendment|certificate|determination|notice|guidance|of|under|in)\W*$", re.I)


def another_case(clause: str, asked: set[str]) -> bool:
    """Whether the rule `clause` is said of a record the question does not name ("Ravi Menon must report
    SH-2026-0322 …" for a question about SH-2026-0315, or about a new shipment): an identifier in it that no word
    before it makes a document the rule cites ("under memo EC-2026-007", "meeting ECB-2026-11")."""
    return any(m.group(0) not in asked and not _CITED.search(clause[:m.start()]) for m in RECORD_NAME.finditer(clause))


def subjects(text: str) -> set[str]:
    """The record identifiers `text` speaks of, not those it cites ("SH-2026-0334 (2 units) does not exceed the
    10-unit threshold of paragraph 4 of memo EC-2026-007": {"SH-2026-0334"})."""
    return {m.group(0) for m in RECORD_NAME.finditer(text) if not _CITED.search(text[:m.start()])}
