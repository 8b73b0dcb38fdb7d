"""The README's command reference, generated from the commands' own `--help`, so it cannot go stale.

    python -m tools.cli_reference           rewrite the block between the markers in README.md
    python -m tools.cli_reference --check   exit 1 with a diff when README.md's block is not what --help says

Every command and sub-command of `python -m ingest`, `python -m assistant` and `python -m evals run` is rendered, found by walking the
argparse parsers (`ingest.cli.parsers`, `assistant.cli.parser`): a new sub-command appears without editing this
file. Help is rendered 100 columns wide whatever the terminal, so the block is the same on every machine running
the project's Python (argparse's layout changes a little between Python versions; CI runs 3.11).
It lives in tools/, not in a product package: it reads both command lines and belongs to neither.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN = "<!-- cli-reference: generated from each command's --help by `python -m tools.cli_reference`; do not edit -->"
END = "<!-- /cli-reference -->"
WIDTH = 100


def walk(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """`parser` and every sub-command parser under it, depth first, in the order they were added."""
    yield parser
    for action in parser._actions:  # argparse keeps sub-parsers only here; no public accessor
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for sub in action.choices.values():
                if id(sub) not in seen:  # an alias maps to the same parser
                    seen.add(id(sub))
                    yield from walk(sub)


def parsers() -> list[argparse.ArgumentParser]:
    """Every command's parser: `python -m ingest ...` first, then `python -m assistant ...`, then
    `python -m evals run`."""
    from assistant.cli import parser as assistant_parser
    from evals.cli import run_parser
    from ingest.cli import parsers as ingest_parsers

    roots = [*ingest_parsers().values(), assistant_parser(), run_parser()]
    return [p for root in roots for p in walk(root)]


@contextmanager
def _columns(width: int) -> Iterator[None]:
    """argparse wraps help to $COLUMNS (else the terminal's width): fix it while rendering."""
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = before


def render() -> str:
    """The block's body (markers excluded): a heading and the `--help` text of each command, in order."""
    parts = []
    with _columns(WIDTH):
        for p in parsers():
            text = "\n".join(line.rstrip() for line in p.format_help().strip("\n").splitlines())
            parts.append(f"### `{p.prog}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def replace_block(readme: str, body: str) -> str:
    """`readme` with the text between the BEGIN and END marker lines replaced by `body`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no command reference block: add the lines\n{BEGIN}\n{END}")
    head = readme[:start + len(BEGIN)]
    return f"{head}\n\n{body}\n{readme[end:]}"


def main(argv: list[str] | None = None, readme: Path = README) -> int:
    """Rewrite README.md's block (0), or with `--check` report whether it is current (0) or stale (1, a diff)."""
    ap = argparse.ArgumentParser(prog="python -m tools.cli_reference", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="do not write: exit 1 with a diff when the block is stale")
    args = ap.parse_args(argv)
    current = readme.read_text(encoding="utf-8")
    wanted = replace_block(current, render())
    if wanted == current:
        print(f"{readme.name}: the command reference is current")
        return 0
    if args.check:
        diff = difflib.unified_diff(current.splitlines(), wanted.splitlines(), f"{readme.name} (as is)",
                                    f"{readme.name} (from --help)", lineterm="", n=1)
        print("\n".join(diff))
        print(f"{readme.name}: the command reference is stale: run `python -m tools.cli_reference`", file=sys.stderr)
        return 1
    readme.write_text(wanted, encoding="utf-8")
    print(f"{readme.name}: the command reference was rewritten from --help")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
