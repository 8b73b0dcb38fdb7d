"""A new eval suite is one file: a tiny suite declared in a single module (its cases, its own two-note corpus, one
evaluator, its summary) is found by the registry and run by the generic runner and report, through the same
command line as every suite. Before the suites were declarations, a new suite touched four files: its scoring
module, evals/suite_runs.py (its size and run), evals/runner.py (the registry) and evals/system_builders.py (how
the product, a server and the baseline run it on its own index)."""

from __future__ import annotations

import json

import pytest

from evals import runner
from evals.cli import main

TINY_SUITE = '''
"""A tiny suite: two questions over two notes of its own."""

from pathlib import Path

from evals.metrics import mean
from evals.suite import Corpus, Suite

DOCS = Path(__file__).parent / "tiny_docs"
CASES = [{"id": "capital", "question": "Which city is the capital of Freedonia?", "expected": "Fredville"},
         {"id": "licence", "question": "Which office issues Freedonian export licences?", "expected": "Tariff Bureau"}]


def found(case, out):
    """Whether the answer names the expected words."""
    return {"id": case["id"], "answerable": True, "abstained": out.answer["abstained"],
            "found": case["expected"].lower() in out.answer["answer"].lower()}


def summarize(rows):
    return {"questions": len(rows), "found": mean([float(r["found"]) for r in rows])}


SUITES = [Suite("tiny", "two questions over two notes", lambda limit: CASES[:limit], (found,), summarize,
                corpus=Corpus(lambda: [DOCS]), sample="its first N notes' questions")]
'''

NOTES = {
    "freedonia-capital.txt": "Freedonia Notes\n\nFredville is the capital of Freedonia. The city lies on the "
                             "Blue River and has held the national archive since 1921.\n",
    "freedonia-licences.txt": "Freedonia Export Rules\n\nThe Tariff Bureau issues Freedonian export licences. "
                              "A licence is valid for two years from the day it is issued.\n",
}


@pytest.fixture
def tiny_suite(tmp_path, monkeypatch):
    """The suite's one file (and its data) in a folder of its own, registered as `evals/*_suite.py` would be."""
    folder = tmp_path / "suites_here"
    (folder / "tiny_docs").mkdir(parents=True)
    for name, text in NOTES.items():
        (folder / "tiny_docs" / name).write_text(text, encoding="utf-8")
    (folder / "tiny_suite.py").write_text(TINY_SUITE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    found = runner.discover(folder, package="")
    assert list(found) == ["tiny"]
    monkeypatch.setattr(runner, "SUITES", {**runner.SUITES, **found})
    return folder


def test_a_new_suite_is_one_file_run_by_the_generic_runner_and_report(tiny_suite, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GROUNDED_EMBED__MODEL", "hash")
    monkeypatch.setenv("GROUNDED_CLEAN__OFFTOPIC", "false")
    written = sorted(p.name for p in tiny_suite.iterdir() if p.is_file())
    assert written == ["tiny_suite.py"]  # the declaration is the only code file
    home, out = tmp_path / "home", tmp_path / "report"
    assert main(["run", "tiny", "--home", str(home), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())
    entry = results["suites"]["tiny"]["extractive"]
    assert entry["n_cases"] == 2 and [r["id"] for r in entry["cases"]] == ["capital", "licence"]
    assert entry["summary"]["questions"] == 2 and entry["summary"]["found"] == 1.0
    assert (home / "suites" / "tiny").is_dir() and not (home / "index").exists()  # its own index only
    report_md = (out / "report.md").read_text()
    assert "| found | 1.000 |" in report_md and "tiny (2 cases)" in printed
    assert main(["run", "tiny", "--url", "http://127.0.0.1:9", "--home", str(home)]) == 2  # needs its own index


def test_the_command_line_help_describes_a_new_suite_from_its_declaration(tiny_suite):
    from evals.cli import run_parser

    text = " ".join(run_parser().format_help().split())
    assert "tiny: two questions over two notes" in text  # the epilog's suite list
    assert "tiny its first N notes' questions" in text  # what --limit takes of it
    assert "clapnq its first N, answerable and unanswerable alternating" in text


def test_two_suites_with_one_name_are_refused(tmp_path, monkeypatch):
    folder = tmp_path / "twice"
    folder.mkdir()
    for module in ("one_suite", "two_suite"):
        (folder / f"{module}.py").write_text(TINY_SUITE.replace('Path(__file__).parent / "tiny_docs"', "None"),
                                             encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    with pytest.raises(ValueError, match="two suites are called 'tiny'"):
        runner.discover(folder, package="")
