"""What a question asks: its kind, key terms and names, what is only context, and a stand-alone form for follow-ups.

A message may carry more than the question: context ("Our integrator in Kuala Lumpur…"), the conversation before
it, a misspelling ("Acsend"), another language, or text that tries to instruct the assistant. Only the names of the
question proper are what it asks about (`names`); names from context sentences, from the conversation, and the
setting of a yes/no question ("…in Malaysia") are case details (`context_names`): a document that never mentions
them is a fact to state, not a reason to refuse. Misspelled words are read as the indexed word they are closest to
(`corrections`). Sentences and clauses that try to instruct the assistant are set aside: never obeyed, never
searched for, never a reason to abstain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant import language
from assistant.instructions import clauses, without_instructions
from assistant.models import Turn
from assistant.names import names_in, sentences, settings_in
from assistant.places import other_names
from assistant.terms import content_stems, stem, words

_FOLLOW_UP = re.compile(
    r"\b(it|its|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|the latter|the former|"
    r"one of them|the second one|the first one|the same)\b|^(and|what about|how about|also|then)\b", re.I)
# "how long", "how soon": the adverb asks for a duration or a date, it is not a term the answer must hold ("How long do
# we have to report it?" is answered by "within 24 hours", which never says "long")
# "By when …?", "Until when …?": a date asked with the preposition its answer takes ("By 30 April 2026")
BY_WHEN = re.compile(r"\b(?P<prep>by|until|till|since|from|within)\s+when\b", re.I)
_HOW_ADVERB = re.compile(r"\bhow (?:long|soon|often|far|old)\b", re.I)
_REFERS_BACK = re.compile(r"\b(?:it|this|that|they|he|she)\b", re.I)  # "Who said that?", "When did they say it?"
_COMPARE = re.compile(r"^(compare|contrast)\b|\bhow do (the |these )?(sources|articles|reports|outlets|documents) "
                      r"(differ|compare|disagree)\b|\bwhat (does|do) (each|every|the different) (source|article|report|"
                      r"outlet|document)s?\b|\b(each|every) (source|article|report|outlet)\b", re.I)
_DANGLING = re.compile(r"\b(one of them|any of them|each of them|both of them|the latter|the former|those ones|"
                       r"these ones|the same one)\b", re.I)
_YES_NO = re.compile(r"^(is|are|was|were|do|does|did|can|could|will|would|should|shall|has|have|had|may|might|"
                     r"must)\b", re.I)
JUDGMENT = re.compile(r"\w*violat\w*|breach|illegal|legal|allowed|permitted|prohibit|forbid|banned|comply|complian|"
                      r"infring|sanction|penalt|lawful|against (the )?(rules|law|controls)", re.I)
_ASKS = re.compile(r"\?\s*$|^(?:(?:in|for|at|by|to|from|with|on|under|since|until)\s+)?(who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|can|could|"
                   r"will|would|should|shall|has|have|had|may|might|must|name|list|compare|tell|explain|describe|"
                   r"summari[sz]e|give|show)\b", re.I)
# a yes/no question about a case's standing under a rule, in everyday words: "Is it a problem under US export controls
# if our lab uses an Ascend 910C?", "Would it be OK to…", "Are we at risk if…"
AT_RISK = re.compile(r"^\W*(?:is|would|will|could|might)\s+(?:it|this|that)\s+(?:be\s+)?(?:a\s+problem|an\s+issue|risky|"
                     r"a\s+risk)\b|^\W*(?:are|am|would|will|could)\s+(?:we|i|they|you)\s+(?:be\s+)?(?:in\s+trouble|at\s+risk|"
                     r"exposed)\b", re.I)
# the stems of a question that already names the rule's side ("a violation", "prohibited", "needs a licence")
_RULE_TERM = re.compile(r"\b(?:violat|breach|prohibit|forbid|ban|infring|sanction|penalt|illeg|unlaw|control|licen[cs]|"
                        r"permit|restrict|requir)", re.I)
# "Can we do it?", "May we go ahead with that?": a permission asked of the case told before it
DO_IT = re.compile(r"^\W*(?:can|may|could|should)\s+(?:we|i|they|you|he|she|our\s+[\w-]+)\s+(?:still\s+)?(?:do|go\s+ahead"
                   r"(?:\s+with)?|proceed(?:\s+with)?)\s+(?:it|that|this|so)?\s*\??\s*$", re.I)
# the same in the words of a permission: "Would it be OK to benchmark…?", "Are we fine if…?"
OK_TO = re.compile(r"^\W*(?:is|would|will|could|might)\s+(?:it|this|that)\s+(?:be\s+)?(?:ok|okay|all\s+right|alright|fine|"
                   r"safe)\b|^\W*(?:are|am|would|will|could)\s+(?:we|i|they|you)\s+(?:be\s+)?(?:ok|okay|fine|safe)\b", re.I)
# a name after one of these in a yes/no question is where or to whom the case happens ("testing a 910D in Malaysia")
@dataclass(frozen=True)
class Question:
    """A question as the engines see it."""

    text: str                    # what the user asked, verbatim
    core: str                    # the message without the text that tries to instruct the assistant
    search: str                  # the stand-alone text that is searched for (condensed with the conversation)
    kind: str                    # yes_no | number | date | person | list | fact
    terms: tuple[str, ...]       # content stems of the question (instructions set aside, misspellings corrected)
    names: tuple[str, ...]       # names and identifiers the question asks about ("Ascend", "910D", "744.23")
    parts: tuple[str, ...] = ()  # the sub-questions of a compound question ("When…, and how many…?")
    judgment: bool = False       # a yes/no question about a rule ("is X a violation?")
    instructions: bool = False   # the message contains text that tries to instruct the assistant
    follow_up: bool = False
    context_names: tuple[str, ...] = ()   # case details: names of the context, the setting, the conversation
    corrections: tuple[tuple[str, str], ...] = ()  # (as typed, as indexed) for misspelled words read as indexed ones
    language: str = "en"         # ISO 639-1 code of the question's language (assistant.language)
    ask: str = ""                # the question proper: the message without its context sentences
    unresolved: str = ""         # a reference to something earlier ("one of them") that nothing before names
    compare: bool = False        # asks what each source says ("compare what the sources say about X")
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (acronym term, the terms it stands for) as defined
    antecedent: str = ""         # what "that" / "it" refers to in a follow-up: the claim the last answer opened with


# "Is the guidance legally binding, or just advice?": a choice between two answers, not a yes/no question
_ALTERNATIVE = re.compile(r",?\s+or\s+(?:just|only|merely|simply|rather|instead|is it|are they|does it|do they)\b")


def _kind(q: str) -> str:
    low = q.lower().strip()
    if re.search(r"\bwhat (?:is|was|are|were) the (?:(?:maximum|minimum|total|average|annual|civil|criminal|"
                 r"administrative|statutory|daily|late) )*(?:fine|penalty|"
                 r"fee|fees|price|cost|value|amount|threshold|quantity)\b|"
                 r"\bhow (many|much|large|big|long|far|old|often)\b|\bwhat (share|percentage|percent|number|"
                 r"amount|proportion|fraction)\b|\bin (dollars|tflops|percent)\b|^what is the [\w\s]*\bnumber\b|"
                 r"^what (?:fine|penalty|fee|fees|price|cost|charge)\b|^what (?:\w+ )?(?:score|rating)\b", low):
        return "number"  # "What match score puts an order on hold …?"
    if re.search(r"^(?:(?:by|until|till|since|from)\s+)?when (was|were|did|does|will|would|should|must|can|is|are|"
                 r"had|has|have)\b|\bwhat (date|day|year|month)\b|"
                 r"\bon what date\b|\bwhich (date|day|year|month)\b", low):
        return "date"
    if (_YES_NO.search(low) or language.yes_no(q)) and not _ALTERNATIVE.search(low):
        return "yes_no"
    if re.search(r"^(who|whom|whose)\b|\bwho (is|was|said|says|testified|issued|made)\b", low):
        return "person"
    if re.match(r"^\W*(?:(?:and|but|so)\s+)?(?:why|how)\b", low):  # "Why are Huawei's Ascend chips subject to …?" asks
        return "fact"                                                  # for a reason, not for a list of chips
    if re.search(r"^(name|list)\b|\bwhat (were|are) the\b|\bwhich \w+ (chips|countries|companies|steps|firms|"
                 r"products|tiers|models|processors|entities|licen[cs]es|items)\b|\bwhich (chips|models|processors|"
                 r"countries|companies|entities|items)\b|\b(steps|tiers|companies|countries|chips|models)\b.*\?$", low):
        return "list"
    return "fact"


# the connectives and prepositions of a follow-up in English, German, French and Spanish ("And in Thailand?", "Und
# in Thailand?", "Et en Thaïlande ?", "¿Y en Tailandia?")
_AND = r"and|or|but|also|und|oder|aber|auch|et|ou|mais|y|o|pero"
_AT = r"in|for|at|to|with|on|from|im|für|nach|en|au|aux|à|dans|pour|para|con"
_ABOUT = r"(?:what|how)\s+about|was\s+ist\s+mit|qu['’]en\s+est-il\s+(?:de|du|des)|(?:qué|que)\s+(?:hay|pasa)\s+con"
_ELLIPTIC = re.compile(rf"^\W*(?:(?:{_AND})\s+)?(?:(?:{_ABOUT})\s+)?(?:(?:{_AT})\s+)?"
                       r"(?P<rest>[^?]{1,60}?)\s*(?:,?\s*too|,?\s*then)?\s*\?*\s*$", re.I)


def _elliptic(ask: str) -> bool:
    """A follow-up that only changes the case's place or party ("What about Thailand?", "And in Thailand?", "What
    about in Thailand?"): what it asks is the question before it."""
    if re.match(rf"^\W*(?:(?:{_AND})\s+)?(?:{_ABOUT})\b", ask, re.I):
        return True
    m = _ELLIPTIC.match(ask)
    if not m or not re.match(rf"^\W*(?:{_AND}|{_AT})\b", ask, re.I):
        return False
    rest = m.group("rest").split()
    return 0 < len(rest) <= 4 and all(w[:1].isupper() or w.lower() in ("the", "of", "and") for w in rest)


