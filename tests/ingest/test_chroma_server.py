"""Ingest against a real Chroma server (started from the chromadb package on loopback) instead of the embedded store."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from ingest.index import open_index
from ingest.pipeline import run
from ingest.settings import StoreSettings
from tests.helpers import CORPUS, fast_settings, snapshot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(shutil.which("chroma") or Path(__import__("sys").executable).parent / "chroma")
    if not exe.exists():
        pytest.fail("the `chroma` command of the chromadb package is missing")
    port = _free_port()
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the Chroma server did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_ingest_into_a_chroma_server(chroma_server, tmp_path):
    s = fast_settings(tmp_path / "state", store=StoreSettings(chroma_url=chroma_server))
    r = run([CORPUS], s)
    assert len(r.added) == 5 and r.exit_code == 0
    assert not (s.index_dir / "chroma").exists()  # nothing embedded locally: the vectors live on the server
    snap = snapshot(s)
    assert set(snap["chroma"]) == set(snap["chunks"]) and len(snap["chunks"]) == r.chunks
    index = open_index(s)
    some = next(iter(snap["chunks"].values()))
    from tests.fakes import HashEmbedder

    hits = index.dense_search(HashEmbedder().encode([some["embed_text"]])[0], k=3)
    assert hits[0][0] == some["chunk_id"] and hits[0][1] > 0.99
    assert run([CORPUS], s).chunks_embedded == 0


def test_unreachable_server_is_a_clear_error(tmp_path):
    from ingest.errors import IndexUnavailableError

    s = fast_settings(tmp_path / "state", store=StoreSettings(chroma_url=f"http://127.0.0.1:{_free_port()}"))
    with pytest.raises(IndexUnavailableError, match="cannot reach the Chroma server"):
        run([CORPUS], s)
