"""Both command lines parse with argparse alone (fast, nothing heavy imported): routing, sub-commands, exit codes."""

from __future__ import annotations

import pytest

from assistant import cli as assistant_cli
from assistant.api import commands
from ingest import cli as ingest_cli


def test_no_command_prints_the_overview_on_stderr_with_exit_code_2(capsys):
    assert assistant_cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m assistant") and all(c in err for c in ("ask", "serve", "keys", "audit"))


@pytest.mark.parametrize("argv", [["bogus"], ["keys"], ["audit", "export", "--format", "xml"], ["ask"],
                                  ["serve", "--port", "x"]])
def test_argument_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        assistant_cli.main(argv)
    assert exc.value.code == 2 and "error:" in capsys.readouterr().err


def test_sub_commands_are_dispatched_by_the_parser():
    p = assistant_cli.parser()
    args = p.parse_args(["keys", "add", "helpdesk-bot", "--rate", "600/minute", "--home", "/tmp/h"])
    assert (args.run, args.action, args.name, args.rate, str(args.home)) == (commands.run_keys, "add",
                                                                            "helpdesk-bot", "600/minute", "/tmp/h")
    args = p.parse_args(["audit", "purge", "--request-id", "r1", "--request-id", "r2", "--yes"])
    assert (args.run, args.action, args.request_id, args.yes) == (commands.run_audit, "purge", ["r1", "r2"], True)
    args = p.parse_args(["ask", "Who is Kessler?", "--publisher", "A", "--publisher", "B", "--after", "2025-01-01"])
    assert (args.run, args.question, args.publisher, args.after) == (assistant_cli._ask, "Who is Kessler?",
                                                                     ["A", "B"], "2025-01-01")
    assert p.parse_args(["serve"]).run is assistant_cli._serve


@pytest.mark.parametrize(("argv", "prog"), [(["show", "--help"], "python -m ingest show"),
                                            (["remove", "--help"], "python -m ingest remove"),
                                            (["corpus", "--help"], "python -m ingest"),
                                            (["--help"], "python -m ingest")])
def test_ingest_routes_sub_commands_and_takes_anything_else_for_paths(argv, prog, capsys):
    with pytest.raises(SystemExit) as exc:
        ingest_cli.main(argv)
    assert exc.value.code == 0 and capsys.readouterr().out.startswith(f"usage: {prog} ")
    p = ingest_cli.parsers()
    assert p[""].parse_args(["corpus", "notes/a.md", "--quiet"]).paths[1].name == "a.md"
    assert p["remove"].parse_args(["a", "b"]).doc_ids == ["a", "b"] and p["show"].parse_args([]).doc_id is None
