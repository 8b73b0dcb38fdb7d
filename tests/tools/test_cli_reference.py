"""The README's command reference is each command's --help: stale means `make test` fails."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tools import cli_reference
from tools.cli_reference import (
    BEGIN,
    END,
    README,
    ROOT,
    _section,
    command_modules,
    main,
    make_help,
    module_help,
    parsers,
    render,
    replace_block,
)


@pytest.fixture(scope="module")
def rendered() -> str:
    """The block's body, rendered once for the tests that only read it (rendering runs every command's --help)."""
    return render()


def _block(text: str) -> str:
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip("\n")


def test_readme_block_is_what_the_commands_say(rendered):
    assert _block(README.read_text(encoding="utf-8")) == rendered.strip("\n"), \
        "README.md's command reference is stale: run `python -m tools.cli_reference`"


def test_every_command_and_sub_command_is_rendered(rendered):
    progs = [p.prog for p in parsers()]
    assert progs == ["python -m ingest", "python -m ingest show", "python -m ingest remove", "python -m assistant",
                     "python -m assistant ask", "python -m assistant serve", "python -m assistant keys",
                     "python -m assistant keys add", "python -m assistant keys list", "python -m assistant keys revoke",
                     "python -m assistant audit", "python -m assistant audit export",
                     "python -m assistant audit import", "python -m assistant audit purge", "python -m evals run"]
    body = rendered
    assert all(f"### `{prog}`" in body for prog in progs)
    assert "--no-access-log" in body and "--request-id ID" in body and "5 for an id the index does not hold" in body


def test_rendering_ignores_the_terminal_width(monkeypatch, rendered):
    monkeypatch.setenv("COLUMNS", "40")
    wide = render()
    assert max(len(line) for line in wide.splitlines()) > 60 and wide == rendered
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


def test_every_command_module_and_make_help_are_rendered_after_the_product_commands(rendered):
    body = rendered
    headings = re.findall(r"^### `(.+)`$", body, re.M)
    assert headings[:15] == [p.prog for p in parsers()]
    assert headings[15:-1] == [f"python -m {m}" for m in command_modules()] and headings[-1] == "make help"
    assert {"evals.bench_http", "evals.bench_answer", "evals.fit_answerability", "ingest.bench_pdf",
            "assistant.local_model"} <= set(command_modules())
    assert "usage: python -m evals.bench_hnsw [-h]" in body  # its parser names no prog: the usage line still does
    assert str(ROOT) not in body and "write ingest/e5_center.json" in body


def test_make_help_lists_every_documented_makefile_target():
    targets = re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    listed = re.findall(r"^  make (\S+)", make_help(), re.M)
    assert listed == targets and "test" in listed and "eval" in listed


def test_command_modules_are_found_by_their_main_guard_without_importing_them(tmp_path: Path):
    (tmp_path / "evals" / "sub").mkdir(parents=True)
    (tmp_path / "ingest").mkdir()
    (tmp_path / "evals" / "bench_new.py").write_text(
        'raise SystemExit("imported")\ndef main():\n    pass\nif __name__ == "__main__":\n    main()\n')
    (tmp_path / "evals" / "sub" / "tool.py").write_text('def main():\n    pass\nif __name__ == "__main__":\n    main()\n')
    (tmp_path / "evals" / "helper.py").write_text("def main():\n    pass\n")  # no guard: a library function
    (tmp_path / "evals" / "__main__.py").write_text('def main():\n    pass\nif __name__ == "__main__":\n    main()\n')
    (tmp_path / "ingest" / "script.py").write_text('if __name__ == "__main__":\n    print(1)\n')  # no main()
    assert command_modules(tmp_path) == ["evals.bench_new", "evals.sub.tool"]


def test_module_help_refuses_a_main_that_does_work_instead_of_printing_help(tmp_path: Path, monkeypatch):
    (tmp_path / "tests12_quiet_tool.py").write_text("def main():\n    return 0\n")
    (tmp_path / "tests12_failing_tool.py").write_text("def main():\n    raise SystemExit(2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    argv = list(sys.argv)
    with pytest.raises(RuntimeError, match="returned without exiting"):
        module_help("tests12_quiet_tool")
    with pytest.raises(RuntimeError, match="exited 2"):
        module_help("tests12_failing_tool")
    assert sys.argv == argv  # put back
    assert module_help("evals.breakdown").startswith("usage: python -m evals.breakdown [-h] results [SUITE ...]")


def test_the_checkouts_own_path_is_written_relative(tmp_path: Path):
    text = f"usage: x\n  --out OUT  where (default: {tmp_path}/evals/docs)   \n"
    assert _section("python -m x", text, root=tmp_path) == \
        "### `python -m x`\n\n```text\nusage: x\n  --out OUT  where (default: evals/docs)\n```\n"
