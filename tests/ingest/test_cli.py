"""The ingest command as a user runs it: bad input is reported by name and skipped, never a stack trace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.helpers import CORPUS, ROOT

# `python -m ingest` with the test fakes registered (GROUNDED_EMBED__MODEL=hash is not a product setting)
INGEST = [sys.executable, "-m", "tests.fakes.run", "ingest"]


def _env(home, **extra):
    env = {**os.environ, "GROUNDED_HOME": str(home), "GROUNDED_EMBED__MODEL": "hash",
           "GROUNDED_CLEAN__OFFTOPIC": "false", "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


def _ingest(*args, home, **extra):
    return subprocess.run([*INGEST, *map(str, args)], capture_output=True, text=True,
                          env=_env(home, **extra), cwd=ROOT, timeout=300)


@pytest.fixture
def bad_corpus(tmp_path):
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d)
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (d / "zero.txt").write_bytes(b"\x00" * 64 + b"text")
    (d / "slides.pptx").write_bytes(b"PK\x03\x04 not really a presentation")
    (d / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without xref")
    with open(d / "huge.txt", "wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    return d


def test_bad_input_is_reported_and_skipped(bad_corpus, tmp_path):
    p = _ingest(bad_corpus, home=tmp_path / "state")
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "Traceback" not in out
    for name, reason in [("empty.txt", "empty file"), ("binary.txt", "binary content"), ("zero.txt", "binary content"),
                         ("slides.pptx", "unsupported file type .pptx"), ("broken.pdf", "PDF"),
                         ("huge.txt", "over the 20 MB limit")]:
        line = next((ln for ln in out.splitlines() if name in ln), "")
        assert reason in line, f"{name}: {line!r}\n{out}"
    assert "5 added" in out and "6 skipped" in out
    show = subprocess.run([*INGEST, "show", "--json"], capture_output=True, text=True,
                          env=_env(tmp_path / "state"), cwd=ROOT, timeout=120)
    docs = json.loads(show.stdout)
    assert len(docs) == 5 and all(d["chunks"] > 0 for d in docs)


def test_show_one_document_and_unknown_id(tmp_path):
    assert _ingest(CORPUS, home=tmp_path / "state").returncode == 0
    env = _env(tmp_path / "state")
    p = subprocess.run([*INGEST, "show", "business-times-commerce-guidance-huawei-ascend", "--json"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    doc = json.loads(p.stdout)
    assert doc["meta"]["publisher"] == "The Business Times" and doc["meta"]["published"] == "2025-05-14"
    assert all(doc["text"][c["start"]:c["end"]] == c["text"] for c in doc["chunks"])
    p = subprocess.run([*INGEST, "show", "no-such-doc"], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=120)
    assert p.returncode != 0 and "no document 'no-such-doc'" in p.stderr and "Traceback" not in p.stderr


def test_missing_index_and_bad_setting_are_one_line_errors(tmp_path):
    env = _env(tmp_path / "nothing")
    p = subprocess.run([*INGEST, "show"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert p.returncode != 0 and "run `python -m ingest`" in p.stderr and "Traceback" not in p.stderr
    p = _ingest(CORPUS, home=tmp_path / "s", GROUNDED_EMBED__MODEL="no-such-model")
    assert p.returncode == 2 and "unknown embedding model" in p.stderr and "Traceback" not in p.stderr
    p = _ingest(CORPUS, home=tmp_path / "s", GROUNDED_CHUNK__MAX_TOKENS="many")
    assert p.returncode == 2 and "GROUNDED_CHUNK__MAX_TOKENS" in p.stderr and "Traceback" not in p.stderr


def test_remove_a_document_whose_file_is_gone_and_the_summary_counts_the_index(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    memo = outside / "memo.txt"
    memo.write_bytes("Memo \u2013 the Penang shipment of 40 sensors is held for a licence check.\n".encode("cp1252"))
    home = tmp_path / "state"
    p = _ingest(memo, home=home)
    assert p.returncode == 0 and "memo (Windows-1252)" in p.stdout, p.stdout + p.stderr
    assert _ingest(CORPUS, home=home).returncode == 0
    memo.unlink()
    p = _ingest(CORPUS, home=home)
    assert "5 unchanged" in p.stdout and "6 in the index" in p.stdout and "whose file is gone" in p.stdout, p.stdout
    p = _ingest("remove", "memo", home=home)
    assert p.returncode == 0 and "holds 5 documents" in p.stdout, p.stdout + p.stderr
    p = _ingest(CORPUS, home=home)
    assert "5 in the index" in p.stdout and "whose file is gone" not in p.stdout, p.stdout
    p = _ingest("remove", "memo", home=home)
    assert p.returncode == 5 and "no document 'memo'" in p.stderr and "Traceback" not in p.stderr


def test_show_names_the_encoding_and_what_the_reader_dropped(tmp_path):
    from tests.ingest.test_formats import HTML

    (tmp_path / "page.html").write_bytes(HTML.encode("cp1252"))
    assert _ingest(tmp_path / "page.html", home=tmp_path / "state").returncode == 0
    p = subprocess.run([*INGEST, "show", "page"], capture_output=True, text=True,
                       env=_env(tmp_path / "state"), cwd=ROOT, timeout=120)
    assert "encoding: Windows-1252" in p.stdout and "left out by the HTML reader" in p.stdout, p.stdout
    assert "cookie banner: We use cookies" in p.stdout and "navigation menu: Home · World · Markets" in p.stdout


def test_home_that_is_a_file_and_output_piped_into_head_give_no_traceback(tmp_path):
    not_a_dir = tmp_path / "notes.txt"
    not_a_dir.write_text("x")
    for args in ([CORPUS, "--home", not_a_dir], ["show", "--home", not_a_dir], ["remove", "x", "--home", not_a_dir]):
        p = subprocess.run([*INGEST, *map(str, args)], capture_output=True, text=True,
                           env=_env(tmp_path / "unused"), cwd=ROOT, timeout=120)
        assert p.returncode == 2 and "is a file, not a folder" in p.stderr and "Traceback" not in p.stderr, p.stderr
    home = tmp_path / "state"
    big = tmp_path / "long-report.txt"  # more than a pipe's buffer (64 KiB) of output, so `head` closes it early
    big.write_text("\n\n".join(f"Paragraph {i}: the licence review found no problem with shipment {i} of the sensors."
                               for i in range(3000)), encoding="utf-8")
    assert _ingest(big, home=home).returncode == 0
    cmd = f"{' '.join(INGEST)} show long-report | head -1"
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=_env(home), cwd=ROOT, timeout=300)
    assert p.stdout.startswith("# long-report") and p.stderr == "", p.stderr
