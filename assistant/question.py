"""What a question asks: its kind (yes/no, number, date…), its key terms, and a stand-alone form for follow-ups.

Follow-ups are condensed without an LLM: a question that leans on the conversation ("one of them", "he",
"its", a bare "What about…") is searched together with the previous user question and the names the last
answer gave. Sentences that try to instruct the assistant are set aside: they are never obeyed, and they do not
decide what is searched for or whether the documents cover the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.models import Turn
from assistant.terms import content_stems, words

INSTRUCTION = re.compile(
    r"ignore (all |any |your |the )?(previous |prior |above )?(instructions|rules|prompt)|\bsystem\s*:|"
    r"you are now|developer mode|new system (instruction|prompt)|new instructions?\s*:|administrator note|"
    r"admin note|from now on,? (answer|reply|respond|say|you)|always answer|reply only|respond only|"
    r"end your answer|</?(documents?|passages?|system)>|"
    r"disregard (all |any |your |the )?(previous |prior |above )?(instructions|rules|prompt)|"
    r"pretend (to be|you)|jailbreak|do anything now", re.I)
_FOLLOW_UP = re.compile(
    r"\b(it|its|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|the latter|the former|"
    r"one of them|the second one|the first one|the same)\b|^(and|what about|how about|also|then)\b", re.I)
_YES_NO = re.compile(r"^(is|are|was|were|do|does|did|can|could|will|would|should|shall|has|have|had|may|might|"
                     r"must)\b", re.I)
JUDGMENT = re.compile(r"\w*violat\w*|breach|illegal|legal|allowed|permitted|prohibit|forbid|banned|comply|complian|"
                       r"infring|sanction|penalt|lawful|against (the )?(rules|law|controls)", re.I)


@dataclass(frozen=True)
class Question:
    """A question as the engines see it."""

    text: str                    # what the user asked, verbatim
    core: str                    # the question without the sentences that try to instruct the assistant
    search: str                  # the stand-alone text that is searched for (condensed with the conversation)
    kind: str                    # yes_no | number | date | person | list | fact
    terms: tuple[str, ...]       # content stems of the question (instructions set aside)
    names: tuple[str, ...]       # proper names and model numbers the question mentions ("Malaysia", "910D")
    parts: tuple[str, ...] = ()  # the sub-questions of a compound question ("When…, and how many…?")
    judgment: bool = False       # a yes/no question about a rule ("is X a violation?")
    instructions: bool = False   # the question contains text that tries to instruct the assistant
    follow_up: bool = False


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[?.!;])\s+|\n+", text.strip()) if s.strip()]


def _kind(q: str) -> str:
    low = q.lower().strip()
    if re.search(r"\bhow (many|much|large|big|long|far|old|often)\b|\bwhat (share|percentage|percent|number|"
                 r"amount|proportion|fraction)\b|\bin (dollars|tflops|percent)\b|^what is the [\w\s]*\bnumber\b", low):
        return "number"
    if re.search(r"^when (was|were|did|will|is|are|had|has)\b|\bwhat (date|day|year|month)\b|"
                 r"\bon what date\b|\bwhich (date|day|year|month)\b", low):
        return "date"
    if _YES_NO.search(low):
        return "yes_no"
    if re.search(r"^(who|whom|whose)\b|\bwho (is|was|said|says|testified|issued|made)\b", low):
        return "person"
    if re.search(r"^(name|list)\b|\bwhat (were|are) the\b|\bwhich \w+ (chips|countries|companies|steps|firms|"
                 r"products|tiers)\b|\b(steps|tiers|companies|countries|chips)\b.*\?$", low):
        return "list"
    return "fact"


def names_in(text: str) -> list[str]:
    """Capitalised words not opening a sentence, and tokens with digits (model numbers, years; not bare 1-2 digit
    numbers, which the lexical index does not keep)."""
    out: list[str] = []
    for sent in _sentences(text):
        for i, w in enumerate(words(sent)):
            named = (any(c.isdigit() for c in w) and not (w.isdigit() and len(w) < 3)) or (i > 0 and w[:1].isupper())
            if named and w not in out:
                out.append(w)
    return out


_PART = re.compile(r",?\s+and\s+(?=(?:what|which|who|whom|when|where|how|why|did|does|is|are)\b)|(?<=\?)\s+", re.I)


def sub_questions(core: str) -> list[str]:
    """The sub-questions of a compound question: "What did X do, and which chips…?" -> two parts."""
    pieces = [p.strip(" ,?") for p in _PART.split(core) if p and p.strip(" ,?")]
    return pieces if len(pieces) > 1 else []


def _last(history: list[Turn], role: str) -> str:
    return next((t.content for t in reversed(history) if t.role == role), "")


def analyze(question: str, history: list[Turn] | None = None) -> Question:
    """Kind, key terms and the stand-alone search text of `question`, given the earlier turns."""
    history = history or []
    parts = _sentences(question)
    asked = [p for p in parts if not INSTRUCTION.search(p)]
    # a question made only of instructions: what is left once the instructing phrases are cut out
    core = " ".join(asked) if asked else INSTRUCTION.sub(" ", question).strip(" ,.;:") or question
    terms = content_stems(core)
    follow = bool(history) and (bool(_FOLLOW_UP.search(core)) or len(terms) <= 3)
    search, names = core, names_in(core)
    if follow:
        prev_user = " ".join(p for p in _sentences(_last(history, "user")) if not INSTRUCTION.search(p))
        prev_names = [n for n in names_in(_last(history, "assistant")) if not re.fullmatch(r"\d{1,2}", n)][:8]
        search = " ".join(x for x in (core, prev_user, " ".join(prev_names)) if x)
        names += [n for n in names_in(prev_user) if n not in names]
    kind = _kind(core)
    return Question(text=question, core=core, search=search, kind=kind, terms=tuple(terms), names=tuple(names), parts=tuple(sub_questions(core)),
                    judgment=kind == "yes_no" and bool(JUDGMENT.search(core)),
                    instructions=len(asked) < len(parts) or (not asked and bool(INSTRUCTION.search(question))),
                    follow_up=follow)
