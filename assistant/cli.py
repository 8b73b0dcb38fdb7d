"""Command line of the assistant: `ask` one question (and, later, `serve`). One-line errors, never a stack trace."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import textwrap
from pathlib import Path

from ingest.errors import InputError, guarded

USAGE = """python -m assistant ask "QUESTION" [--json] [--engine NAME] [--history FILE] [--home DIR]
                      [--publisher NAME ...] [--after YYYY-MM-DD] [--before YYYY-MM-DD] [--stream]"""


def _ask_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m assistant ask", usage=USAGE,
        description="Answer one question from the indexed documents. Every claim carries a [n] citation to a "
        "verbatim passage; when the documents do not say, the answer says so.")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the /v1/ask response object")
    p.add_argument("--engine", help="extractive (default, no LLM) or llm (GROUNDED_LLM__* settings)")
    p.add_argument("--history", type=Path, help='JSON file: a list of {"role", "content"} turns before the question')
    p.add_argument("--home", type=Path, help="state directory (default: GROUNDED_HOME or .state)")
    p.add_argument("--publisher", action="append", default=[], help="only passages from this publisher (repeatable)")
    p.add_argument("--after", help="only documents published on or after this date")
    p.add_argument("--before", help="only documents published on or before this date")
    p.add_argument("--stream", action="store_true", help="show the LLM's tokens on stderr as they arrive")
    return p


def _history(path: Path | None) -> list:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the history file {path}: {exc}") from None
    if not isinstance(data, list):
        raise InputError(f"the history file {path} must hold a JSON list of {{\"role\", \"content\"}} turns")
    return data


NOTICE = "This answer reports what the indexed documents say; it is not legal advice."


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """`text` wrapped to `width` columns; a bullet's continuation lines are indented under its text."""
    out = []
    for line in text.split("\n"):
        lead = indent + ("  " if line.startswith("- ") else "")
        out += textwrap.wrap(line, width, initial_indent=indent, subsequent_indent=lead, break_on_hyphens=False,
                             break_long_words=False) or [""]
    return out


def _short(title: str, most: int = 14) -> str:
    w = title.split()
    return title if len(w) <= most else " ".join(w[:most]) + "…"


def format_answer(ans, width: int | None = None) -> str:
    """The answer for a terminal, wrapped to its width: the text, then each citation's source and date (and its
    quote, when the answer text does not already show it), the notes, the date of the newest document, and a
    reminder that this is not legal advice."""
    width = width or max(60, min(120, shutil.get_terminal_size((100, 24)).columns))
    lines = _wrap(ans.answer, width) + [""]
    if ans.citations:
        lines.append("Related passages (they do not answer the question)" if ans.abstained else "Sources")
    shown = re.sub(r"\s+", " ", ans.answer)
    for c in ans.citations:
        source = " — ".join(x for x in (c.publisher, c.title and f"“{_short(c.title)}”") if x) or c.doc_id
        also = f"; also reported in {', '.join(c.also_in)}" if c.also_in else ""
        page = f", page {c.page}" if c.page else ""
        lines += _wrap(f"[{c.id}] {source}, {c.published or 'date not given'} ({c.doc_id}{page}{also}; "
                       f"characters {c.start}–{c.end})", width)
        if re.sub(r"\s+", " ", c.quote) not in shown:
            lines += _wrap(f"“{c.quote}”", width, "    ")
    for w in ans.warnings:
        lines += _wrap(f"note: {w}", width)
    if getattr(ans, "as_of", None):
        lines.append(f"Newest indexed document: {ans.as_of}.")
    lines.append(NOTICE)
    return "\n".join(lines).rstrip()


def _ask(args) -> int:
    from assistant.answer import answer
    from assistant.settings import load_assistant_settings

    settings = load_assistant_settings(args.home)
    filters = {"publisher": args.publisher, "published_after": args.after, "published_before": args.before}
    on_token = (lambda t: print(t, end="", file=sys.stderr, flush=True)) if args.stream else None
    ans = answer(args.question, _history(args.history), args.engine, filters, settings=settings, on_token=on_token)
    if args.stream:
        print(file=sys.stderr)
    print(json.dumps(ans.as_dict(), indent=2, ensure_ascii=False) if args.json else format_answer(ans))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return guarded(_main, argv)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["ask"]:
        return _ask(_ask_parser().parse_args(argv[1:]))
    if argv[:1] in (["-h"], ["--help"]):
        print(f"usage: {USAGE}\n\nCommands:\n  ask   answer one question from the indexed documents "
              "(python -m assistant ask --help)")
        return 0
    print(f"usage: {USAGE}", file=sys.stderr)
    return 2
