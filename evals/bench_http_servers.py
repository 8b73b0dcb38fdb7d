"""The processes `python -m evals.bench_http` starts and watches: the API server (`serve --workers N`), a Chroma
server with the corpus ingested into it, and their memory and CPU time read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process and its children (the workers of `serve --workers N`), in MB."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in (children.read_text().split() if children.exists() else []):
        total += rss_mb(int(child))
    return total


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (the workers of `serve --workers N`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return total + sum(cpu_s(int(c)) for c in (children.read_text().split() if children.exists() else []))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path | None, state: Path, workers: int = 1, audit_url: str | None = None,
                 limits_url: str | None = None) -> tuple[subprocess.Popen, str, float]:
    """A server on a free loopback port: rate limits off, no keys, audit log under `state`. Returns (process, url,
    seconds from spawn to /readyz 200, 10 x workers times in a row). `audit_url` puts the audit log there instead (an
    empty PostgreSQL database); `limits_url` counts every request in that storage (Redis) against a limit never
    reached."""
    import httpx

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GROUNDED_API__RATE_LIMIT": "",
           "GROUNDED_API__RATE_LIMIT_OTHER": "", "GROUNDED_API__PRELOAD_LLM": "false",
           "GROUNDED_API__KEYS_FILE": str(state / "keys.json"),
           "GROUNDED_API__AUDIT_URL": f"sqlite:///{state / 'audit.sqlite'}", "GROUNDED_AUDIT__URL": audit_url or ""}
    if limits_url:
        env |= {"GROUNDED_LIMITS__STORAGE_URL": limits_url, "GROUNDED_API__RATE_LIMIT": "1000000/minute",
                "GROUNDED_API__RATE_LIMIT_OTHER": "1000000/minute"}
    cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--no-access-log", "--workers", str(workers)]
    if home:
        cmd += ["--home", str(home)]
    t0 = time.monotonic()
    with open(state / "server.log", "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url, streak = f"http://127.0.0.1:{port}", 0
    while time.monotonic() - t0 < 300:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {(state / 'server.log').read_text()[-2000:]}")
        try:  # each connection goes to whichever worker accepts it first: a loading one may rarely win it
            streak = streak + 1 if httpx.get(f"{url}/readyz", timeout=2).status_code == 200 else 0
        except httpx.HTTPError:
            streak = 0
        if streak >= 10 * workers:
            return proc, url, time.monotonic() - t0
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server was not ready within 300 s")


def chroma_home(state: Path, corpus: Path) -> tuple[subprocess.Popen, Path]:
    """A `chroma run` server on a free loopback port (its data under `state`) and a new home under `state` with
    `corpus` ingested into it; GROUNDED_STORE__CHROMA_URL is set in this process's environment (the in-process
    assistant, ingest and the server read it). Returns (the Chroma server's process, the home)."""
    import shutil

    import httpx

    url, exe = f"http://127.0.0.1:{free_port()}", shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen([exe, "run", "--path", str(state / "chroma"), "--host", "127.0.0.1", "--port",
                             url.rsplit(":", 1)[1]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while not _answers(httpx, f"{url}/api/v2/heartbeat"):
        if time.monotonic() - t0 > 60 or proc.poll() is not None:
            proc.kill()
            raise SystemExit("the Chroma server did not answer within 60 s")
        time.sleep(0.2)
    os.environ["GROUNDED_STORE__CHROMA_URL"] = url
    home = state / "home"
    done = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--home", str(home), "--quiet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode:
        proc.kill()
        raise SystemExit(f"ingest into the Chroma server failed: {done.stderr[-2000:]}")
    return proc, home


def _answers(httpx, url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