# an anaphoric yes/no question after a dash or comma: "Our distributor in Penang wants to benchmark Ascend chips —
# is that allowed?": what comes before it is the case's context, as if it were a sentence of its own
_TAIL = re.compile(r"\s*(?:—|–|--?|,|;)\s+((?:is|are|would|could|will|can|does|do|was|may|might)\s+(?:that|this|it|we|I|they|"
                   r"these|those)\b[^?]*\?)\s*$", re.I)


def _tail(sentence: str) -> list[str]:
    m = _TAIL.search(sentence)
    return [sentence[:m.start()].strip(), m.group(1)] if m and m.start() > 0 else [sentence]


_PART = re.compile(r",?\s+and\s+(?=(?:(?:in|within|by|for|after|before|under|from|at|on)\s+)?(?:what|which|who|whom|"
                   r"when|where|how|why|did|does|is|are)\b)|(?<=\?)\s+", re.I)  # "…, and within how many days?"


def sub_questions(core: str) -> list[str]:
    """The sub-questions of a compound question: "What did X do, and which chips…?" -> two parts."""
    pieces = [p.strip(" ,?") for p in _PART.split(core) if p and p.strip(" ,?")]
    return pieces if len(pieces) > 1 else []


_LEAD_QUOTE = re.compile(r"“([^”]{20,600})”")


