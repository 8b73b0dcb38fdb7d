"""`python -m evals run`: run the evaluation suites in process (or against a running server with --url), write a
report (results.json, report.md, charts) and print a summary. One-line errors, never a stack trace."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from kernel.errors import ConfigError, guarded

USAGE = """python -m evals run [SUITE ...] [--engine NAME[:SUITE] ...] [--url URL] [--api-key KEY] [--limit N]
                         [--home DIR] [--out DIR] [--baseline] [--timeout SECONDS]"""
ROOT = Path(__file__).resolve().parents[1]


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def run_parser() -> argparse.ArgumentParser:
    """The parser of `python -m evals run` (also rendered into the README by tools.cli_reference)."""
    from evals.runner import SUITES

    p = argparse.ArgumentParser(
        prog="python -m evals run", usage=USAGE,
        description="Evaluate the assistant on the golden cases and outside benchmarks; write results.json, "
        "report.md and charts under <home>/reports/<UTC time>/ and print a summary. Regressions against the "
        "previous run are listed first.",
        epilog="suites: " + "; ".join(f"{s.name}: {s.description}" for s in SUITES.values()))
    p.add_argument("suites", nargs="*", metavar="SUITE", help=f"suites to run (default: all): {', '.join(SUITES)}")
    p.add_argument("--engine", action="append", default=[], metavar="NAME",
                   help="extractive (default) or llm; repeat the flag (or separate with commas) for several; NAME:SUITE[+SUITE] "
                   "runs that engine (and its baseline) on those suites only, e.g. --engine extractive --engine llm:golden")
    p.add_argument("--url", help="evaluate a running server through POST URL/v1/ask instead of in process")
    p.add_argument("--api-key", metavar="KEY", help="bearer key for --url (default: GROUNDED_API_KEY)")
    p.add_argument("--limit", type=_positive, metavar="N", help="N cases per suite, the same N always the same cases: "
                   + "; ".join(f"{s.name} {s.sample}" for s in SUITES.values()))
    p.add_argument("--home", type=Path, metavar="DIR", help="state directory (default: GROUNDED_HOME or .state)")
    p.add_argument("--out", type=Path, metavar="DIR", help="report directory (default: <home>/reports/<UTC time>); the previous "
                   "run is looked for in its parent directory")
    p.add_argument("--baseline", action="store_true", help="also run the LlamaIndex baseline, side by side")
    p.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="per request with --url (300)")
    return p


def git_info() -> dict:
    """The commit of the working tree and whether tracked files have uncommitted changes (None when unknown)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def redact(argv: list[str]) -> list[str]:
    """The command line without the API key."""
    out, hide = [], False
    for a in argv:
        out.append("***" if hide else ("--api-key=***" if a.startswith("--api-key=") else a))
        hide = a == "--api-key"
    return out


def engine_specs(values: list[str], suites: set[str]) -> tuple[list[str], dict[str, set[str]]]:
    """Engines from `--engine` values ("extractive", "extractive,llm", "llm:golden", "llm:golden+solana") and, for
    engines given only with suites, the suites they run; ConfigError on a suite that is not being run."""
    engines: list[str] = []
    only: dict[str, set[str]] = {}
    everywhere: set[str] = set()
    for spec in (e.strip() for v in values for e in v.split(",") if e.strip()):
        name, _, where = spec.partition(":")
        name = name.strip()
        engines.append(name)
        if not where.strip():
            everywhere.add(name)
            continue
        chosen = {w.strip() for w in where.split("+") if w.strip()}
        if unknown := sorted(chosen - suites):
            raise ConfigError(f"--engine {spec}: {unknown[0]!r} is not among the suites being run "
                              f"({', '.join(sorted(suites))})")
        only.setdefault(name, set()).update(chosen)
    for name in everywhere:
        only.pop(name, None)
    if not engines:
        from assistant.engines.registry import fallback

        engines = [fallback()]  # the deterministic engine every other falls back to
    return list(dict.fromkeys(engines)), only


def _out_dir(args, settings, dirname: str) -> Path:
    if args.out is not None:
        return args.out
    out, n = settings.home / "reports" / dirname, 1
    while out.exists():
        n += 1
        out = settings.home / "reports" / f"{dirname}-{n}"
    return out


