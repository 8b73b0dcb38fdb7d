"""The searches one question makes beyond its own text: its names alone, the rule in the words of the class a model
number belongs to, and the classes themselves.

A judgment question names an item ("is testing a 910D … a violation?") while the rule names its class ("using
Huawei Ascend chips anywhere in the world violates…"), and the two rarely share words (FINDINGS.md). The class is
read from the index: the capitalised words written just before the item where the documents mention it ("the Ascend
910D", "Huawei’s Ascend processors, namely the 910B, 910C, and 910D").
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.question import JUDGMENT, Question
from assistant.terms import STOP, norm, stem, words

_WINDOW = 60   # characters before an item's mention in which its class is named
ENUMERATION_CUES = "namely including such as"  # the words that open a list of named items in prose
# asks for named members: "which chips…", "which Huawei chips…", "what chips…" (not "what are the…", "what does…")
_MEMBERS = re.compile(r"^\W*(?:name|list) (?:the|all|some)\b|^\W*which [\w-]+s\b|^\W*(?:which|what) (?-i:[A-Z])[\w-]* "
                      r"[\w-]+s\b|^\W*what (?!(?:is|was|does|has)\b)[\w-]+s\b",
                      re.I)


def classes(q: Question, search, texts, known, most: int = 2) -> tuple[str, ...]:
    """The classes the question's model numbers belong to, as the documents name them ("910D" -> ("Ascend",
    "Huawei")): capitalised known words just before the item's mentions in its top five BM25 chunks, most frequent
    first; none that the question already names. `search(query, k) -> [(chunk_id, score)]`, `texts(ids) -> {id: text}`.
    """
    items = [n for n in (*q.names, *q.context_names) if any(c.isdigit() for c in n) and any(c.isalpha() for c in n)]
    if not items:
        return ()
    asked = {norm(n) for n in (*q.names, *q.context_names)}
    count: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for item in items:
        found = texts([cid for cid, _ in search(item, 5)])
        for text in found.values():
            for m in re.finditer(rf"(?<!\w){re.escape(item)}(?!\w)", text, re.I):
                window = text[max(0, m.start() - _WINDOW):m.start()]
                for w in words(window)[-6:]:
                    key = norm(w)
                    if (w[:1].isupper() and len(w) > 2 and not any(c.isdigit() for c in w) and key not in asked
                            and key not in STOP and known(stem(w))
                            and not re.search(rf"(?<!\w){re.escape(w)}\s*:", window)):  # "Subject: Q7 boards": a
                        # memo's field label is no class of the item
                        count[key] += 1
                        surface.setdefault(key, re.sub(r"[’']s$", "", w))
    return tuple(surface[w] for w, _ in count.most_common(most))


def sub_queries(q: Question, classes_: tuple[str, ...], doc_freq) -> list[str]:
    """Extra BM25 queries: for any question, its identifiers alone; for a question asking for named members ("Which
    Huawei chips are covered?"), its names and terms with the words that open a list in prose ("namely", "such as":
    the passage that names the 910B, 910C and 910D rarely says "covered" or "chips"); for a yes/no question, its
    names alone and, for a rule question, the known names that are not model numbers and the items' classes, with
    the rule's words ("Huawei Ascend violation")."""
    ids = [n for n in q.names if any(c.isdigit() for c in n)]
    if q.kind == "list" and _MEMBERS.search(q.ask or q.core):
        listed = [" ".join((*q.names, *q.terms, ENUMERATION_CUES))]
        return ([" ".join(ids)] if ids else []) + listed
    if q.kind != "yes_no" or not (q.names or classes_):
        return [" ".join(ids)] if ids else []  # an identifier alone: its record ranks first
    out = [" ".join((*q.names, *classes_))]
    if q.judgment:
        general = [n for n in q.names if not any(c.isdigit() for c in n) and doc_freq(stem(n)) > 0]
        rule = [m.group(0) for m in JUDGMENT.finditer(q.ask or q.core)] or ["violates"]
        out.append(" ".join(dict.fromkeys([*general, *classes_, *rule])))
    return out