def lead_quote(answer_text: str) -> str | None:
    """The claim an answer opened with: the first quotation of its first sentence ("Yes. The Business Times reports:
    “The Commerce Department issued guidance…” [1]" -> "The Commerce Department issued guidance…"); None when the
    opening quotes nothing (an abstention, a list). The opening runs to its first citation marker, over the line
    breaks of an answer wrapped for a terminal (`assistant ask` prints it so, and its users paste it back as
    history)."""
    text = answer_text.strip()
    if text.startswith("- "):
        return None
    opening = re.split(r"\n(?:- |Evidence:|\n)", text, maxsplit=1)[0]
    opening = re.split(r"(?<=\])", opening, maxsplit=1)[0]  # up to and with the first "[n]"
    m = _LEAD_QUOTE.search(re.sub(r"\s*\n\s*", " ", opening))
    return m.group(1) if m else None


def _last(history: list[Turn], role: str) -> str:
    return next((t.content for t in reversed(history) if t.role == role), "")


def _asked_before(history: list[Turn]) -> str:
    """The last user question that was not itself an elliptical follow-up ("What about Thailand?" after the
    mission question, then "And in Singapore?": both ask the mission question)."""
    users = [t.content for t in history if t.role == "user"]
    return next((u for u in reversed(users) if not _elliptic(u)), users[-1] if users else "")


