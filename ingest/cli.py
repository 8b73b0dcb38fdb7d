"""Command line of ingest: one-line errors and exit codes, never a stack trace (not even when piped into `head`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kernel.errors import GroundedError

HOME_HELP = "state directory (default: GROUNDED_HOME or .state)"


def parsers() -> dict[str, argparse.ArgumentParser]:
    """The command's parsers by first argument: `show` and `remove` are sub-commands; anything else ("") is the
    default command, `python -m ingest [PATH ...]`. (Not argparse sub-parsers: a PATH may come first, which argparse
    would take for an unknown sub-command.)"""
    return {"": _ingest_parser(), "show": _show_parser(), "remove": _remove_parser()}


def _ingest_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ingest", usage="%(prog)s [PATH ...] [--rebuild] [--home DIR] [--quiet]\n"
        "       %(prog)s show [DOC_ID] [--json] [--home DIR]\n       %(prog)s remove DOC_ID [DOC_ID ...] [--home DIR]",
        description="Clean, chunk, deduplicate and embed documents (.txt .md .html .pdf .docx .jsonl) into the "
        "index. Re-runs are incremental: unchanged documents are not touched; removed ones leave the index. Prints "
        "a summary: documents added / updated / removed / unchanged / skipped and held by the index, chunks, "
        "syndicated duplicates, encodings other than UTF-8, seconds.",
        epilog="Sub-commands: `show` lists the indexed documents, `remove` takes documents out of the index "
        "(`python -m ingest show --help`). Exit code 1 when anything was skipped (each skipped file is named with "
        "its reason), 2 for a bad setting (or a --home that is a file), 3 when another ingest holds the index.")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="files or folders (default: the corpus folder, GROUNDED_CORPUS)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it again from nothing")
    p.add_argument("--home", type=Path, metavar="DIR", help=HOME_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_ingest)
    return p


def _show_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ingest show", description="List the indexed documents (id, title, publisher, published, "
        "chunks), or one in full: metadata, encoding, cleaned text, chunks with offsets and pages, what cleaning "
        "removed and why, what the reader left out.", epilog="Exit code 4 when there is no index yet, 5 for an id "
        "the index does not hold.")
    p.add_argument("doc_id", nargs="?", metavar="DOC_ID",
                   help="a document id: print its metadata, cleaned text, chunks and removals")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--home", type=Path, metavar="DIR", help=HOME_HELP)
    p.set_defaults(run=_show)
    return p


def _remove_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ingest remove", description="Take documents out of the index (e.g. one ingested from a "
        "file outside the corpus folder that has since been deleted). Their files are not touched.",
        epilog="Exit code 4 when there is no index, 5 for an id the index does not hold.")
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID", help="document ids, as `python -m ingest show` lists them")
    p.add_argument("--home", type=Path, metavar="DIR", help=HOME_HELP)
    p.set_defaults(run=_remove)
    return p


def _print(text: str) -> None:
    """Print to stdout; a reader that stops early (`| head`) is not an error: the rest is discarded quietly."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's flush at exit must not fail either


def _ingest(args) -> int:
    from ingest.pipeline import run
    from kernel.settings import load_settings

    settings = load_settings(args.home)
    paths = args.paths or [settings.corpus]
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(unit="doc", desc="ingest", leave=False)
    report = run(paths, settings, rebuild=args.rebuild, progress=(lambda n: bar.update(1)) if bar else None)
    if bar:
        bar.close()
    from ingest.summary import format_report

    _print(format_report(report, paths, settings))
    return report.exit_code


def _show(args) -> int:
    from ingest.index import open_index
    from ingest.summary import format_document, format_documents
    from kernel.settings import load_settings

    index = open_index(load_settings(args.home))
    if args.doc_id:
        doc = index.document(args.doc_id)
        doc["chunks"] = index.chunks(doc_id=args.doc_id)
        _print(json.dumps(doc, indent=2, ensure_ascii=False) if args.json else format_document(doc))
    else:
        docs = index.documents()
        _print(json.dumps(docs, indent=2, ensure_ascii=False) if args.json else format_documents(docs))
    return 0


def _remove(args) -> int:
    from ingest.pipeline import remove
    from ingest.summary import format_removal
    from kernel.errors import IndexUnavailableError
    from kernel.settings import load_settings

    settings = load_settings(args.home)
    if not (settings.index_dir / "manifest.sqlite").exists():
        raise IndexUnavailableError(f"no index at {settings.index_dir}: nothing to remove")
    _print(format_removal(remove(args.doc_ids, settings), settings))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run `python -m ingest` with `argv` (default: the process's arguments); returns the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    table = parsers()
    command = argv[0] if argv and argv[0] in table and argv[0] else ""
    try:
        args = table[command].parse_args(argv[1:] if command else argv)
        return args.run(args)
    except GroundedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: the next run repairs the index", file=sys.stderr)
        return 130
    except OSError as exc:  # a state directory that is a file, a full disk, no permission: say which path
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot use{where}: {exc.strerror or exc.__class__.__name__}", file=sys.stderr)
        return 1
