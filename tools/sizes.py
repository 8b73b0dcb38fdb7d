"""Modules and functions over a size limit: `python -m tools.sizes [FOLDER ...] [--lines 300] [--function-lines 60]`.

Reads every `.py` file under the folders (default: kernel, ingest, assistant, evals, tools) with `ast` and prints the
modules longer than `--lines` lines (physical lines, as `wc -l` counts them) and the functions and methods longer
than `--function-lines` (from the `def` line, decorators included, to the function's last line; a nested function
counts in its parent too). A report, not a gate: the exit code is 0 unless a folder is missing or a file does not
parse (2, one line on stderr).
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDERS = ("kernel", "ingest", "assistant", "evals", "tools")


@dataclass(frozen=True)
class Sized:
    """One module or function: `where` (`path` or `path:qualified.name`), its length in lines, its first line."""

    where: str
    lines: int
    line: int = 1


def module_lines(path: Path) -> int:
    """Physical lines of a file (a last line without a newline counts)."""
    text = path.read_text(encoding="utf-8")
    return text.count("\n") + (0 if not text or text.endswith("\n") else 1)


def functions(path: Path, label: str | None = None) -> list[Sized]:
    """Every function and method of a file with its length in lines (decorators included), qualified by its
    classes and enclosing functions (`Class.method`, `outer.inner`). SyntaxError when the file does not parse."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    label = label or str(path)
    out: list[Sized] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                out.append(Sized(f"{label}:{prefix}{child.name}", child.end_lineno - start + 1, start))
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")
            else:
                walk(child, prefix)

    walk(tree, "")
    return out


def over(folders: list[Path], max_lines: int, max_function_lines: int, root: Path = ROOT) -> tuple[list, list]:
    """(modules over `max_lines`, functions over `max_function_lines`) under `folders`, longest first; paths are
    shown relative to `root` when inside it. FileNotFoundError names a missing folder; SyntaxError a bad file."""
    modules, funcs = [], []
    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"no folder {folder}")
        for path in sorted(folder.rglob("*.py")):
            label = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            n = module_lines(path)
            if n > max_lines:
                modules.append(Sized(label, n))
            funcs += [f for f in functions(path, label) if f.lines > max_function_lines]
    return (sorted(modules, key=lambda s: (-s.lines, s.where)), sorted(funcs, key=lambda s: (-s.lines, s.where)))


def main(argv: list[str] | None = None) -> int:
    """The command line: prints both lists; 0, or 2 with one line on stderr for a missing folder or a bad file."""
    parser = argparse.ArgumentParser(prog="python -m tools.sizes", description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders to read (default: the product's packages)")
    parser.add_argument("--lines", type=int, default=300, help="report modules longer than this (default 300)")
    parser.add_argument("--function-lines", type=int, default=60,
                        help="report functions longer than this (default 60)")
    args = parser.parse_args(argv)
    folders = args.folders or [ROOT / f for f in DEFAULT_FOLDERS]
    try:
        modules, funcs = over([f if f.is_absolute() else Path.cwd() / f for f in folders], args.lines,
                              args.function_lines)
    except (OSError, SyntaxError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"modules over {args.lines} lines: {len(modules)}")
    for m in modules:
        print(f"  {m.lines:5d}  {m.where}")
    print(f"functions over {args.function_lines} lines: {len(funcs)}")
    for f in funcs:
        print(f"  {f.lines:5d}  {f.where} (line {f.line})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
