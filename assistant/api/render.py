"""Answers as plain text: the terminal output of `ask` and the content of a chat completion (citations are data
until an edge renders them, ARCHITECTURE.md principle 6). Works on the `/v1/ask` object, in process or over HTTP."""

from __future__ import annotations

import re
import shutil
import textwrap

SOURCES = "Sources"
RELATED = "Related passages (they do not answer the question)"
NOTICE = "This answer reports what the indexed documents say; it is not legal advice."


def _short(title: str, most: int = 14) -> str:
    """A title cut to its first `most` words (a 280-word front-matter title would swamp the source line)."""
    w = title.split()
    return title if len(w) <= most else " ".join(w[:most]) + "…"


def source_lines(answer: dict, *, offsets: bool = True) -> list[str]:
    """The heading and, per citation, its source line and its verbatim quote, unless the answer text already shows
    that quote word for word (each quote is printed once)."""
    cites = answer.get("citations") or []
    if not cites:
        return []
    shown = re.sub(r"\s+", " ", answer.get("answer") or "")
    lines = [RELATED if answer.get("abstained") else SOURCES]
    for c in cites:
        title = c.get("title")
        source = " — ".join(x for x in (c.get("publisher"), title and f"“{_short(title)}”") if x) or c["doc_id"]
        also = f"; also reported in {', '.join(c['also_in'])}" if c.get("also_in") else ""
        page = f", page {c['page']}" if c.get("page") else ""
        where = f"; characters {c['start']}–{c['end']}" if offsets else ""
        lines.append(f"[{c['id']}] {source}, {c.get('published') or 'date not given'} ({c['doc_id']}{page}{also}{where})")
        if re.sub(r"\s+", " ", c["quote"]) not in shown:
            lines.append(f"    “{c['quote']}”")
    return lines


def _wrap(lines: list[str], width: int) -> list[str]:
    """Lines wrapped to `width` columns; a bullet's or a quote's continuation lines are indented under its text."""
    out = []
    for line in lines:
        indent = re.match(r"\s*", line).group(0)
        lead = indent + ("  " if line.lstrip().startswith("- ") else "")
        out += textwrap.wrap(line, width, initial_indent="", subsequent_indent=lead, break_on_hyphens=False,
                             break_long_words=False, drop_whitespace=True) or [""]
    return out


def format_answer(answer: dict, width: int | None = None) -> str:
    """The answer for a terminal, wrapped to its width: the text, its sources with dates (and each quote the text
    does not already show), the notes, the date of the newest indexed document, and that this is not legal advice."""
    width = width or max(60, min(120, shutil.get_terminal_size((100, 24)).columns))
    lines = answer["answer"].split("\n") + [""] + source_lines(answer)
    lines += [f"note: {w}" for w in answer.get("warnings") or []]
    if answer.get("as_of"):
        lines.append(f"Newest indexed document: {answer['as_of']}.")
    lines.append(NOTICE)
    return "\n".join(_wrap(lines, width)).rstrip()


def chat_content(answer: dict) -> str:
    """A chat message: the answer, then a Sources block, so a plain chat client still shows the citations."""
    lines = source_lines(answer)
    return answer["answer"] + ("\n\n" + "\n".join(lines) if lines else "")


def strip_sources(content: str) -> str:
    """An earlier assistant message without the Sources block `chat_content` appended (history stays the answer)."""
    for heading in (SOURCES, RELATED):
        cut = content.rfind(f"\n\n{heading}\n[")
        if cut >= 0:
            return content[:cut]
    return content
