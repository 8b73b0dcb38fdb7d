"""The one seam around LLMs: a tiny `LLM` protocol (`name`, `stream(messages)`) and its backends.

Backends (`GROUNDED_LLM__BACKEND`), each a `Backend` in the `BACKENDS` registry: `llamacpp` (a local GGUF through
llama-index's LlamaCPP, the bundled Qwen2.5-Coder-1.5B-Instruct by default) and `openai` (any OpenAI-compatible server
through the `openai` package, its own light extra). A new backend is one new file `assistant/llm_<name>.py` that calls
`BACKENDS.register(name, Backend(build, problem))`. The tests' deterministic fake lives in tests/fakes, registered by
the tests only. llama-index's global `Settings` is never used: every model is passed explicitly.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from assistant.settings import LLMSettings
from kernel.errors import ConfigError, GroundedError, LLMUnavailableError
from kernel.registry import Registry

Messages = list[dict[str, str]]
ROLES = ("system", "user", "assistant")
CHATML_STOP = ["<|im_end|>", "<|endoftext|>"]
CHATML_DEFAULT_SYSTEM = "You are a helpful assistant."
_SPECIAL = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")
LLAMACPP_FIX = "run `make llm` (or set GROUNDED_LLM__BACKEND=openai and GROUNDED_LLM__URL for an LLM server)"
OPENAI_FIX = "pip install -e '.[openai]' (the light extra: no llama.cpp build)"
RETRY_LEFT_S = 0.5  # a refused or reset connection to an LLM server is tried again when this much of its time is left


class LLM(Protocol):
    """What the engines need from an LLM: a name and a stream of text deltas for chat messages."""

    name: str

    def stream(self, messages: Messages) -> Iterator[str]: ...


def complete(llm: LLM, messages: Messages) -> str:
    """The whole reply: the joined stream."""
    return "".join(llm.stream(messages))


def checked(messages: Messages) -> Messages:
    """A copy of the messages, each a {"role", "content"} dict with a known role; ValueError for any other."""
    out = []
    for m in messages:
        if m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise ValueError(f"bad chat message {m!r}: needs role in {ROLES} and a string content")
        out.append({"role": m["role"], "content": m["content"]})
    return out


def _rows(messages) -> list[tuple[str, str]]:
    """(role, content) pairs of llama-index ChatMessages or role/content dicts, content defused."""
    return [(m["role"], _defuse(m["content"])) if isinstance(m, dict)
            else (getattr(m.role, "value", m.role), _defuse(m.content or "")) for m in messages]


def chatml(messages) -> str:
    """ChatML prompt (Qwen2.5's template) for llama-index ChatMessages or role/content dicts."""
    rows = _rows(messages)
    if not rows or rows[0][0] != "system":
        rows.insert(0, ("system", CHATML_DEFAULT_SYSTEM))
    parts = [f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in rows]
    return "".join(parts) + "<|im_start|>assistant\n"


def _defuse(text: str) -> str:
    """Content cannot open or close a turn: ChatML control strings in it are broken up."""
    for token in _SPECIAL:
        text = text.replace(token, token.replace("|", "\u200b|", 1))
    return text


def _gguf_template(model) -> Callable | None:
    """A prompt formatter from the GGUF's own chat template (Qwen2.5's is ChatML), or None when it has none."""
    template = model.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text(token: int) -> str:
        return model.detokenize([token], special=True).decode("utf-8", "ignore") if token >= 0 else ""

    bos = text(model.token_bos())
    try:
        formatter = Jinja2ChatFormatter(template=template, eos_token=text(model.token_eos()), bos_token=bos)
    except Exception:  # a template jinja cannot compile: ChatML is the best guess
        return None
    add_bos = model.metadata.get("tokenizer.ggml.add_bos_token", "false") == "true"

    def render(messages) -> str:
        try:
            prompt = formatter(messages=[{"role": r, "content": c} for r, c in _rows(messages)]).prompt
        except Exception as exc:
            raise ValueError(f"the model's chat template rejected the messages: {_first_line(exc)}") from None
        return prompt[len(bos):] if add_bos and bos and prompt.startswith(bos) else prompt  # llama.cpp adds BOS

    return render


def _to_chat(messages: Messages):
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in checked(messages)]


