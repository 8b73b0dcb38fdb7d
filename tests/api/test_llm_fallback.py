"""An LLM backend that is down (or abandoned past its deadline) gives the extractive answer with a warning,
not an error: `Assistant.ask` catches LLMUnavailableError from the engine."""

from __future__ import annotations

import pytest

from assistant.answer import answer
from assistant.settings import AssistantSettings, LLMSettings
from kernel.errors import LLMUnavailableError
from tests.api.fakes import free_port

QUESTION = "Who is the Under Secretary of Commerce for Industry and Security?"


@pytest.fixture(scope="module")
def extractive(api_home):
    return answer(QUESTION, engine="extractive", settings=AssistantSettings(home=api_home))


def test_llm_server_down_gives_the_extractive_answer_with_a_warning(api_home, extractive):
    down = AssistantSettings(home=api_home, llm=LLMSettings(backend="openai", url=f"http://127.0.0.1:{free_port()}/v1"))
    got = answer(QUESTION, engine="llm", settings=down)
    assert not got.abstained and got.citations
    assert got.answer == extractive.answer and got.engine == "extractive"  # the engine that wrote it
    assert any("llm engine is unavailable" in w and "cannot reach the LLM server" in w for w in got.warnings)
    assert not any("failed verification" in w for w in got.warnings)


def test_a_deadline_raised_from_on_token_falls_back_too(api_home, fake_llm, extractive, llm_mode):
    settings = AssistantSettings(home=api_home, llm=LLMSettings(backend="openai", url=fake_llm, model="fake"))
    seen: list[str] = []

    def on_token(text: str) -> None:
        seen.append(text)
        if len(seen) == 3:
            raise LLMUnavailableError("the LLM did not finish within 1 s")

    got = answer(QUESTION, engine="llm", settings=settings, on_token=on_token)
    assert len(seen) == 3 and got.answer == extractive.answer and got.engine == "extractive"
    assert any("did not finish within 1 s" in w for w in got.warnings)


def test_other_errors_from_on_token_are_not_swallowed(api_home, fake_llm):
    settings = AssistantSettings(home=api_home, llm=LLMSettings(backend="openai", url=fake_llm, model="fake"))

    def on_token(text: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        answer(QUESTION, engine="llm", settings=settings, on_token=on_token)
