"""The answering service behind the HTTP edge: loads the index and models once per process, in the background,
reports readiness, and runs `answer()` in a thread pool so the event loop keeps serving (health checks, documents,
other answers) while an LLM writes.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable

import anyio

from assistant.api.errors import ApiError
from assistant.api.settings import ServerSettings
from kernel.errors import GroundedError, LLMUnavailableError

log = logging.getLogger("grounded.api")
RETRY_LOAD_S = 10.0
WARM_UP = "What did the guidance say?"


class ClientGone(Exception):
    """The client of a streamed answer disconnected: the answer is abandoned at its next token."""


def engine_names() -> tuple[str, ...]:
    from assistant.answer import ENGINE_NAMES

    return ENGINE_NAMES


class Service:
    """One per app: state `loading` → `ready` (or `failed`, retried on demand every RETRY_LOAD_S seconds)."""

    def __init__(self, settings: ServerSettings):
        if settings.llm.timeout_s > settings.api.llm_deadline_s:
            # the deadline is checked at each token; an LLM that sends none is held to it by the client's read timeout
            # (timeout_s is outside the settings hash: answers are unchanged)
            llm = settings.llm.model_copy(update={"timeout_s": settings.api.llm_deadline_s})
            settings = settings.model_copy(update={"llm": llm})
        self.settings = settings
        self.state = "loading"
        self.error: str | None = None
        self.loaded_in_s: float | None = None
        self.llm_loaded = False
        self._t0 = time.monotonic()
        self._tried = 0.0
        self._lock = threading.Lock()
        self._counts: tuple[str, int, int] | None = None
        self.limiter = anyio.CapacityLimiter(settings.api.answer_threads)
        from assistant.llm import llm_problem

        self.llm_problem = llm_problem(settings.llm, settings.home)

    # --- loading ---------------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Load in a background thread; /readyz answers 503 until it is done."""
        threading.Thread(target=self.load, name="grounded-load", daemon=True).start()

    def load(self) -> None:
        """Open the index and the embedding model, answer one warm-up question, then load the LLM if configured."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._tried = time.monotonic()
            from assistant.answer import answer, get_assistant

            get_assistant(self.settings)
            if self.settings.api.warm_up:
                answer(WARM_UP, settings=self.settings)
            self.state, self.error = "ready", None
            self.loaded_in_s = round(time.monotonic() - self._t0, 2)
            info = self.summary()
            log.info("ready in %.1f s: %d documents, %d chunks, corpus version %s", self.loaded_in_s,
                     info["documents"], info["chunks"], info["corpus_version"])
        except GroundedError as exc:
            self.state, self.error = "failed", str(exc)
            log.error("cannot load the index: %s", exc)
        except Exception as exc:  # a broken install: say what, keep serving /healthz and /readyz
            self.state, self.error = "failed", f"{exc.__class__.__name__}: {exc}"
            log.exception("cannot load the index")
        finally:
            self._lock.release()
        if self.state == "ready" and self.llm_problem is None and self.settings.api.preload_llm:
            self._preload_llm()

    def _preload_llm(self) -> None:
        from assistant.llm import make_llm

        try:
            make_llm(self.settings.llm, self.settings.home)
            self.llm_loaded = True
        except GroundedError as exc:
            self.llm_problem = str(exc)
            log.error("the LLM engine is unavailable: %s", exc)

    def require(self, refresh: bool = False):
        """The opened Assistant; with `refresh`, first moved to the corpus version the index now publishes
        (`Assistant.refresh`: its readers are pinned to a generation, so a document listing after an ingest must not
        come from the one before). Only the readers that use the opened version directly ask for it (documents, the
        filters' publishers): an answer refreshes by itself, once, when it starts (`Assistant.ask`). ApiError 503
        (with Retry-After) while loading or when the index is unavailable."""
        if self.state == "ready":
            from assistant.answer import get_assistant

            assistant = get_assistant(self.settings)
            if refresh:
                assistant.refresh()
            return assistant
        if self.state == "failed" and time.monotonic() - self._tried > RETRY_LOAD_S:
            self.start()  # an index built since the last try is picked up
        if self.state == "loading":
            raise ApiError(503, "the index and models are still loading; retry shortly", "loading",
                           {"Retry-After": "5"})
        raise ApiError(503, self.error or "the index is unavailable", "index_unavailable", {"Retry-After": "30"})

    # --- what it can do ----------------------------------------------------------------------------------------------

    def engines(self) -> list[str]:
        """The engines this server can answer with now."""
        return [e for e in engine_names() if e != "llm" or self.llm_problem is None]

    def default_engine(self) -> str:
        return self.settings.answer.engine

    def check_engine(self, name: str | None, param: str = "engine") -> str:
        """The engine to use; 422 for an unknown name (listing the known ones), 503 for an unavailable LLM."""
        name = name or self.default_engine()
        if name not in engine_names():
            raise ApiError(422, f"unknown engine {name!r}; known engines: {', '.join(engine_names())}",
                           "invalid_request", param=param)
        if name == "llm" and self.llm_problem is not None:
            raise ApiError(503, f"the llm engine is not available on this server: {self.llm_problem}",
                           "llm_unavailable", {"Retry-After": "60"})
        return name

    def check_question(self, question: str, history_turns: int, param: str = "question") -> None:
        api = self.settings.api
        if len(question) > api.max_question_chars:
            raise ApiError(422, f"the question is {len(question):,} characters long; the limit is "
                           f"{api.max_question_chars:,}", "invalid_request", param=param)
        if history_turns > api.max_history_turns:
            raise ApiError(422, f"the history has {history_turns} turns; the limit is {api.max_history_turns}",
                           "invalid_request", param="history")

    def check_filters(self, filters: dict | None) -> None:
        """422 `invalid_request` with `param` for filters the index cannot take: an unknown publisher
        (`filters.publisher`; the message lists the known ones), a bad or reversed date (`filters.published_after`
        / `filters.published_before`). The core's own checks (Filters.parse, Retriever.resolve), run before answering
        so that the error names its field and a stream is refused before it starts."""
        if not filters:
            return
        from assistant.models import Filters
        from kernel.errors import InputError

        try:
            self.require(refresh=True).retriever.resolve(Filters.parse(filters))  # the publishers published now
        except InputError as exc:
            text = str(exc)
            field = re.match(r"filters\.(\w+)", text)
            param = f"filters.{field.group(1)}" if field else "filters.publisher" if "publisher" in text else "filters"
            raise ApiError(422, text, "invalid_request", param=param) from None

    def summary(self) -> dict:
        """documents, chunks and corpus version of the opened index (recounted when the corpus changes)."""
        from assistant.answer import get_assistant

        assistant = get_assistant(self.settings)
        assistant.refresh()  # the counts of the published version, not of the generation last opened
        index = assistant.index
        version = index.corpus_version
        if self._counts is None or self._counts[0] != version:
            docs = index.documents()
            self._counts = (version, len(docs), sum(int(d.get("chunks") or 0) for d in docs))
        return {"documents": self._counts[1], "chunks": self._counts[2], "corpus_version": version}

    # --- answering ----------------------------------------------------------------------------------------------------

    def _guarded_tokens(self, on_token: Callable[[str], None] | None, gone: threading.Event | None):
        """Wrap `on_token`: abandon the answer when the client left, or the LLM when it passes its deadline (the
        core then gives the extractive answer with a warning)."""
        deadline = time.monotonic() + self.settings.api.llm_deadline_s
        limit = self.settings.api.llm_deadline_s

        def token(text: str) -> None:
            if gone is not None and gone.is_set():
                raise ClientGone()
            if time.monotonic() > deadline:
                raise LLMUnavailableError(f"the LLM did not finish within {limit:g} s (GROUNDED_API__LLM_DEADLINE_S)")
            if on_token is not None:
                on_token(text)
        return token

    async def answer(self, question: str, history: list[dict], engine: str, filters: dict | None,
                     on_token: Callable[[str], None] | None = None, gone: threading.Event | None = None,
                     request_id: str | None = None):
        """`answer()` in the thread pool (at most `answer_threads` at once); returns the Answer, with `request_id`
        when one was chosen before answering (a stream whose first chunk already carried it)."""
        from assistant.answer import answer

        self.require()
        token = self._guarded_tokens(on_token, gone)
        ans = await anyio.to_thread.run_sync(
            lambda: answer(question, history, engine, filters, settings=self.settings, on_token=token),
            limiter=self.limiter)
        return dataclasses.replace(ans, request_id=request_id) if request_id else ans
