"""Command line of ingest: one-line errors and exit codes, never a stack trace."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.errors import GroundedError

USAGE = """python -m ingest [PATH ...] [--rebuild] [--home DIR]
       python -m ingest show [DOC_ID] [--json] [--home DIR]"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ingest", usage=USAGE,
        description="Clean, chunk, deduplicate and embed documents (.txt .md .html .pdf .jsonl) into the index. "
        "Re-runs are incremental: unchanged documents are not touched; removed ones leave the index.")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the corpus folder, GROUNDED_CORPUS)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it again from nothing")
    p.add_argument("--home", type=Path, help="state directory (default: GROUNDED_HOME or .state)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _show_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest show", description="List the indexed documents, or one in full.")
    p.add_argument("doc_id", nargs="?", help="a document id: print its metadata, cleaned text and chunks")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--home", type=Path)
    return p


def _ingest(args) -> int:
    from ingest.pipeline import run
    from ingest.settings import load_settings

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

    print(format_report(report, paths, settings))
    return report.exit_code


def _show(args) -> int:
    from ingest.index import open_index
    from ingest.settings import load_settings
    from ingest.summary import format_document, format_documents

    index = open_index(load_settings(args.home))
    if args.doc_id:
        doc = index.document(args.doc_id)
        doc["chunks"] = index.chunks(doc_id=args.doc_id)
        print(json.dumps(doc, indent=2, ensure_ascii=False) if args.json else format_document(doc))
    else:
        docs = index.documents()
        print(json.dumps(docs, indent=2, ensure_ascii=False) if args.json else format_documents(docs))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["show"]:
            return _show(_show_parser().parse_args(argv[1:]))
        return _ingest(_parser().parse_args(argv))
    except GroundedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: the next run repairs the index", file=sys.stderr)
        return 130
