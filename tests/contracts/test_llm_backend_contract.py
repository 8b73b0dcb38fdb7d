"""The LLM backend contract (tests/contracts/llm_backend_contract.py) over every registered backend: `openai`
against a fake OpenAI-compatible server on loopback, `llamacpp` with the bundled GGUF (marked llm; skipped with the
reason when it is not installed) and the tests' `scripted` fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.llm import BACKENDS, llm_problem
from assistant.settings import LLMSettings
from tests.contracts.llm_backend_contract import LLMBackendContract

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fake_openai_server():
    from tests.api.fakes import fake_llm_server

    with fake_llm_server() as url:
        yield url


def _param(name: str):
    return pytest.param(name, id=name, marks=[pytest.mark.llm] if name == "llamacpp" else [])


class TestRegisteredBackends(LLMBackendContract):
    @pytest.fixture(params=[_param(n) for n in BACKENDS.names()])
    def llm_config(self, request, tmp_path):
        name = request.param
        if name == "openai":
            return LLMSettings(backend="openai", url=request.getfixturevalue("fake_openai_server"), model="fake"), \
                tmp_path
        if name == "llamacpp":
            settings = LLMSettings(backend="llamacpp", max_tokens=8)
            if problem := llm_problem(settings, REPO / ".state"):
                pytest.skip(f"the local LLM is not available: {problem}")
            from assistant import local_model

            local_model.bundled_gguf(REPO / ".state")  # assembled once, as tests/assistant/test_llm.py does
            return settings, REPO / ".state"
        return LLMSettings(backend=name), tmp_path


def test_an_unknown_backend_lists_the_known_ones(tmp_path):
    assert llm_problem(LLMSettings(backend="gpt5"), tmp_path) == (
        "unknown LLM backend 'gpt5' (GROUNDED_LLM__BACKEND); known LLM backends: " + ", ".join(BACKENDS.names()))
