"""A fake OpenAI-compatible LLM server on loopback for the API tests, and helpers to run a real server process.

The fake answers from the prompt it is sent: it quotes the first numbered passage word for word and cites it
(`"<passage 1> [1]"`), which verification keeps. `mode` switches it: `"slow"` streams at least 40 words, one a second
(`delay`), past the server's LLM deadline, `"down"` answers 500, `"junk"` answers a sentence no passage supports.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

PASSAGE = re.compile(r"^\[1\] \([^)]*\) (.+)$", re.M)


class FakeLLM(BaseHTTPRequestHandler):
    mode = "quote"
    delay = 1.0  # seconds between words in "slow" mode
    calls = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls += 1
        if self.mode == "down":
            return self._json(500, {"error": {"message": "model crashed"}})
        prompt = body["messages"][-1]["content"]
        found = PASSAGE.search(prompt)
        quote = f"{found.group(1)} [1]" if found else ""
        reply = quote if self.mode in ("quote", "slow") and quote else "The moon is made of cheese [1]."
        if self.mode == "slow":  # at least 40 words: past any deadline the tests set
            reply = " ".join([reply] * (1 + 40 // len(reply.split(" "))))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i, word in enumerate(reply.split(" ")):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                     "choices": [{"index": 0, "delta": {"content": word if i == 0 else " " + word},
                                  "finish_reason": None}]}
            try:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            except OSError:
                return
            if self.mode == "slow":
                time.sleep(self.delay)
        self.wfile.write(b"data: [DONE]\n\n")

    def _json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start_fake_llm() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/v1"


@contextmanager
def fake_llm_server() -> Iterator[str]:
    """The fake OpenAI-compatible LLM server (start_fake_llm) for the duration of the block; yields its /v1 URL."""
    server, url = start_fake_llm()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A `python -m assistant serve` process on a free loopback port."""

    url: str
    home: Path
    proc: subprocess.Popen
    log: Path
    cold_start_s: float
    key: str | None = None

    def headers(self, key: str | None = "default") -> dict:
        key = self.key if key == "default" else key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(root: Path, home: Path, env: dict[str, str], *args: str, ready_timeout: float = 180.0) -> Server:
    """Start a server and wait for /readyz 200; the log (stdout and stderr) goes to home/server.log."""
    port = free_port()
    log = home / f"server-{port}.log"
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GROUNDED_HOME": str(home),
                "GROUNDED_API__PRELOAD_LLM": "false", **env}
    t0 = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port), *args], cwd=root,
                                env=full_env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", home, proc, log, 0.0)
    while time.monotonic() - t0 < ready_timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                server.cold_start_s = time.monotonic() - t0
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server was not ready within {ready_timeout} s:\n{server.output()}")


def sse_events(text: str) -> list[tuple[str | None, str]]:
    """(event, data) pairs of a server-sent event stream (comments skipped)."""
    out = []
    for block in text.split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            out.append((event, "\n".join(data)))
    return out
