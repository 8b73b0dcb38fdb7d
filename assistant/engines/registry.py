"""The answer-engine registry: every engine by name, with what the rest of the product needs to know about it.

`ENGINES.register(name, EngineSpec(build, ...))` from an engine's own module adds it; the registry imports every
module of `assistant.engines` before the first lookup, so a new engine is one new file in this package. The two
built-in engines are registered at the bottom of this module (their modules are edited by the pipeline work
today; the registration moves into them with it). Nothing outside this module names an engine: the CLI, the
evaluations and `answer()` ask the registry (`names`, `build`, `problem`, `warm`, `fallback`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kernel.errors import ConfigError
from kernel.registry import Registry

if TYPE_CHECKING:
    from assistant.engines.base import AnswerEngine
    from assistant.settings import AssistantSettings


def _no_problem(settings: AssistantSettings, connect: bool) -> str | None:
    return None


def _no_warm(engine: AnswerEngine) -> None:
    return None


@dataclass(frozen=True)
class EngineSpec:
    """One engine: `build(settings) -> AnswerEngine`; `problem(settings, connect) -> str | None`, why it cannot
    answer now, found in milliseconds before anything loads (`connect`: may open a connection, 2 s at most);
    `warm(engine)` loads what its first answer would (a model file); `streams`: it calls `on_token` while drafting;
    `uses_llm`: it answers with the configured LLM; `fallback`: the engine that answers when another fails (one)."""

    build: Callable[[AssistantSettings], AnswerEngine]
    problem: Callable[[AssistantSettings, bool], str | None] = _no_problem
    warm: Callable[[AnswerEngine], None] = _no_warm
    streams: bool = False
    uses_llm: bool = False
    fallback: bool = False


ENGINES: Registry[EngineSpec] = Registry("engine", discover=[("assistant.engines", "*")])


def names() -> tuple[str, ...]:
    """The registered engine names, in registration order."""
    return ENGINES.names()


def spec(name: str) -> EngineSpec:
    """The engine registered as `name`; ConfigError listing the known names."""
    return ENGINES.get(name)


def build(name: str, settings: AssistantSettings) -> AnswerEngine:
    """A new engine `name` for these settings; ConfigError listing the known names."""
    return spec(name).build(settings)


def fallback() -> str:
    """The name of the engine that answers when another fails or is unavailable; ConfigError when none is marked."""
    for name in names():
        if ENGINES.get(name).fallback:
            return name
    raise ConfigError("no fallback engine is registered")


# --- the built-in engines -----------------------------------------------------------------------------------------

def _extractive(settings: AssistantSettings) -> AnswerEngine:
    from assistant.engines.extractive import ExtractiveEngine

    return ExtractiveEngine(settings.answer.max_sentences)


def _llm(settings: AssistantSettings) -> AnswerEngine:
    from assistant.engines.llm import LLMEngine

    return LLMEngine(settings)


def _llm_problem(settings: AssistantSettings, connect: bool) -> str | None:
    from assistant.llm import llm_problem

    return llm_problem(settings.llm, settings.home, connect=connect)


def _llm_warm(engine) -> None:
    _ = engine.llm  # loads the model file (or connects to the server)


ENGINES.register("extractive", EngineSpec(_extractive, fallback=True))
ENGINES.register("llm", EngineSpec(_llm, _llm_problem, _llm_warm, streams=True, uses_llm=True))
