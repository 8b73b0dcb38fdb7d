"""The README's command reference is each command's --help: stale means `make test` fails."""

from __future__ import annotations

from pathlib import Path

from tools import cli_reference
from tools.cli_reference import BEGIN, END, README, main, parsers, render, replace_block


def _block(text: str) -> str:
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n")


def test_readme_block_is_what_the_commands_say():
    assert _block(README.read_text(encoding="utf-8")) == render().strip("\n"), \
        "README.md's command reference is stale: run `python -m tools.cli_reference`"


def test_every_command_and_sub_command_is_rendered():
    progs = [p.prog for p in parsers()]
    assert progs == ["python -m ingest", "python -m ingest show", "python -m ingest remove", "python -m assistant",
                     "python -m assistant ask", "python -m assistant serve", "python -m assistant keys",
                     "python -m assistant keys add", "python -m assistant keys list", "python -m assistant keys revoke",
                     "python -m assistant audit", "python -m assistant audit export",
                     "python -m assistant audit import", "python -m assistant audit purge", "python -m evals run"]
    body = render()
    assert all(f"### `{prog}`" in body for prog in progs)
    assert "--no-access-log" in body and "--request-id ID" in body and "5 for an id the index does not hold" in body


def test_rendering_ignores_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    wide = render()
    assert max(len(line) for line in wide.splitlines()) > 60 and render() == wide
    assert cli_reference.os.environ["COLUMNS"] == "40"  # put back after rendering


def test_check_fails_on_a_stale_block_and_the_rewrite_fixes_it(tmp_path: Path, capsys):
    readme = tmp_path / "README.md"
    current = replace_block(f"# Title\n\n{BEGIN}\n{END}\n\nAfter.\n", render())
    stale = current.replace("--no-access-log", "--no-log", 1)
    readme.write_text(stale, encoding="utf-8")
    assert main(["--check"], readme) == 1
    captured = capsys.readouterr()
    changed = [line.split()[-1] for line in captured.out.splitlines() if line[:1] in "-+" and line[1:2] == " "]
    assert changed == ["[--no-log]", "[--no-access-log]"] and "stale" in captured.err
    assert readme.read_text(encoding="utf-8") == stale  # --check never writes
    assert main([], readme) == 0 and readme.read_text(encoding="utf-8") == current
    assert main(["--check"], readme) == 0 and current.endswith(f"{END}\n\nAfter.\n")
