"""Ingest against a real Chroma server (started from the chromadb package on loopback) instead of the embedded store."""

from __future__ import annotations

import pytest

from ingest.index import open_index
from ingest.pipeline import run
from kernel.settings import StoreSettings
from tests.api.fakes import free_port
from tests.helpers import CORPUS, fast_settings, running_chroma, snapshot


@pytest.fixture
def chroma_server(tmp_path):
    with running_chroma(tmp_path / "server", missing=pytest.fail) as url:
        yield url


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
    from kernel.errors import IndexUnavailableError

    s = fast_settings(tmp_path / "state", store=StoreSettings(chroma_url=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(IndexUnavailableError, match="cannot reach the Chroma server"):
        run([CORPUS], s)