def _joined_identifiers(text: str, known) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A model number typed with a space or a hyphen ("910 D", "910-d") written as the index has it ("910D"), and
    one glued to its family name ("Ascend910D") split from it ("Ascend 910D"), when the index knows the form it is
    read as and not the form typed; the changes made, as (typed, read) pairs. Unchanged without `known`."""
    if known is None:
        return text, ()
    fixes: list[tuple[str, str]] = []

    def join(m: re.Match) -> str:
        whole = m.group(1) + m.group(2).upper()
        if known(stem(whole)) and (len(m.group(2)) == 1 or not known(stem(m.group(2)))):
            fixes.append((m.group(0), whole))
            return whole
        return m.group(0)

    def split(m: re.Match) -> str:
        name, number = m.group(1), m.group(2)
        if not known(stem(m.group(0))) and known(stem(name)) and known(stem(number)):
            fixes.append((m.group(0), f"{name} {number}"))
            return f"{name} {number}"
        return m.group(0)
    text = re.sub(r"(?<![\w.,])(\d{2,})[\s-]([A-Za-z]{1,2})(?![\w’'-])", join, text)
    return re.sub(r"(?<![\w.,-])([A-Za-z]{3,})(\d{2,}[A-Za-z]{0,2})(?![\w’'-])", split, text), tuple(fixes)


_NO_APOSTROPHE = re.compile(r"(?<![\w'’])(what|where|who|how|when|why|which|that|there|here)s(?![\w'’])", re.I)


def _corrected(text: str, correct) -> tuple[str, tuple[tuple[str, str], ...]]:
    """`text` with each word the index does not know replaced by the indexed word `correct` proposes ("Acsend" ->
    "Ascend"); the corrections made."""
    if correct is None:
        return text, ()
    fixes: dict[str, str] = {}
    for m in _NO_APOSTROPHE.finditer(text):  # "Whats the reportng threshhold …?": "What's", a wh-word, not a term
        fixes[m.group(0)] = f"{m.group(1)}'s"
    for w in words(text):
        if w not in fixes and (alt := correct(w)):
            fixes[w] = alt
    for typed, alt in fixes.items():
        text = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", alt, text)
    return text, tuple(fixes.items())


_SITE = r"lab|laboratory|site|office|plant|facility|warehouse|subsidiary|branch|campus|team|entity|depot|factory|" \
        r"cent(?:re|er)|data cent(?:re|er)|unit|affiliate"
_OWNERS = frozenset(["our", "the", "my", "their", "your", "his", "her", "its", "a", "an", "this", "that"])
_GERUND = re.compile(r"\b(?P<verb>[a-z]{3,}ing)\b")
_PRONOUN_TAIL = re.compile(r"\b(?:them|it|those|these|one|ones)\b|\bthere\b", re.I)


def rewritten(ask: str, before: str) -> str | None:
    """The question an elliptical follow-up asks, written out: the question before it with the new place or party
    in place of the old one, or with the new activity in place of the old one ("And in Thailand?" after "Is testing
    a 910D in Malaysia a violation?" -> "Is testing a 910D in Thailand a violation?"; "What about selling them?" ->
    "Is selling a 910D in Malaysia a violation?"). None when the follow-up or the question before it has nothing to
    put in place (the follow-up is then read with the conversation, as any other)."""
    if not before:
        return None
    if swapped := _other_identifier(ask, before):
        return swapped
    new = [n for n in names_in(ask) if not any(c.isdigit() for c in n)]
    old = sorted(settings_in(before, names_in(before)), key=before.find)
    if new and not old:  # "What about our Austin lab?" after "Our Penang lab wants to …": the name before the
        # same noun ("lab") is the old place
        noun = re.search(rf"(?<!\w){re.escape(new[-1])}\s+({_SITE})\b", ask, re.I)
        held = noun and re.search(rf"(?:(\w+)\s+)?(?<!\w)([A-Z][\w’'-]*)\s+{re.escape(noun.group(1))}\b", before)
        joined = held and held.group(1) and held.group(1)[:1].isupper() and held.group(1).lower() not in _OWNERS
        old = [held.group(2)] if held and not joined and held.group(2) not in new else []  # not "Business Times"
    out = before
    if new and old:
        # "in Penang, Malaysia": the whole old place goes, the names after a comma with it
        out = re.sub(rf"(?<!\w){re.escape(old[0])}(?:,\s*[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)*(?!\w)",
                     " and ".join(new), out, count=1)
        for other in old[1:]:
            out = re.sub(rf",?\s*\b(?:in|at|to|into|within|inside|near)\s+{re.escape(other)}(?!\w)", "", out, count=1)
    elif new:
        return None
    verb = _GERUND.search(_PRONOUN_TAIL.sub(" ", ask.lower()))
    first = re.match(r"^\W*(?:is|are|was|were|would|will|could)\s+(?P<verb>[a-z]{3,}ing)\b", before, re.I)
    if verb and first and verb.group("verb") != first.group("verb").lower():
        out = out[:first.start("verb")] + verb.group("verb") + out[first.end("verb"):]
    elif not (new and old):
        return None
    return out


def _shape(name: str) -> str:
    """An identifier's form, digits and capitals abstracted ("SH-2026-0315" -> "AA-9999-9999", "910D" -> "999A")."""
    return re.sub(r"[A-Z]", "A", re.sub(r"\d", "9", name.upper()))