def _first(entries: dict, key: str, prefer: str = "golden") -> str | None:
    """A stamp (settings_hash, corpus_version) of the preferred suite's first system, else of any entry."""
    ordered = [*(entries.get(prefer) or {}).values(), *(e for s in entries.values() for e in s.values())]
    return next((e["stamp"][key] for e in ordered if e.get("stamp", {}).get(key)), None)


def _plan(suites, systems, only: dict[str, set[str]], limit: int | None) -> tuple[list, list[dict]]:
    """What to run: (suite, system, number of cases) for every pair that can run, and the skipped pairs with the
    reason (an engine limited to other suites, or the system cannot run the suite: noted on stderr)."""
    plan, skipped = [], []
    for suite in suites:
        for system in systems:
            engine = system.stamp.get("engine", system.name)
            if engine in only and suite.name not in only[engine]:
                skipped.append({"suite": suite.name, "system": system.name,
                                "reason": f"not asked: --engine {engine}:{'+'.join(sorted(only[engine]))}"})
            elif reason := suite.skip_reason(system):
                skipped.append({"suite": suite.name, "system": system.name, "reason": reason})
                print(f"note: skipping {suite.name} / {system.name}: {reason}", file=sys.stderr)
            else:
                plan.append((suite, system, suite.size(limit)))
    return plan, skipped


def _run(args, argv: list[str]) -> int:
    from tqdm import tqdm

    from assistant.settings import load_assistant_settings
    from evals import report, runner

    suites = runner.suites(args.suites)
    engines, only = engine_specs(args.engine, {s.name for s in suites})
    settings = load_assistant_settings(args.home)
    client = None
    if args.url:
        from evals.client import Client

        api_key = args.api_key or os.environ.get("GROUNDED_API_KEY") or None
        client = Client(args.url, api_key, args.timeout)
        systems = runner.url_systems(client, engines)
    else:
        systems = runner.product_systems(settings, engines)
    try:
        if args.baseline:
            systems += runner.baseline_systems(settings, engines)
        plan, skipped = _plan(suites, systems, only, args.limit)
        if not plan:
            raise ConfigError("nothing to run: " + "; ".join(s["reason"] for s in skipped))
        created, dirname = report.stamp_now()
        git = git_info()  # the code that runs, not what is checked out when the run ends
        entries: dict[str, dict] = {}
        for suite, system, n in plan:
            with tqdm(total=n, desc=f"{suite.name}/{system.name}", unit="q", file=sys.stderr, disable=None,
                      dynamic_ncols=True) as bar:
                entries.setdefault(suite.name, {})[system.name] = runner.run_suite(suite, system, args.limit, bar.update)
    finally:
        if client is not None:
            client.close()
    results = {
        "schema": 1, "created": created, "git": git,
        "settings_hash": settings.settings_hash if client is None else _first(entries, "settings_hash"),
        "corpus_version": _first(entries, "corpus_version"),
        "engines": engines, "systems": [s.name for s in systems], "mode": "url" if client else "in-process",
        "url": client.base if client else None, "home": str(settings.home), "limit": args.limit,
        "argv": redact(argv), "suites": entries, "skipped": skipped,
    }
    out = _out_dir(args, settings, dirname)
    previous = report.find_previous(out.parent, exclude=out, before=created, now=results)
    prev_dir, prev = previous if previous else (None, None)
    try:
        written = report.write(out, results, prev, prev_dir)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    print(report.console(written, out / "report.md"))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    return guarded(_main, argv)


def _main(argv: list[str]) -> int:
    if argv[:1] == ["run"]:
        try:
            args = run_parser().parse_intermixed_args(argv[1:])
        except SystemExit as exc:  # argparse has printed the usage and the problem (or --help)
            return exc.code if isinstance(exc.code, int) else 2
        return _run(args, argv)
    if argv[:1] in (["-h"], ["--help"]):
        print(f"usage: {USAGE}\n\n`python -m evals run --help` describes the options.")
        return 0
    print(f"usage: {USAGE}", file=sys.stderr)
    return 2
