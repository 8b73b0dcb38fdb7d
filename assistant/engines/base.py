"""The engine seam: what an engine is given (Context) and what it returns (Draft), and the registry by name."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.models import Unit
from assistant.question import Question
from assistant.terms import norm, words
from assistant.verify import Passage


def joined_names(names: list[str], text: str) -> list[str]:
    """`names` with those written next to each other in `text` joined, in the order written ("Kuala", "Lumpur" ->
    "Kuala Lumpur")."""
    out: list[str] = []
    for n in names:
        if out and re.search(rf"(?<!\w){re.escape(out[-1])}\s+{re.escape(n)}(?!\w)", text):
            out[-1] = f"{out[-1]} {n}"
        elif out and re.search(rf"(?<!\w){re.escape(n)}\s+{re.escape(out[-1])}(?!\w)", text):
            out[-1] = f"{n} {out[-1]}"
        else:
            out.append(n)
    return out


def _with_following(name: str, text: str, names: set[str]) -> str:
    """`name` with the names written right after it in `text` ("Entity" -> "Entity List")."""
    m = re.search(rf"(?<!\w){re.escape(name)}((?:\s+[^\W\d_][\w-]*)+)", text)
    tail = []
    for w in (m.group(1).split() if m else []):
        if w not in names:
            break
        tail.append(w)
    return " ".join([name, *tail])


# asks whether something is on a list or in a group: "Is Huawei on the Entity List?", "Is Vietnam in Country Group D:5?"
_MEMBERSHIP = re.compile(r"^\W*(?:is|are|was|were)\s+(?P<member>[A-Z][^?]{1,60}?)\s+(?:on|in|listed on|listed in|part of|"
                         r"a member of)\s+the\s+(?P<group>[^?]{0,40}?\b(?:list|group|register|schedule|annex|"
                         r"supplement)(?:\s+[A-Z0-9][\w:.-]*)?)\s*\?*\s*$|"
                         r"^\W*(?:is|are|was|were)\s+(?P<member2>[A-Z][^?]{1,60}?)\s+(?:on|in)\s+(?P<group2>"
                         r"(?:Country\s+Group|Supplement|Annex|Schedule)\s+[\w:.-]+)\s*\?*\s*$", re.I)


def _folded_words(text: str) -> set[str]:
    """The words of `text` as the index normalises them (assistant.terms.norm: case, accents and possessives off,
    "Côté" -> "cote", "Nvidia’s" -> "nvidia"), stopwords aside."""
    return {norm(w) for w in words(text)} - _STOP


_STOP = frozenset({"the", "a", "an", "of", "and", "on", "in", "to", "for", "s"})


@dataclass(frozen=True)
class Context:
    """Everything retrieval found for one question, and what the abstention check found (`unknown`, `absent`):
    immutable, so that every engine and every stage after retrieval reads the same values."""

    question: Question
    units: list[Unit]                   # evidence units, best first
    vectors: dict[str, np.ndarray]      # unit vectors by "chunk_id:start"
    unknown: tuple[str, ...] = ()       # names in the question that no indexed passage contains
    ignored: dict = field(default_factory=dict)  # documents whose text tries to instruct the assistant: {doc_id: text}
    hits: list = field(default_factory=list)  # the retrieved chunks, best first
    classes: tuple[str, ...] = ()       # the classes the question's model numbers belong to ("910D" -> "Ascend")
    absent: tuple[str, ...] = ()        # names of the question that no document (of the filtered set) mentions
    filtered: bool = False              # metadata filters narrowed the documents searched
    superseded: dict = field(default_factory=dict)  # {doc_id: Supersession} of the old versions among the units
    amending: tuple = ()                # the index's sentences that may amend another (engines/amendments.collect)
    decided: tuple = ()                 # the index's decisions about records (engines/decisions.collect)
    corrections: tuple = ()             # the records' correction entries (engines/corrections.collect)
    agenda: dict = field(default_factory=dict)  # minutes' agenda item headings by document (engines/minutes.agenda)
    table_hits: tuple = ()              # the hits with the whole of each short document holding a table (its header)

    def absence(self) -> str:
        """The note on the names no document mentions ("The documents do not mention Malaysia."), or ""."""
        if not self.absent:
            return ""
        q = self.question  # a name written before other names of the question is named with them ("Entity List")
        names = [_with_following(n, q.text, {*q.names, *q.context_names}) for n in joined_names(list(self.absent), q.text)][:4]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        where = "None of the documents the filters select mentions" if self.filtered else "The documents do not mention"
        return f"{where} {listed}."

    def apart(self) -> str:
        """For a yes/no question whether something is on a list or in a group ("Is Huawei on the Entity List?", "Is
        Vietnam in Country Group D:5?"), when no retrieved chunk names both (accents, apostrophes and case aside):
        "No passage found names Huawei together with the Entity List, so the documents do not settle this."; ""
        otherwise."""
        m = _MEMBERSHIP.match(self.question.ask or self.question.core)
        if m is None:
            return ""
        member = (m.group("member") or m.group("member2")).strip()
        group = (m.group("group") or m.group("group2")).strip()
        wanted = [_folded_words(member), _folded_words(group)]
        if not all(wanted):
            return ""
        for u in self.units[:40]:
            have = _folded_words(u.hit.text)
            if all(w <= have for w in wanted):
                return ""
        the = "the " if m.group("group") else ""
        return f"No passage found names {member} together with {the}{group}, so the documents do not settle this."

    def similar(self, a: Unit, b: Unit) -> float:
        """Cosine of two units when both were embedded, else the Jaccard overlap of their word stems."""
        va, vb = self.vectors.get(f"{a.hit.chunk_id}:{a.start}"), self.vectors.get(f"{b.hit.chunk_id}:{b.start}")
        if va is not None and vb is not None:
            return float(np.dot(va, vb))
        from assistant.retrieve import jaccard

        return min(1.0, 1.3 * jaccard(a.text, b.text))


@dataclass
class Draft:
    """An engine's answer before verification: text with [n] markers into `passages`."""

    text: str
    passages: list[Passage]
    trusted: frozenset[str] = frozenset()   # lines the engine composed about the documents, not from them
    abstained: bool = False
    warnings: list[str] = field(default_factory=list)


class AnswerEngine(Protocol):
    name: str

    def draft(self, ctx: Context, on_token: Callable[[str], None] | None = None) -> Draft: ...
