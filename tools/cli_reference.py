"""The README's command reference, generated from the commands' own `--help`, so it cannot go stale.

    python -m tools.cli_reference           rewrite the block between the markers in README.md
    python -m tools.cli_reference --check   exit 1 with a diff when README.md's block is not what --help says

Rendered, in this order: every command and sub-command of `python -m ingest`, `python -m assistant` and
`python -m evals run`, found by walking the argparse parsers (`ingest.cli.parsers`, `assistant.cli.parser`,
`evals.cli.run_parser`); then every other command module of ingest/, assistant/ and evals/ (one that defines
`main()` and runs it under `if __name__ == "__main__"`: the benchmarks, fits and checks), by running its `main()` with
`--help`; then `make help`. A new sub-command or command module appears without editing this file. Help is rendered
100 columns wide whatever the terminal, and paths inside the checkout are written relative, so the block is the
same on every machine and clone running the project's Python (argparse's layout changes a little between Python
versions; CI runs 3.11).
It lives in tools/, not in a product package: it reads both command lines and belongs to neither.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PACKAGES = ("ingest", "assistant", "evals")
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


def command_modules(root: Path = ROOT) -> list[str]:
    """The dotted names of the other command modules, sorted: every module under `PACKAGES` (not a `__main__.py`)
    that defines a top-level `main` and calls it under `if __name__ == "__main__"` (read with `ast`, not imported)."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if path.name == "__main__.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            has_main = any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)
            guarded = any(isinstance(n, ast.If) and "__main__" in ast.unparse(n.test) for n in tree.body)
            if has_main and guarded:
                found.append(".".join(path.relative_to(root).with_suffix("").parts))
    return sorted(found)


def module_help(module: str) -> str:
    """What `python -m MODULE --help` prints, got in process: `MODULE.main()` run with sys.argv set to
    ["python -m MODULE", "--help"] (so the usage line names the command however the module built its parser) and
    stdout captured. RuntimeError when main() does not exit 0 after printing help (it would have done work)."""
    main_ = importlib.import_module(module).main
    argv, out = sys.argv, io.StringIO()
    sys.argv = [f"python -m {module}", "--help"]
    try:
        with redirect_stdout(out):
            main_()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise RuntimeError(f"python -m {module} --help exited {exc.code!r}") from None
    else:
        raise RuntimeError(f"python -m {module} --help returned without exiting: is its parser built in main()?")
    finally:
        sys.argv = argv
    return out.getvalue()


def make_help(root: Path = ROOT) -> str:
    """What `make help` prints in `root` (the Makefile's targets and their `##` comments). RuntimeError when make is
    missing or fails."""
    try:
        done = subprocess.run(["make", "--no-print-directory", "-s", "help"], cwd=root, capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"cannot run `make help`: {exc}") from None
    if done.returncode != 0:
        raise RuntimeError(f"`make help` exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def _section(title: str, text: str, root: Path = ROOT) -> str:
    """One command's heading and help text; the checkout's own path is written relative ("ingest/e5_center.json",
    not "/home/me/grounded/ingest/e5_center.json"), so the block is the same in every clone."""
    text = text.replace(f"{root}{os.sep}", "")
    text = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
    return f"### `{title}`\n\n```text\n{text}\n```\n"


def render() -> str:
    """The block's body (markers excluded): a heading and the `--help` text of each command, in order."""
    parts = []
    with _columns(WIDTH):
        for p in parsers():
            parts.append(_section(p.prog, p.format_help()))
        for module in command_modules():
            parts.append(_section(f"python -m {module}", module_help(module)))
    parts.append(_section("make help", make_help()))
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
