"""Who someone is, in the passages' words: "Who is Jeffery Kessler?" -> "Jeffery Kessler is the Under Secretary of
Commerce for Industry and Security, per …", from a title written before the name or an apposition after it; "Who is
the Under Secretary of …?" -> the name that follows the title."""

from __future__ import annotations

import re

from assistant.engines.base import Context
from assistant.engines.framing import ShortAnswer, flat, source
from assistant.verify import Passage, framed

_ROLE = (r"(?:under\s+)?secretary|minister|spokes(?:person|man|woman)|director|president|chair(?:man|woman|person)?|"
         r"ceo|founder|head|chief|officer|commissioner|administrator|ambassador|governor|senator|analyst|professor|"
         r"lawyer|attorney|reporter|editor|author|official|manager|engineer|adviser|advisor|researcher|executive")
_WHO_IS = re.compile(r"^\W*who\s+(is|was)\s+(.+?)\s*\??\s*$", re.I)


def _role_of(name: str, text: str) -> str | None:
    """What `text` says `name` is: the title written before the name ("Under Secretary of Commerce for Industry
    and Security Jeffery Kessler"), or an apposition after it ("Lin Jian, a spokesperson for the ministry,"), when
    it holds a role word (secretary, spokesperson, director, CEO …); else None."""
    at = text.find(name)
    if at < 0:
        return None
    after = re.match(rf",\s+((?:a|an|the)\s+[^,;.]{{0,60}}?\b(?:{_ROLE})\b[^,;.]{{0,60}}?)\s*,", text[at + len(name):],
                     re.I)
    if after:
        return after.group(1).strip()
    before = re.search(r"((?:[A-Z][\w.’'&-]*\s+(?:(?:of|for|and|the|on)\s+)*)+)$", text[:at])
    if before and re.search(rf"\b(?:{_ROLE})\b", before.group(1), re.I):
        title = before.group(1).strip()
        *rest, last = title.split()
        if " " not in name and rest and last.lower() not in _OFFICE and not re.fullmatch(_ROLE, last, re.I):
            title = " ".join(rest)  # "… Security Jeffery" + "Kessler": "Jeffery" is the first name, not the title
        return title if re.match(r"(?:the|a|an)\b", title, re.I) else f"the {title}"
    return None


# the last words of an office's name ("… for Industry and Security"), which a title before a surname may end with
_OFFICE = frozenset(["security", "commerce", "department", "affairs", "ministry", "industry", "state", "defense", "defence", "treasury", "trade", "foreign", "office", "bureau", "agency", "council", "committee", "board", "commission", "justice", "finance", "energy", "interior", "labor", "labour", "health", "education"])


def who_is(ctx: Context) -> ShortAnswer | None:
    """"Who is Jeffery Kessler?": "Jeffery Kessler is the Under Secretary of Commerce for Industry and Security, per
    Cryptopolitan (2025-05-14): “…” [n]." from the best close unit that gives the name a role; None otherwise."""
    q = ctx.question
    m = _WHO_IS.match(q.ask or q.core)
    if not m or not ctx.units:
        return None
    name = m.group(2).strip()
    best = ctx.units[0].relevance
    title = re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I)
    if title != name and re.search(rf"\b(?:{_ROLE})\b", title, re.I):  # "Who is the Under Secretary of …?"
        for u in ctx.units[:8]:
            text = flat(u.text)
            held = re.search(rf"(?i:{re.escape(title)}),?\s+((?:[A-Z][\w’'-]+\s+){{0,2}}[A-Z][\w’'-]+)", text)
            if u.relevance >= 0.6 * best and not u.heading and held:
                line = f"{held.group(1)}, per {source(u)}: “{text.rstrip(' .')}” [n]."
                passage = Passage(1, u.hit, u.start, u.end, u.text, u.relevance)
                if framed(line.replace(" [n].", "."), passage) is not None:
                    return ShortAnswer(held.group(1), u, line)
        return None
    if not name[:1].isupper() or len(name.split()) > 5:
        return None
    for u in ctx.units[:8]:
        if u.relevance < 0.6 * best or u.heading:
            continue
        role = _role_of(name, flat(u.text))
        if role:
            line = f"{name} {m.group(1).lower()} {role}, per {source(u)}: “{flat(u.text).rstrip(' .')}” [n]."
            passage = Passage(1, u.hit, u.start, u.end, u.text, u.relevance)
            if framed(line.replace(" [n].", "."), passage) is not None:
                return ShortAnswer(role, u, line)
    return None