class LlamaCppLLM:
    """A local GGUF through llama-index's LlamaCPP, prompted with its own chat template (else ChatML); one at a time."""

    def __init__(self, settings: LLMSettings, model_path: Path) -> None:
        # llama.cpp's OpenMP threads spin while waiting: next to another busy process on 2 cores, decoding fell
        # from ~17 to ~2 tokens/s. libgomp reads this once, when first loaded: torch loads the same libgomp, so
        # this only helps when torch has not been imported yet (set it at process start to be sure).
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError:
            raise LLMUnavailableError(f"the local LLM backend (llama-cpp-python) is not installed: {LLAMACPP_FIX}") \
                from None
        if settings.temperature > 1.0:
            raise ConfigError("GROUNDED_LLM__TEMPERATURE must be at most 1.0 for the llamacpp backend")
        self.name = f"llamacpp:{model_path.name.removesuffix('.gguf')}"
        self._lock = threading.Lock()
        try:
            self._llm = LlamaCPP(
                model_path=str(model_path), temperature=settings.temperature, max_new_tokens=settings.max_tokens,
                context_window=settings.context_window, verbose=False,
                model_kwargs={"n_threads": settings.threads, "n_threads_batch": settings.threads},
                generate_kwargs={"stop": CHATML_STOP}, messages_to_prompt=chatml,
                completion_to_prompt=lambda text: chatml([{"role": "user", "content": text}]))
            render = _gguf_template(self._llm._model)
        except (ValueError, RuntimeError, OSError) as exc:
            raise LLMUnavailableError(f"cannot load the local LLM {model_path}: {_first_line(exc)} "
                                      "(a GGUF file is needed; unset GROUNDED_LLM__MODEL_PATH for the bundled one, "
                                      "installed by `make llm`)") from None
        if render is not None:
            self._llm.messages_to_prompt = render
            self._llm.completion_to_prompt = lambda text: render([{"role": "user", "content": text}])

    def stream(self, messages: Messages) -> Iterator[str]:
        """Yield text deltas of the model's reply; stops at `<|im_end|>` or max_tokens."""
        chat = _to_chat(messages)
        with self._lock:
            try:
                for chunk in self._llm.stream_chat(chat):
                    if chunk.delta:
                        yield chunk.delta
            except GroundedError:
                raise
            except (ValueError, RuntimeError) as exc:
                hint = " (send fewer passages, or raise GROUNDED_LLM__CONTEXT_WINDOW)" if "context window" in str(exc) \
                    else ""
                raise LLMUnavailableError(f"the local LLM failed: {_first_line(exc)}{hint}") from None


class OpenAICompatibleLLM:
    """Any OpenAI-compatible chat server (llama.cpp's server, vLLM, Ollama, a hosted API) through the `openai` package.

    Its own light extra (`pip install -e '.[openai]'`): no llama.cpp build, no bundled model."""

    def __init__(self, settings: LLMSettings) -> None:
        if not settings.url:
            raise ConfigError("the openai LLM backend needs a server: set GROUNDED_LLM__URL "
                              "(e.g. http://127.0.0.1:8080/v1)")
        try:
            import httpx
            import openai
        except ImportError:
            raise LLMUnavailableError(f"the openai LLM backend is not installed: {OPENAI_FIX}") from None
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self.name = f"openai:{settings.model}"
        self.url = settings.url
        self.settings = settings
        # No retries by the client: each one waited out the whole read timeout again, then a backoff (a server that
        # accepted and said nothing held an answer for ~6 s against a 2 s deadline); `stream` retries itself only a
        # refused or reset connection, and only within the deadline.
        self._client = openai.OpenAI(base_url=settings.url, api_key=key, max_retries=0,
                                     timeout=httpx.Timeout(settings.timeout_s, connect=min(5.0, settings.timeout_s)))

    def stream(self, messages: Messages) -> Iterator[str]:
        """Yield text deltas streamed by the server; connection and API errors become LLMUnavailableError. The wait
        for the server (connecting, then each read) ends `settings.timeout_s` seconds after the call at the latest."""
        import httpx
        import openai

        chat = checked(messages)
        s = self.settings
        deadline = time.monotonic() + s.timeout_s
        for attempt in (0, 1):
            left = deadline - time.monotonic()
            try:
                response = self._client.chat.completions.create(
                    model=s.model, messages=chat, stream=True, max_tokens=s.max_tokens, temperature=s.temperature,
                    timeout=httpx.Timeout(left, connect=min(5.0, left)))
                break
            except openai.APITimeoutError:
                raise LLMUnavailableError(f"the LLM server at {self.url} sent nothing within {s.timeout_s:g} s "
                                          "(GROUNDED_LLM__TIMEOUT_S)") from None
            except openai.APIConnectionError:
                if attempt or deadline - time.monotonic() < RETRY_LEFT_S:
                    raise LLMUnavailableError(f"cannot reach the LLM server at {self.url}: is it running? "
                                              "(check GROUNDED_LLM__URL)") from None
            except openai.OpenAIError as exc:
                raise _unavailable(exc, self.url) from None
        try:
            with response:
                for chunk in response:
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        yield delta
        except openai.OpenAIError as exc:
            raise _unavailable(exc, self.url) from None


