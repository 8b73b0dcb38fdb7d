"""`python -m assistant ask` as a user runs it: answers with sources, --json in the API shape, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT


def cli(*args, home=None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "assistant", *args] + (["--home", str(home)] if home else [])
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.model
def test_ask_prints_the_answer_and_its_sources(seed_settings, tmp_path):
    out = cli("ask", "Is testing a Huawei Ascend 910D in Malaysia a violation?", home=seed_settings.home)
    assert out.returncode == 0, out.stderr
    assert "[1]" in out.stdout and "Sources" in out.stdout and "910D" in out.stdout
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "Which Ascend chips did the guidance name?"},
                                   {"role": "assistant", "content": "The 910B, 910C and 910D [1]."}]))
    out = cli("ask", "Would testing one of them in Malaysia be a violation?", "--json", "--history", str(history),
              home=seed_settings.home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["abstained"] is False and data["citations"] and "anywhere" in data["answer"]


@pytest.mark.model
def test_errors_are_one_line_with_exit_codes(seed_settings, tmp_path):
    for args, code, message in (
        (["ask", "Who is Kessler?", "--engine", "gpt-9"], 2, "known engines: extractive, llm"),
        (["ask", "   "], 1, "the question is empty"),
        (["ask", "Who is Kessler?", "--after", "yesterday"], 1, "published_after"),
        (["ask", "Who is Kessler?", "--history", str(tmp_path / "missing.json")], 1, "cannot read the history file"),
    ):
        out = cli(*args, home=seed_settings.home)
        assert out.returncode == code and message in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_no_index_says_what_to_run(tmp_path):
    out = cli("ask", "Who is Kessler?", home=tmp_path / "empty")
    assert out.returncode == 4 and "python -m ingest" in out.stderr and "Traceback" not in out.stderr
