"""The conversation as Markdown: questions, answers, citations with their quotes, sources and dates, request ids.

Text from documents and answers is written as it is, except `<`, `>` and `&`, written as HTML entities, so markup
quoted from an article does not become live HTML in a Markdown viewer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.ui.render import ABSTAIN_LABEL, date_of, source_name


def _md(text: object) -> str:
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in _md(text).splitlines()) or ">"


def to_markdown(turns: list[dict], now: datetime | None = None) -> str:
    """The conversation (turns of the UI's state: `question`, `answer` (the /v1/ask object) or `error`, `filters`,
    `feedback`) as one Markdown document."""
    now = now or datetime.now(UTC)
    out = ["# Conversation with grounded", "",
           f"Exported {now.isoformat(timespec='seconds').replace('+00:00', 'Z')}. Answers report what the indexed "
           "documents say; they are not legal advice.", ""]
    for n, turn in enumerate(turns, 1):
        out += [f"## {n}. {_md(turn['question'])}", ""]
        filters = turn.get("filters") or {}
        if filters:
            out += ["Filters: " + _md(", ".join(f"{k} {v if isinstance(v, str) else ', '.join(v)}"
                                                for k, v in filters.items())), ""]
        data = turn.get("answer")
        if data is None:
            out += [f"*Not answered: {_md(turn.get('error') or 'no answer')}*", ""]
            continue
        out += [f"Request id `{data['request_id']}` · engine {data.get('engine')} · corpus version "
                f"`{data.get('corpus_version')}`" + (f" · newest document {data['as_of']}" if data.get("as_of")
                                                      else ""), ""]
        if data.get("abstained"):
            out += [f"**{ABSTAIN_LABEL}.**", ""]
        out += [_md(data.get("answer")), ""]
        for w in data.get("warnings") or []:
            out.append(f"- Warning: {_md(w)}")
        if data.get("warnings"):
            out.append("")
        cites = data.get("citations") or []
        if cites:
            out += ["### " + ("Related passages (not support)" if data.get("abstained") else "Citations"), ""]
        for c in cites:
            also = f"; also reported in {', '.join(c['also_in'])}" if c.get("also_in") else ""
            link = f"; {c['url']}" if c.get("url") else ""
            out += [f"[{c['id']}] {_md(source_name(c))}, {date_of(c.get('published'))} — {_md(c.get('title'))} "
                    f"(`{c['doc_id']}`, characters {c['start']}–{c['end']}{_md(link)}{_md(also)})", "",
                    _quoted(c.get("quote") or ""), ""]
        fb = turn.get("feedback")
        if fb:
            out += [f"Feedback: {'helpful' if fb.get('rating') == 'up' else 'not helpful'}"
                    + (f" — {_md(fb['comment'])}" if fb.get("comment") else ""), ""]
    return "\n".join(out).rstrip() + "\n"
