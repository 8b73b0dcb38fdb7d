"""`python -m evals.bench_http --chroma-copy` at small scale: an index's embedded collection copied into a `chroma run`
server on loopback (`evals.bench_http_servers.copy_collection`), then a few seconds of load against `serve` reading
that server. The 100k-chunk figures in README.md's "Running at larger scale" come from this code path."""

from __future__ import annotations

import os
import re

import numpy as np

from evals import bench_http
from evals.bench_http_servers import copy_collection
from tests.chroma_server import chroma_server
from tests.helpers import ROOT
from tests.scale.conftest import FAST_ENV, QUESTION, SITE

QUESTIONS = [(QUESTION, []), ("Who issued the guidance?", []), ("Which chips does the guidance name?", [])]


def test_copy_collection_is_the_same_collection_and_is_idempotent(index_home, tmp_path, monkeypatch):
    from ingest.chroma_store import ChromaStore
    from tests.helpers import fast_settings

    monkeypatch.delenv("GROUNDED_STORE__CHROMA_URL", raising=False)
    local = ChromaStore(fast_settings(index_home))
    want = local.col.get(include=["embeddings", "documents", "metadatas"])
    with chroma_server(tmp_path / "chroma") as server:
        n = copy_collection(index_home, server.url)
        assert copy_collection(index_home, server.url) == n == len(want["ids"]) > 0  # the second: nothing to copy
        remote = ChromaStore(fast_settings(index_home).model_copy(update={"store": fast_settings(index_home).store
                                                                          .model_copy(update={"chroma_url": server.url})}))
        got = remote.col.get(ids=want["ids"], include=["embeddings", "documents", "metadatas"])
        assert got["ids"] == want["ids"] and got["documents"] == want["documents"]
        assert got["metadatas"] == want["metadatas"]
        # float32 vectors over Chroma's HTTP API come back within 3e-8 of the embedded ones, not bit-equal
        assert np.allclose(got["embeddings"], want["embeddings"], rtol=0, atol=1e-6)
        assert remote.shaping() == local.shaping()


def test_bench_http_chroma_copy_answers_without_errors(index_home, monkeypatch, capsys):
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)
    path = [str(SITE), str(ROOT), os.environ.get("PYTHONPATH", "")]  # the fakes in the server's process, as in conftest
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path).rstrip(os.pathsep))
    monkeypatch.setenv("GROUNDED_STORE__CHROMA_URL", "")  # set by the benchmark; restored after the test
    monkeypatch.setattr(bench_http, "golden", lambda: QUESTIONS)
    assert bench_http.main(["--home", str(index_home), "--chroma-copy", "--workers", "1", "--clients", "1,2",
                            "--seconds", "2", "--memory", "20"]) == 0
    out = capsys.readouterr().out
    table = out.split("| phase |", 1)[1]  # the final table (each row is also printed as its phase ends)
    rows = re.findall(r"^\| HTTP /v1/ask \| (\d+) \| (\d+) \| (\d+) \|", table, re.M)
    assert [c for c, _, _ in rows] == ["1", "2"], out
    assert all(int(answers) > 0 and errors == "0" for _, answers, errors in rows), out
    assert "store: Chroma server http://127.0.0.1:" in out and "(the Chroma server's " in out  # it served the queries
    assert re.search(r"audit rows: (\d+) for \1 answers given \(equal\)", out), out
    assert re.search(r"resident memory after start-up: server \d+ MB", out), out