def _other_identifier(ask: str, before: str) -> str | None:
    """The question before with the one identifier the follow-up names in place of the one of the same form it
    named ("And what about SH-2026-0322?" after "Was shipment SH-2026-0315 reported to the Board?" -> "Was shipment
    SH-2026-0322 reported to the Board?"), or None when the follow-up names no identifier, several, or one that
    stands in for none."""
    new = [n for n in names_in(ask) if any(c.isdigit() for c in n)]
    if len(new) != 1 or [n for n in names_in(ask) if n not in new]:
        return None
    old = [n for n in names_in(before) if any(c.isdigit() for c in n) and _shape(n) == _shape(new[0])]
    if len(set(old)) != 1 or old[0] == new[0]:
        return None
    return re.sub(rf"(?<![\w-]){re.escape(old[0])}(?![\w-])", new[0], before)


def _names_of(ask: str, context: str, core: str, kind: str, lang: str, known, elliptic: bool
              ) -> tuple[list[str], list[str]]:
    """(the names the question asks about, the names that only set its case: a place or party of a yes/no case, a
    language, the names of its context sentences)."""
    names = names_in(ask)
    if lang != "en" and known is not None:  # other languages capitalise nouns ("Verstoß"): keep names the index knows
        names = [n for n in names if any(c.isdigit() for c in n) or known(stem(n))]
    setting = settings_in(ask, names) if kind == "yes_no" else set()
    if elliptic and kind == "yes_no":  # the place or party of the case asked before, changed
        setting |= {n for n in names if not any(c.isdigit() for c in n)}
    setting |= {n for n in names if known is not None and not known(stem(n)) and language.is_language(n)}
    context_names = [n for n in names_in(context) if n not in names] + [n for n in names if n in setting]
    names = [n for n in names if n not in setting]
    if lang != "en":  # "en Malaisie", "en Malasia", "在马来西亚": the country, by its English name
        local = [c for c in language.countries_in(core, lang) if c not in names and c not in context_names]
        if kind == "yes_no":
            context_names += local
        else:
            names += local
    return names, context_names


def _read_with_history(core: str, ask: str, history: list[Turn], elliptic: bool, names: list[str],
                       context_names: list[str]) -> tuple[str, str | None, list[str]]:
    """A follow-up read with the turns before it: (its search text, with the last question or the statement the last
    answer quoted, and that answer's names; that statement or None; its context names, the earlier ones added)."""
    prev_user = without_instructions(_asked_before(history) if elliptic else _last(history, "user"))[0]
    prev_names = [n for n in names_in(_last(history, "assistant")) if not re.fullmatch(r"\d{1,2}", n)][:8]
    said = None if elliptic else lead_quote(_last(history, "assistant"))
    # "Who said that?" after "Yes. … reports: “The Commerce Department issued guidance stating…” [1]": "that" is
    # what the answer said, not what was asked
    search = " ".join(x for x in (core, said or prev_user, " ".join(prev_names)) if x)
    context_names += [n for n in names_in(prev_user) if n not in names and n not in context_names]
    if _DANGLING.search(ask):  # "Would testing one of them be a violation?" after "Which chips does that
        # cover?": "them" are the items the last answer named ("910B, 910C, and 910D", "Ascend"), and the
        # earlier questions' names ("910D", "Malaysia") are the case
        earlier = [n for t in history if t.role == "user" for n in names_in(t.content)]
        numbered = [n for n in prev_names if any(c.isdigit() for c in n) and n not in names]
        context_names += [n for n in dict.fromkeys((*numbered, *earlier)) if n not in context_names]
    return search, said, context_names


