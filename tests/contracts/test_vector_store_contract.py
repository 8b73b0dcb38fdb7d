"""The vector-store contract (tests/contracts/vector_store_contract.py) over every registered store: Chroma embedded,
and Chroma as a server on loopback (`chroma run`; skipped with the reason when the command is missing)."""

from __future__ import annotations

import itertools

import pytest

from ingest.vector_store import STORES
from kernel.settings import StoreSettings
from tests.contracts.vector_store_contract import VectorStoreContract
from tests.helpers import fast_settings, running_chroma

_names = itertools.count()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A `chroma run` server on a free loopback port for this module; skip when the command is missing."""
    with running_chroma(tmp_path_factory.mktemp("chroma-server"), missing=pytest.skip) as url:
        yield url


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
    from ingest.vector_store import open_store
    from kernel.errors import ConfigError

    with pytest.raises(ConfigError, match=r"unknown vector store 'faiss' \(GROUNDED_STORE__BACKEND\); known vector "
                                          r"stores: chroma"):
        open_store(fast_settings(tmp_path, store=StoreSettings(backend="faiss")))
