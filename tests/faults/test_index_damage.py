"""A corrupt or missing manifest or BM25 directory. `python -m ingest` detects it, says so in its summary (not a
traceback) and rebuilds: the manifest from the sources (a damaged file is moved aside), BM25 from the manifest. The API
and `ask` only read the index: they refuse with one clear message (503 `index_unavailable`, naming the damage and
`python -m ingest`), and the server picks the repaired index up by itself (it retries loading every 10 s)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.pipeline import run
from tests.faults.conftest import fast_server_settings
from tests.helpers import CORPUS, ROOT, fast_settings, snapshot

QUESTION = "Who is the Under Secretary of Commerce for Industry and Security?"


def _bm25_dir(home: Path) -> Path:
    return next((home / "index").glob("bm25-*"))


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\x00" * 100)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _damage_npy(home: Path) -> None:
    npy = sorted(_bm25_dir(home).glob("*.npy"))[0]
    npy.write_bytes(npy.read_bytes()[:40])


DAMAGE = {
    "manifest garbage": (lambda home: _garbage(home / "index" / "manifest.sqlite"), "manifest was damaged"),
    "manifest truncated": (lambda home: _truncate(home / "index" / "manifest.sqlite"), "manifest was damaged"),
    "manifest missing": (lambda home: (home / "index" / "manifest.sqlite").unlink(), "manifest"),
    "bm25 missing": (lambda home: __import__("shutil").rmtree(_bm25_dir(home)), "lexical index"),
    "bm25 ids corrupt": (lambda home: (_bm25_dir(home) / "ids.json").write_text('{"not": "a list"'), "lexical index"),
    "bm25 npy truncated": (_damage_npy, "lexical index"),
}


@pytest.fixture
def built(tmp_path):
    home = tmp_path / "state"
    assert run([CORPUS], fast_settings(home)).exit_code == 0
    for wal in (home / "index").glob("manifest.sqlite-*"):  # checkpointed: the damage hits the whole database
        wal.unlink()
    return home, snapshot(fast_settings(home))


def _env(home: Path) -> dict:
    return {**os.environ, "GROUNDED_HOME": str(home), "GROUNDED_EMBED__MODEL": "hash",
            "GROUNDED_CLEAN__OFFTOPIC": "false", "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("what", list(DAMAGE))
def test_ingest_detects_and_rebuilds(built, what):
    home, before = built
    damage, said = DAMAGE[what]
    damage(home)
    proc = subprocess.run([sys.executable, "-m", "tests.fakes.run", "ingest", str(CORPUS), "--quiet"], env=_env(home),
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    print(f"\n{what}: exit {proc.returncode}; " + " | ".join(line.strip() for line in out.splitlines()
                                                            if "repaired" in line or "error" in line))
    assert proc.returncode == 0 and "Traceback" not in out, out
    assert any("repaired:" in line and said in line for line in out.splitlines()), out
    after = snapshot(fast_settings(home))
    assert after["chunks"] == before["chunks"] and after["chroma"] == before["chroma"]  # no orphan, none missing
    assert after["bm25_ids"] == before["bm25_ids"] and after["version"] == before["version"]
    again = subprocess.run([sys.executable, "-m", "tests.fakes.run", "ingest", str(CORPUS), "--quiet"], env=_env(home),
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "repaired" not in again.stdout  # repaired for good


@pytest.mark.parametrize("what", ["manifest garbage", "manifest truncated", "bm25 missing", "bm25 ids corrupt",
                                  "bm25 npy truncated"])
def test_the_api_refuses_a_damaged_index_with_one_message_then_recovers(built, tmp_path, what, monkeypatch):
    from assistant.answer import get_assistant  # noqa: F401 - imported before the damage, as in a server
    from assistant.api import service as service_mod
    from assistant.api.app import create_app

    home, _ = built
    DAMAGE[what][0](home)
    app = create_app(fast_server_settings(home, tmp_path), load=False)
    app.state.service.load()
    with TestClient(app) as client:
        ready = client.get("/readyz")
        r = client.post("/v1/ask", json={"question": QUESTION})
        assert ready.status_code == 503 and r.status_code == 503, (ready.text, r.text)
        err = r.json()["error"]
        assert err["code"] == "index_unavailable" and "python -m ingest" in err["message"], err
        assert ("damaged" in err["message"] or "missing" in err["message"]) and "Traceback" not in r.text, err
        print(f"\n{what}: {r.status_code} {err['message']}")
        assert run([CORPUS], fast_settings(home)).exit_code == 0  # the operator repairs it
        monkeypatch.setattr(service_mod, "RETRY_LOAD_S", 0.0)  # the server retries loading by itself (every 10 s)
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200


def test_ask_refuses_a_damaged_manifest_with_one_line(built):
    home, _ = built
    _garbage(home / "index" / "manifest.sqlite")
    proc = subprocess.run([sys.executable, "-m", "tests.fakes.run", "assistant", "ask", QUESTION], env=_env(home),
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    print(f"\nask over a damaged manifest: exit {proc.returncode}: {proc.stderr.strip()}")
    assert proc.returncode == 4 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error: the index manifest") and "python -m ingest" in proc.stderr
