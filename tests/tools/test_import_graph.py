"""tools.import_graph: the repository's package graph passes (no cycle, no edge outside ALLOWED, no stale allowance,
no module cycle outside KNOWN_CYCLES), and the check fails on each of those in a made-up tree."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT
from tools import import_graph


def test_the_repository_graph_passes_and_is_printed():
    out = subprocess.run([sys.executable, "-m", "tools.import_graph"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "assistant -> ingest" in out.stdout and "import graph: ok" in out.stdout
    assert "ingest -> assistant" not in out.stdout, "ingest never imports the assistant"
    assert "kernel -> " not in out.stdout, "the kernel imports no sibling package"
    assert "assistant -> ingest" in out.stdout and "ingest.clean" not in out.stdout.split("assistant -> kernel")[0]


def _tree(tmp_path, files: dict[str, str]):
    for pkg in import_graph.PACKAGES:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_a_cycle_a_forbidden_edge_and_a_stale_allowance_fail(tmp_path, monkeypatch):
    monkeypatch.setattr(import_graph, "KNOWN_CYCLES", {("assistant.api",): "a cycle this test tolerates"})
    root = _tree(tmp_path, {
        "ingest/store.py": "def f():\n    from assistant.answer import answer  # a lazy import counts\n",
        "assistant/answer.py": "from ingest import store\nfrom .models import Answer\n",
        "assistant/models.py": "from . import answer\n",
    })
    lines, problems = import_graph.check(root)
    text = "\n".join(problems)
    assert "forbidden edge ingest -> assistant (ingest.store imports assistant.answer)" in text
    assert "package cycle: assistant <-> ingest" in text
    assert "allowed edge evals -> assistant no longer exists" in text
    assert "module cycle: assistant.answer <-> assistant.models <-> ingest.store: break it" in text, "an unknown module cycle fails"
    assert "known cycle assistant.api no longer exists: remove it from KNOWN_CYCLES" in text, "the list only shrinks"


def test_a_known_module_cycle_is_a_note_and_one_made_by_importing_the_package_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(import_graph, "KNOWN_CYCLES", {("assistant.api",): "a cycle this test tolerates"})
    root = _tree(tmp_path, {
        "assistant/api/__init__.py": "from assistant.api.app import app\n",
        "assistant/api/app.py": "from assistant.api import errors\n",   # the known cycle through the package
        "assistant/api/errors.py": "",
        "assistant/engines/__init__.py": "",
        "assistant/engines/bottom_line.py": "from assistant.engines.scope import tie\n",
        "assistant/engines/scope.py": "def tie():\n    from assistant.engines.bottom_line import Rule\n",
        "assistant/ui/__init__.py": "from assistant.ui.blocks import mount\n",
        "assistant/ui/blocks.py": "from assistant.ui import render\n",  # reads as importing the package's __init__
        "assistant/ui/render.py": "",
        "ingest/formats.py": "from ingest.pdf_text import read_pdf\n",
        "ingest/pdf_text.py": "import ingest.pdf_layout as pdf_layout\n",  # the module itself: no cycle
        "ingest/pdf_layout.py": "def f():\n    from ingest.pdf_text import short_error  # lazy: still a cycle\n",
    })
    lines, problems = import_graph.check(root)
    text = "\n".join(problems)
    assert "  assistant.api <-> assistant.api.app" in lines, "a known cycle is a note"
    assert "assistant.api" not in text
    assert "module cycle: assistant.engines.bottom_line <-> assistant.engines.scope: break it" in text, \
        "no longer known: bottom_line's Rule lives in engines/framing.py"
    assert "module cycle: assistant.ui <-> assistant.ui.blocks: break it" in text
    assert "module cycle: ingest.pdf_layout <-> ingest.pdf_text: break it" in text
    assert "ingest.formats" not in text


def test_the_assistant_reaches_ingest_only_through_the_read_side_and_the_kernel_imports_no_sibling(tmp_path):
    root = _tree(tmp_path, {
        "assistant/answer.py": "from ingest.index import open_index\nfrom ingest.clean import clean\n",
        "ingest/index.py": "", "ingest/clean.py": "",
        "kernel/settings.py": "def shaping():\n    from ingest.chunk import VERSION\n",
        "ingest/chunk.py": "from kernel.settings import shaping\n",
    })
    _, problems = import_graph.check(root)
    text = "\n".join(problems)
    assert "forbidden import assistant.answer -> ingest.clean" in text, "a write-side module is out of reach"
    assert "assistant.answer -> ingest.index" not in text, "the read side is allowed"
    assert "no longer imports ingest.units: remove it from ONLY_THROUGH" in text, "the module list only shrinks"
    assert "forbidden edge kernel -> ingest (kernel.settings imports ingest.chunk)" in text
    assert "package cycle: ingest <-> kernel" in text
