"""`serve`, `ask --url` and the fail-fast checks of `ask`, as a user runs them from a shell."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from assistant.api.serve import banner, check_address
from assistant.api.settings import ServerSettings
from kernel.errors import ConfigError
from tests.api.fakes import FakeLLM, free_port, start_server
from tests.helpers import ROOT

KESSLER = "Who is the Under Secretary of Commerce for Industry and Security?"


def run(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=timeout)


def test_ask_url_prints_what_ask_prints_in_process(server, api_home, keys):
    from assistant.answer import answer
    from assistant.api.render import format_answer

    out = run("ask", "--url", server.url, KESSLER, env={"GROUNDED_API_KEY": keys["tester"]})
    assert out.returncode == 0, out.stderr
    local = answer(KESSLER, settings=ServerSettings(home=api_home))
    assert out.stdout.rstrip("\n") == format_answer(local.as_dict())
    as_json = run("ask", "--url", server.url, "--api-key", keys["tester"], "--json", KESSLER)
    assert as_json.returncode == 0 and '"citations"' in as_json.stdout


def test_ask_url_streams_llm_tokens(server, keys):
    out = run("ask", "--url", server.url, "--api-key", keys["tester"], "--engine", "llm", "--stream", KESSLER)
    assert out.returncode == 0, out.stderr
    assert "Kessler" in out.stderr and "Sources" in out.stdout


def test_a_reader_that_stops_early_is_not_an_error(server, keys):
    """`ask ... | head`: the pipe is closed before the answer is printed; no BrokenPipeError, no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "ask", "--url", server.url, "--api-key",
                             keys["tester"], KESSLER], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before a byte is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and err == "", err


def test_ask_url_errors_are_one_line(server, keys):
    closed = f"http://127.0.0.1:{free_port()}"
    for args, code, needle in ((["--url", closed, KESSLER], 4, "is it running"),
                               (["--url", server.url, KESSLER], 2, "401"),
                               (["--url", server.url, "--api-key", keys["tester"], "  "], 1, "the question is empty"),
                               (["--url", server.url, "--api-key", keys["tester"], "--engine", "gpt-9", KESSLER], 2,
                                "known engines: extractive, llm")):  # the same exit code as asking in process
        out = run("ask", *args)
        assert out.returncode == code and needle in out.stderr, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_engine_llm_without_an_llm_fails_at_once(api_home):
    t0 = time.monotonic()
    out = run("ask", "--engine", "llm", "--home", str(api_home), KESSLER,
              env={"GROUNDED_LLM__BACKEND": "openai", "GROUNDED_LLM__URL": f"http://127.0.0.1:{free_port()}/v1"})
    elapsed = time.monotonic() - t0
    assert out.returncode == 4 and "cannot reach the LLM server" in out.stderr, out.stderr
    assert elapsed < 8, elapsed  # before the embedding model loads (that alone takes 10-20 s)


def test_stream_with_an_engine_that_does_not_stream_says_so(api_home):
    out = run("ask", "--stream", "--home", str(api_home), KESSLER)
    assert out.returncode == 0 and "extractive engine does not stream" in out.stderr


def test_a_public_address_without_keys_is_refused(tmp_path):
    settings = ServerSettings(home=tmp_path)
    with pytest.raises(ConfigError, match="refusing to serve on 0.0.0.0 without an API key"):
        check_address("0.0.0.0", free_port(), settings)
    out = run("serve", "--host", "0.0.0.0", "--port", str(free_port()), "--home", str(tmp_path), timeout=60)
    assert out.returncode == 2 and "keys add" in out.stderr and "Traceback" not in out.stderr
    assert check_address("127.0.0.1", free_port(), settings) is False


def test_a_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = run("serve", "--port", str(port), "--home", str(tmp_path), timeout=60)
    assert out.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_banner_shows_urls_and_a_curl_example():
    text = banner("127.0.0.1", 8000, keys=False)
    assert "http://127.0.0.1:8000/docs" in text and "curl -H 'content-type: application/json'" in text
    assert "http://127.0.0.1:8000/v1/ask" in text and "Bearer" not in text
    assert "Bearer $GROUNDED_API_KEY" in banner("0.0.0.0", 8000, keys=True)


@pytest.mark.slow
def test_two_workers_and_sigterm_lets_the_answer_in_flight_finish(api_home, fake_llm, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "index").symlink_to(api_home / "index")
    srv = start_server(ROOT, home, {"GROUNDED_LLM__BACKEND": "openai", "GROUNDED_LLM__URL": fake_llm,
                                    "GROUNDED_LLM__MODEL": "fake", "GROUNDED_API__LLM_DEADLINE_S": "60"},
                       "--workers", "2")
    try:
        streak = 0
        for _ in range(600):  # both workers ready (each loads the index itself; connections go to either)
            streak = streak + 1 if httpx.get(f"{srv.url}/readyz", timeout=5).status_code == 200 else 0
            if streak == 20:
                break
            time.sleep(0.1)
        assert streak == 20
        FakeLLM.mode, FakeLLM.delay = "slow", 0.2
        result: dict = {}
        t = threading.Thread(target=lambda: result.update(r=httpx.post(
            f"{srv.url}/v1/ask", json={"question": KESSLER, "engine": "llm"}, timeout=120)))
        t.start()
        time.sleep(3)
        srv.proc.send_signal(signal.SIGTERM)
        t.join(120)
        assert result["r"].status_code == 200 and result["r"].json()["engine"] == "llm"
        assert srv.proc.wait(60) in (0, -15)
        log = srv.output()
        assert log.count("Finished server process") == 2 and "Traceback" not in log, log
    finally:
        FakeLLM.mode, FakeLLM.delay = "quote", 1.0
        srv.stop()


def test_a_server_without_an_index_answers_503_and_keeps_serving(tmp_path):
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with open(tmp_path / "server.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port), "--home",
                                 str(tmp_path / "empty")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        body = {}
        for _ in range(600):
            try:
                r = httpx.get(f"{url}/readyz", timeout=2)
                body = r.json()
                if body["status"] == "unavailable":
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        assert r.status_code == 503 and "python -m ingest" in body["message"], body
        ask = httpx.post(f"{url}/v1/ask", json={"question": KESSLER}, timeout=10)
        assert ask.status_code == 503 and ask.json()["error"]["code"] == "index_unavailable"
        assert "python -m ingest" in ask.json()["error"]["message"] and ask.headers["retry-after"]
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)
    assert "Traceback" not in (tmp_path / "server.log").read_text()
