"""The conversation as Markdown: questions, answers, citations with their quotes, sources and dates, request ids.

Text from documents and answers is written as it is, except `<`, `>` and `&`, written as HTML entities, so markup
quoted from an article does not become live HTML in a Markdown viewer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.ui.render import ABSTAIN_LABEL, abstain_label, date_of, source_name


def _md(text: object) -> str:
    return str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in _md(text).splitlines()) or ">"


def _blocks(text: str) -> list[str]:
    """An answer's lines as Markdown: each line its own paragraph, `- ` lines one list (a blank line around it)."""
    out: list[str] = []
    item = False
    for line in _md(text).splitlines():
        if not line.strip():
            continue
        is_item = line.startswith("- ")
        if out and not (is_item and item):
            out.append("")
        out.append(line)
        item = is_item
    return out + [""] if out else []


def _abstained(answer: dict) -> list[str]:
    """An abstained answer, its label (`render.abstain_label`) said once: in bold, followed by the rest of the
    answer's first line when the answer starts with it."""
    text = str(answer.get("answer") or "")
    if text.startswith(ABSTAIN_LABEL):
        rest = text[len(ABSTAIN_LABEL):].lstrip(".")
        first, _, more = rest.partition("\n")
        return [(f"**{ABSTAIN_LABEL}.** " + _md(first.strip())).rstrip(), "", *_blocks(more)]
    return [f"**{abstain_label(answer)}.**", "", *_blocks(text)]


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
        text = str(data.get("answer") or "")
        out += _abstained(data) if data.get("abstained") else _blocks(text)
        for w in data.get("warnings") or []:
            out.append(f"- Warning: {_md(w)}")
        if data.get("warnings"):
            out.append("")
        cites = data.get("citations") or []
        pairs = [c for c in data.get("comparisons") or [] if len(c.get("citations") or []) == 2]
        if pairs:
            out += ["Sources that word this differently:", ""]
            out += [f"- [{c['citations'][0]}] and [{c['citations'][1]}]: {_md(c.get('note'))}" for c in pairs] + [""]
        if cites:
            out += ["### " + ("Related passages (not support)" if data.get("abstained") else "Citations"), ""]
        for c in cites:
            also = f"; also reported in {', '.join(c['also_in'])}" if c.get("also_in") else ""
            link = f"; {c['url']}" if c.get("url") else ""
            title = f" — {_md(c['title'])}" if c.get("publisher") and c.get("title") else ""
            out += [f"[{c['id']}] {_md(source_name(c))}, {date_of(c.get('published'))}{title} "
                    f"(`{c['doc_id']}`, characters {c['start']}–{c['end']}{_md(link)}{_md(also)})", "",
                    _quoted(c.get("quote") or ""), ""]
        fb = turn.get("feedback")
        if fb:
            out += [f"Feedback: {'helpful' if fb.get('rating') == 'up' else 'not helpful'}"
                    + (f" — {_md(fb['comment'])}" if fb.get("comment") else ""), ""]
    return "\n".join(out).rstrip() + "\n"
