"""The shared kernel: importing it loads nothing of ingest, assistant or evals, and its settings read the same
GROUNDED_* variables as before the move."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT

_IMPORT_ALL = """
import sys
import kernel, kernel.errors, kernel.registry, kernel.sentences, kernel.settings, kernel.stopwords, kernel.tokens
kernel.sentences.sentences("One. Two.")
kernel.tokens.stem("violates")
kernel.settings.Settings()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("ingest", "assistant", "evals", "tools")))
"""


def test_the_kernel_loads_no_sibling_package():
    out = subprocess.run([sys.executable, "-c", _IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_settings_read_the_grounded_variables(monkeypatch, tmp_path):
    from kernel.settings import Settings, load_settings

    monkeypatch.setenv("GROUNDED_HOME", str(tmp_path))
    monkeypatch.setenv("GROUNDED_EMBED__MODEL", "bundled:multilingual-e5-small")
    monkeypatch.setenv("GROUNDED_STORE__CHROMA_URL", "http://127.0.0.1:8001")
    monkeypatch.setenv("GROUNDED_CHUNK__TARGET_TOKENS", "100")
    s = load_settings()
    assert isinstance(s, Settings) and s.home == tmp_path and s.index_dir == tmp_path / "index"
    assert (s.embed.model, s.store.chroma_url, s.chunk.target_tokens) == (
        "bundled:multilingual-e5-small", "http://127.0.0.1:8001", 100)


def test_ascii_sentence_offsets_are_blingfires_own():
    import blingfire

    from kernel.sentences import _ascii_offsets

    texts = ["Mr. Smith went to Washington. He left on Friday!", "One sentence without an end", "A. B. C.",
             "U.S. export controls apply.  The rule took effect on May 13.   ", "?!", "x"]
    for text in texts:
        assert _ascii_offsets(text) == blingfire.text_to_sentences_and_offsets(text)[1], text
    assert _ascii_offsets("Böhm visited Liège. He left.") is None, "not ASCII: blingfire maps the offsets itself"
