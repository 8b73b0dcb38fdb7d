"""The answer-engine contract (tests/contracts/engine_contract.py) over every registered engine, on one index of
corpus/ built with the hash embedder; an engine that uses an LLM gets a scripted one that quotes its first passage."""

from __future__ import annotations

import pytest

from assistant.engines import registry
from assistant.llm import BACKENDS, Backend
from assistant.settings import AssistantSettings, LLMSettings
from kernel.settings import CleanSettings, EmbedSettings
from tests.api.fakes import PASSAGE
from tests.contracts.engine_contract import EngineContract
from tests.fakes import ScriptedLLM
from tests.helpers import CORPUS


def quote_first_passage(messages) -> str:
    """The reply of a faithful LLM: passage [1] of the prompt, word for word, cited."""
    found = PASSAGE.search(messages[-1]["content"])
    return f"{found.group(1)} [1]" if found else "NOT IN DOCUMENTS"


BACKENDS.register("scripted-quote", Backend(lambda settings, home: ScriptedLLM(quote_first_passage)), replace=True)


def engine_settings_for(name: str, home) -> AssistantSettings:
    llm = LLMSettings(backend="scripted-quote" if registry.spec(name).uses_llm else "llamacpp")
    return AssistantSettings(home=home, embed=EmbedSettings(model="hash"), clean=CleanSettings(offtopic=False),
                             llm=llm)


@pytest.fixture(scope="module")
def contract_home(tmp_path_factory):
    from ingest.pipeline import run

    home = tmp_path_factory.mktemp("engine-contract")
    report = run([CORPUS], engine_settings_for(registry.fallback(), home))
    assert report.exit_code == 0 and len(report.added) == 5
    return home


class TestRegisteredEngines(EngineContract):
    @pytest.fixture(params=registry.names())
    def engine_settings(self, request, contract_home):
        return request.param, engine_settings_for(request.param, contract_home)


def test_an_unknown_engine_lists_the_known_ones(contract_home):
    from assistant.answer import answer
    from kernel.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown engine 'gpt-9'; known engines: extractive, llm"):
        answer("Who?", engine="gpt-9", settings=engine_settings_for(registry.fallback(), contract_home))


def test_exactly_one_engine_is_the_fallback():
    assert [n for n in registry.names() if registry.spec(n).fallback] == [registry.fallback()]
