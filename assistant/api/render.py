"""Answers as plain text: the terminal output of `ask` and the content of a chat completion (citations are data
until an edge renders them, ARCHITECTURE.md principle 6). Works on the `/v1/ask` object, in process or over HTTP."""

from __future__ import annotations

SOURCES = "Sources"
RELATED = "Related passages (they do not answer the question)"


def source_lines(answer: dict, *, offsets: bool = True) -> list[str]:
    """The heading and, per citation, its source line and verbatim quote."""
    cites = answer.get("citations") or []
    if not cites:
        return []
    lines = [RELATED if answer.get("abstained") else SOURCES]
    for c in cites:
        title = c.get("title")
        source = " — ".join(x for x in (c.get("publisher"), title and f"“{title}”") if x) or c["doc_id"]
        also = f"; also reported in {', '.join(c['also_in'])}" if c.get("also_in") else ""
        page = f", page {c['page']}" if c.get("page") else ""
        lines.append(f"[{c['id']}] {source}, {c.get('published') or 'date not given'} ({c['doc_id']}{page}{also})")
        where = f" (characters {c['start']}–{c['end']})" if offsets else ""
        lines.append(f"    “{c['quote']}”{where}")
    return lines


def format_answer(answer: dict) -> str:
    """The answer for a terminal: the text, its sources with dates and quotes, then any notes."""
    lines = [answer["answer"], ""] + source_lines(answer)
    lines += [f"note: {w}" for w in answer.get("warnings") or []]
    return "\n".join(lines).rstrip()


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