def analyze(question: str, history: list[Turn] | None = None, known=None, correct=None) -> Question:
    """Kind, key terms, names and the stand-alone search text of `question`, given the earlier turns.

    `known(stem) -> bool` says whether the index holds a term; `correct(word) -> str | None` proposes the indexed
    word a misspelled one stands for (assistant.vocabulary). Without them nothing is corrected and every name counts.
    """
    history = history or []
    core, instructions = without_instructions(question)
    lang = language.detect(core or question)
    core, corrections = _corrected(core, correct if lang == "en" else None)
    if known is not None:  # "Munich" read as the "München" the index knows
        core, places = other_names(core, known)
        corrections += places
    core, joined = _joined_identifiers(core, known)
    corrections += joined
    said = [c for sent in sentences(core) for c in (clauses(sent) if ":" in sent else _tail(sent))]
    asks = [s for s in said if _ASKS.search(s)] or said
    ask = " ".join(asks[-2:]) if len(asks) > 1 and len(" ".join(asks[-2:])) < 300 else (asks[-1] if asks else core)
    context = " ".join(s for s in said if s not in ask)
    bare = re.sub(r"^\W*(?:and|but|so|also|then|ok|okay|well)\b[,\s]*", "", ask, flags=re.I)
    kind = _kind(bare)
    elliptic = bool(history) and _elliptic(ask)  # "What about in Thailand?", "What about Thailand?", "And in Thailand?"
    if elliptic and (whole := rewritten(ask, without_instructions(_asked_before(history))[0])):
        # the question it stands for, read as if it had been asked ("Is testing a 910D in Thailand a violation?"):
        # its case, names and place are that question's; what was typed, and the instructions set aside, stay
        q = analyze(whole, None, known, correct)
        return replace(q, text=question, follow_up=True, instructions=instructions or q.instructions,
                       corrections=corrections + q.corrections)
    if elliptic:
        kind = _kind(_asked_before(history)) if _asked_before(history) else kind
    names, context_names = _names_of(ask, context, core, kind, lang, known, elliptic)
    terms = content_stems(BY_WHEN.sub("when", _HOW_ADVERB.sub("how", ask)))  # "until when": no term "until"
    if not terms and context and not history:  # "… to benchmark a 910D at their facility. Can we do it?": the
        terms = content_stems(context)  # case told before it is what it asks about
    # in another language the English pronouns and "and" are not there to see, and its words do not reach the English
    # index: a message after earlier turns is read with them ("Und wer hat die Leitlinie herausgegeben?")
    follow = bool(history) and (bool(_FOLLOW_UP.search(ask)) or len(content_stems(ask)) <= 3 or lang != "en")
    search, said, context_names = _read_with_history(core, ask, history, elliptic, names, context_names) if follow \
        else (core, None, context_names)
    judgment = kind == "yes_no" and (bool(JUDGMENT.search(ask) or AT_RISK.search(ask) or OK_TO.search(ask) or (
        context and DO_IT.search(ask))) or language.judgment(ask) or bool(
        elliptic and JUDGMENT.search(_asked_before(history))))
    dangling = _DANGLING.search(ask)
    unresolved = dangling.group(0) if dangling and not history and not names and not context else ""
    if judgment and (lang != "en" or not _RULE_TERM.search(" ".join(terms))):
        # the index speaks English, and a rule says "violates", not "allowed" / "OK" / "a problem": search for the
        # rule in its words ("… wants to benchmark them next week. Is that allowed?")
        search += " " + language.RULE_WORDS
    parts = tuple(sub_questions(bare))  # "And who issued that guidance, and when?": its parts without the "And"
    if kind == "number" and parts and _kind(parts[0]) == "yes_no":  # "Is a report required for …, and within how
        kind = "yes_no"  # many days?": a rule question first, its quoted rule holding the figure
    return Question(text=question, core=core, search=search, kind=kind, terms=tuple(terms), names=tuple(names),
                    parts=parts, judgment=judgment, instructions=instructions, follow_up=follow,
                    context_names=tuple(dict.fromkeys(context_names)), corrections=corrections, language=lang,
                    ask=ask, unresolved=unresolved, compare=bool(_COMPARE.search(ask)),
                    antecedent=(said or "") if follow and _REFERS_BACK.search(ask) else "")
