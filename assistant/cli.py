"""Command line of the assistant: `ask`, `serve`, `keys`, `audit` (argparse sub-commands). One-line errors, never a
stack trace.

Arguments are checked (and `--engine llm` without an available LLM refused) before anything heavy is imported:
the embedding model and torch cost 10-20 s, an argument error costs none of it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kernel.errors import InputError, LLMUnavailableError, guarded

HOME_HELP = "state directory (default: GROUNDED_HOME or .state)"


def parser() -> argparse.ArgumentParser:
    """The whole command line: `ask`, `serve`, `keys` and `audit`, each sub-command with its own --help."""
    from assistant.api import commands

    p = argparse.ArgumentParser(
        prog="python -m assistant", description="Answers from the indexed documents, every claim cited: on the "
        "command line (ask), over HTTP and in the chat UI (serve).", epilog="`python -m assistant COMMAND --help` "
        "describes a command. Errors are one line on stderr; the exit code says what kind (see each command).")
    sub = p.add_subparsers(title="commands", metavar="COMMAND", dest="command", required=True)
    _add_ask(sub)
    _add_serve(sub)
    commands.add_keys(sub)
    commands.add_audit(sub)
    return p


def _add_ask(sub) -> None:
    p = sub.add_parser(
        "ask", help="answer one question from the indexed documents",
        description="Answer one question from the indexed documents. Every claim carries a [n] citation to a "
        "verbatim passage; when the documents do not say, the answer says so.",
        epilog="Exit code 1 for bad input, 2 for a bad setting, an unknown engine or a refused key, 4 when there is "
        "no index yet, the LLM is unavailable or the server cannot be reached.")
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("--json", action="store_true", help="print the /v1/ask response object")
    p.add_argument("--engine", metavar="NAME", help="extractive (default, no LLM) or llm (GROUNDED_LLM__* settings)")
    p.add_argument("--history", type=Path, metavar="FILE",
                   help='JSON file: a list of {"role", "content"} turns before the question')
    p.add_argument("--home", type=Path, metavar="DIR", help=HOME_HELP)
    p.add_argument("--publisher", action="append", default=[], metavar="NAME",
                   help="only passages from this publisher (repeatable)")
    p.add_argument("--after", metavar="DATE", help="only documents published on or after this date (YYYY-MM-DD)")
    p.add_argument("--before", metavar="DATE", help="only documents published on or before this date (YYYY-MM-DD)")
    p.add_argument("--stream", action="store_true", help="show the LLM's tokens on stderr as they arrive")
    p.add_argument("--url", help="ask a running server (python -m assistant serve) instead of loading the model here")
    p.add_argument("--api-key", metavar="KEY", help="the server's API key (default: GROUNDED_API_KEY)")
    p.set_defaults(run=_ask)


def _add_serve(sub) -> None:
    p = sub.add_parser(
        "serve", help="serve the HTTP API (and the chat UI) until Ctrl-C",
        description="Serve the HTTP API (OpenAPI at /docs) and the chat UI until SIGTERM or Ctrl-C, which let "
        "requests in flight finish.",
        epilog="Exit code 2 for a public address without an API key or a port in use.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (a non-loopback one needs an API key; "
                   "default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="processes (each loads the index and models once; default: %(default)s)")
    p.add_argument("--home", type=Path, metavar="DIR", help=HOME_HELP)
    p.add_argument("--no-access-log", action="store_true", help="do not log every request")
    p.set_defaults(run=_serve)


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


def format_answer(ans) -> str:
    """The answer for a terminal (an Answer or its /v1/ask dict): text, sources with dates and quotes, notes."""
    from assistant.api.render import format_answer as render

    return render(ans if isinstance(ans, dict) else ans.as_dict())


def _check_engine(args, settings) -> None:
    """`--engine llm` with no LLM available fails here, before the embedding model loads; `--stream` with an engine
    that does not stream says so."""
    from assistant.engines import registry

    engine = args.engine or settings.answer.engine
    if engine not in registry.ENGINES:
        return  # answer() reports it with the known names
    spec = registry.spec(engine)
    problem = spec.problem(settings, True)
    if problem:
        raise LLMUnavailableError(f"the {engine} engine is not available: {problem}")
    if args.stream and not spec.streams:
        print(f"note: the {engine} engine does not stream; the answer is printed when it is ready", file=sys.stderr)


def _ask(args) -> int:
    filters = {"publisher": args.publisher, "published_after": args.after, "published_before": args.before}
    on_token = (lambda t: print(t, end="", file=sys.stderr, flush=True)) if args.stream else None
    history = _history(args.history)
    if args.url:
        from assistant.api.client import ask

        body = {"question": args.question, "history": history, "engine": args.engine,
                "filters": {k: v for k, v in filters.items() if v} or None}
        data = ask(args.url, {k: v for k, v in body.items() if v is not None},
                   args.api_key or os.environ.get("GROUNDED_API_KEY"), on_token)
    else:
        from assistant.settings import load_assistant_settings

        settings = load_assistant_settings(args.home)
        _check_engine(args, settings)
        from assistant.answer import answer

        data = answer(args.question, history, args.engine, filters, settings=settings, on_token=on_token).as_dict()
    if args.stream:
        print(file=sys.stderr)
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else format_answer(data))
    return 0


def _serve(args) -> int:
    from assistant.api.serve import serve

    return serve(args.host, args.port, args.workers, args.home, access_log=not args.no_access_log)


def main(argv: list[str] | None = None) -> int:
    """Run `python -m assistant` with `argv` (default: the process's arguments); returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    return guarded(_main, argv)


def _main(argv: list[str]) -> int:
    p = parser()
    if not argv:  # no command: the overview, as an error
        p.print_help(sys.stderr)
        return 2
    args = p.parse_args(argv)
    return args.run(args)
