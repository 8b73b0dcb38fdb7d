"""The vector-store contract (tests/contracts/vector_store_contract.py) over every registered store: Chroma embedded,
and Chroma as a server on loopback (`chroma run`; skipped with the reason when the command is missing)."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ingest.settings import StoreSettings
from ingest.vector_store import STORES
from tests.contracts.vector_store_contract import VectorStoreContract
from tests.helpers import fast_settings

_names = itertools.count()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A `chroma run` server on a free loopback port for this module; skip when the command is missing."""
    from tests.api.fakes import free_port

    exe = Path(shutil.which("chroma") or Path(sys.executable).parent / "chroma")
    if not exe.exists():
        pytest.skip("the `chroma` command of the chromadb package is missing: no server to test against")
    port = free_port()
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


# (store name, configuration): every registered store embedded; Chroma also as a server
CONFIGS = [(name, "embedded") for name in STORES.names()] + [("chroma", "server")]


class TestRegisteredStores(VectorStoreContract):
    @pytest.fixture(params=CONFIGS, ids=[f"{n}-{c}" for n, c in CONFIGS])
    def settings(self, request, tmp_path):
        name, config = request.param
        store = {"backend": name, "collection": f"contract{next(_names)}"}
        if config == "server":
            store["chroma_url"] = request.getfixturevalue("chroma_server")
        return fast_settings(tmp_path, store=StoreSettings(**store))

    @pytest.fixture
    def store(self):
        return lambda settings: STORES.get(settings.store.backend)(settings)


def test_an_unknown_store_lists_the_known_ones(tmp_path):
    from ingest.errors import ConfigError
    from ingest.vector_store import open_store

    with pytest.raises(ConfigError, match=r"unknown vector store 'faiss' \(GROUNDED_STORE__BACKEND\); known vector "
                                          r"stores: chroma"):
        open_store(fast_settings(tmp_path, store=StoreSettings(backend="faiss")))
