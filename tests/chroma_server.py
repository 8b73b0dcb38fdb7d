"""A `chroma run` server for tests, defined once: a test can kill it (SIGKILL), pause it, and start it again
on the same port and data directory."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.api.fakes import free_port


class ChromaProcess:
    """`chroma run --path PATH` on a loopback port chosen once: `start()` (waits for the heartbeat, 60 s at most),
    `kill()` (SIGKILL, no shutdown), `stop()`; `url` stays the same across restarts."""

    def __init__(self, path: Path):
        self.exe = Path(shutil.which("chroma") or Path(sys.executable).parent / "chroma")
        self.path, self.port = path, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> float:
        """Start the server; the seconds until its heartbeat answered. RuntimeError when it did not."""
        if not self.exe.exists():
            raise RuntimeError("the `chroma` command of the chromadb package is missing")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([str(self.exe), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while time.monotonic() - t0 < timeout:
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1)
                return time.monotonic() - t0
            except OSError:
                if self.proc.poll() is not None:  # the port may still be held by the killed one: try again
                    time.sleep(0.5)
                    self.proc = subprocess.Popen(self.proc.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"the Chroma server did not answer within {timeout:g} s")

    def pause(self) -> None:
        """SIGSTOP: the server holds its connections and answers nothing (a hung server)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def chroma_server(path: Path) -> Iterator[ChromaProcess]:
    """A started `ChromaProcess` storing under `path` (its heartbeat answered); pytest.fail with the reason when it
    did not start within 60 s or the `chroma` command is missing; stopped (SIGTERM, then SIGKILL after 30 s) on exit."""
    import pytest

    server = ChromaProcess(path)
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()
