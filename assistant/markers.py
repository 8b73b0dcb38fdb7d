"""Citation markers in an answer's text: `[n]` groups, the segments they close, narrated citations ("the passage
[3] states that…") turned into plain ones, and markers placed back before closing punctuation after verification."""

from __future__ import annotations

import re

from assistant.terms import content_stems

MARK = re.compile(r"\s?\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_CLOSE = re.compile(r"\s*[.!?;:,]*")
QUOTES = "“”\"‘’"
# list bullets, quotation marks and the source tags an engine writes after a quote ("(CGTN, date not given)")
# list bullets, quotation marks and source tags: "(CGTN, date not given)", "(headline; AIM, 2025-05-14)", also with a
# title in parentheses inside ("(Excerpt: Part 746 embargo rules (internal study copy), date not given)")
DECOR = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+|[" + QUOTES + r"]|\s*\((?:(?:[^()]|\([^()]*\))*,\s*)?"
                   r"(?:\d{4}-\d\d-\d\d|date not given)\)\s*")


def segments(line: str) -> list[tuple[str, list[int]]]:
    """A line cut after each group of `[n]` markers: (text with markers removed, cited numbers); a trailing
    source tag or punctuation stays with the segment before it."""
    out: list[tuple[str, list[int]]] = []
    pos = 0

    def closing(body: str) -> str:  # "…offence [1]. The next…": the full stop belongs to the cited sentence
        lead = _CLOSE.match(body)
        if out and lead.group(0).strip():
            out[-1] = (out[-1][0].rstrip() + lead.group(0).strip(), out[-1][1])
            return body[lead.end():]
        return body

    for m in MARK.finditer(line):
        nums = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
        body = closing(line[pos:m.start()])
        if out and not body.strip():
            out[-1][1].extend(nums)
        else:
            out.append((body, nums))
        pos = m.end()
    tail = line[pos:]
    sentence_tail = len(content_stems(DECOR.sub(" ", tail))) >= 3
    if sentence_tail:
        tail = closing(tail)
    if out and not sentence_tail:
        out[-1] = (out[-1][0] + "\x00" + tail, out[-1][1])
    elif tail.strip():
        out.append((tail, []))
    return out


_NARRATION = re.compile(r"\b(?:the |in )?(?:passages?|sources?)(?: from)? (\[\d+\](?:\s*(?:and\s*)?\[\d+\])*),? "
                        r"(?:states?|says?|notes?|reports?|mentions?|shows?)(?: that)?,?\s+(\w)", re.I)


def unnarrate(text: str) -> str:
    """"The passage [3] states that the guidance…" -> "The guidance… [3]": the marker moves to the end of the
    sentence it cites, so that the sentence, not the words "the passage", is what gets checked."""
    def one(sentence: str) -> str:
        m = _NARRATION.search(sentence)
        if not m:
            return sentence
        head = sentence[:m.start()] + (m.group(2).upper() if m.start() == 0 else m.group(2)) + sentence[m.end():]
        body, end = re.match(r"(.*?)([.!?]?\s*)$", head, re.S).groups()
        return f"{body.rstrip()} {m.group(1)}{end}" if not MARK.search(body) else head
    return "\n".join(" ".join(one(s) for s in re.split(r"(?<=[.!?])\s+", line)) if _NARRATION.search(line) else line
                     for line in text.split("\n"))



def insert(body: str, marks: str) -> str:
    """Place citation markers before the sentence's closing punctuation and any trailing source tag."""
    m = re.search(r"(\s*\((?:[^()]*,\s*)?(?:\d{4}-\d\d-\d\d|date not given)\))?\s*$", body)
    head, tail = body[:m.start()], body[m.start():]
    if not tail.strip() and (p := re.search(r"(?<=[”\"’])[.;:,]$", head.rstrip())):  # “…” [1]. not “…”. [1]
        head = head.rstrip()
        return f"{head[:p.start()]} {marks}{head[p.start():]}"
    return f"{head} {marks}{tail}" if head else marks


def renumber(m: re.Match, ids: dict) -> str:
    nums = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
    new = [ids[k] for n in nums for k in ids if k[0] == n][:1]
    return f" [{new[0]}]" if new else ""