def _unavailable(exc: Exception, url: str | None) -> LLMUnavailableError:
    """The LLMUnavailableError that says what an openai error means for the server at `url`."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailableError(f"the LLM server at {url} stopped sending (GROUNDED_LLM__TIMEOUT_S)")
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailableError(f"cannot reach the LLM server at {url}: is it running? (check GROUNDED_LLM__URL)")
    if isinstance(exc, openai.APIStatusError):
        hint = " (check GROUNDED_LLM__API_KEY)" if exc.status_code in (401, 403) else \
            " (check GROUNDED_LLM__URL and GROUNDED_LLM__MODEL)"
        return LLMUnavailableError(f"the LLM server at {url} answered {exc.status_code}: "
                                   f"{_first_line(exc.message)}{hint}")
    return LLMUnavailableError(f"the LLM server at {url} failed: {_first_line(exc)}")


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _llamacpp(settings: LLMSettings, home: Path) -> LLM:
    if settings.model_path is None:
        from assistant.local_model import bundled_gguf

        path = bundled_gguf(home)
    else:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            raise LLMUnavailableError(f"the local LLM file {path} does not exist: fix GROUNDED_LLM__MODEL_PATH, "
                                      "or unset it to use the bundled model (run `make llm`)")
    return LlamaCppLLM(settings, path)


@dataclass(frozen=True)
class Backend:
    """One LLM backend: `build(settings, home) -> LLM` (may raise ConfigError / LLMUnavailableError) and
    `problem(settings, home, connect) -> str | None`, why it cannot answer, found in milliseconds without loading it."""

    build: Callable[[LLMSettings, Path], LLM]
    problem: Callable[[LLMSettings, Path, bool], str | None] = lambda settings, home, connect: None


BACKENDS: Registry[Backend] = Registry("LLM backend", "GROUNDED_LLM__BACKEND", discover=[("assistant", "llm_*")])


_cache: dict[str, LLM] = {}
_cache_lock = threading.Lock()


def make_llm(settings: LLMSettings, home: Path) -> LLM:
    """The LLM the settings name, built once per process and settings (a GGUF takes seconds to load)."""
    backend = BACKENDS.get(settings.backend)  # ConfigError listing the known backends
    blob = settings.model_dump(mode="json")
    blob["api_key"] = settings.api_key.get_secret_value() if settings.api_key else None
    key = json.dumps([blob, str(Path(home).resolve())], sort_keys=True, default=str)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = backend.build(settings, Path(home))
        return _cache[key]


def llm_problem(settings: LLMSettings, home: Path, *, connect: bool = False) -> str | None:
    """Why the configured LLM cannot answer, found without loading it (milliseconds); None when it should.

    An unknown backend name; else the backend's own check (its packages installed, the GGUF file or the bundled
    parts, the server URL; `connect=True` also opens a TCP connection to a server, 2 s at most)."""
    if settings.backend not in BACKENDS:
        return BACKENDS.unknown(settings.backend)
    return BACKENDS.get(settings.backend).problem(settings, Path(home), connect)


def _openai_problem(settings: LLMSettings, home: Path, connect: bool) -> str | None:
    from importlib.util import find_spec

    if not settings.url:
        return "the openai LLM backend needs a server: set GROUNDED_LLM__URL (e.g. http://127.0.0.1:8080/v1)"
    if find_spec("openai") is None:
        return f"the openai LLM backend is not installed: {OPENAI_FIX}"
    return _unreachable(settings.url) if connect else None


def _llamacpp_problem(settings: LLMSettings, home: Path, connect: bool) -> str | None:
    from importlib.util import find_spec

    try:
        missing = find_spec("llama_cpp") is None or find_spec("llama_index.llms.llama_cpp") is None
    except ModuleNotFoundError:
        missing = True
    if missing:
        return f"the local LLM backend (llama-cpp-python) is not installed: {LLAMACPP_FIX}"
    if settings.model_path is not None:
        path = Path(settings.model_path).expanduser()
        return None if path.is_file() else (f"the local LLM file {path} does not exist: fix GROUNDED_LLM__MODEL_PATH, "
                                            "or unset it to use the bundled model (run `make llm`)")
    from assistant import local_model

    if local_model.is_assembled(Path(home)):
        return None
    try:
        local_model.part_paths()
    except GroundedError as exc:
        return str(exc)
    return None


def _unreachable(url: str) -> str | None:
    """None when a TCP connection to the URL's host and port opens within 2 s, else why not."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname:
        return f"GROUNDED_LLM__URL must look like http://host:port/v1, not {url!r}"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=2.0):
            return None
    except OSError as exc:
        return f"cannot reach the LLM server at {url}: {exc.strerror or exc.__class__.__name__}; is it running?"


BACKENDS.register("llamacpp", Backend(_llamacpp, _llamacpp_problem))
BACKENDS.register("openai", Backend(lambda settings, home: OpenAICompatibleLLM(settings), _openai_problem))
