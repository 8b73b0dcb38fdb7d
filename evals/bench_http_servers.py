"""The processes `python -m evals.bench_http` starts and watches: the API server (`serve --workers N`), a Chroma
server with the corpus ingested into it or a home's embedded collection copied into it (`copy_collection`), and
their memory and CPU time read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_each(pid: int) -> list[tuple[int, float]]:
    """(pid, resident memory in MB) of a process and each of its children, the process first."""
    mine = sum(int(line.split()[1]) / 1024 for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [(pid, mine)] + [x for c in (children.read_text().split() if children.exists() else [])
                            for x in rss_each(int(c))]


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process and its children (the workers of `serve --workers N`), in MB."""
    return sum(mb for _, mb in rss_each(pid))


def rss_line(pid: int) -> str:
    """Resident memory of the server `pid` per process: the supervisor, each worker, other children (the resource
    tracker), and their total."""
    parts = []
    for n, (p, mb) in enumerate(rss_each(pid)):
        cmd = Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace") if n else ""
        kind = "server" if not n else "worker" if "spawn_main" in cmd else "other child"
        parts.append(f"{kind} {mb:.0f} MB")
    return ", ".join(parts) + f"; total {rss_mb(pid):.0f} MB"


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
                 limits_url: str | None = None, timeout: float = 300.0) -> tuple[subprocess.Popen, str, float]:
    """A server on a free loopback port: rate limits off, no keys, audit log under `state`. Returns (process, url,
    seconds from spawn to /readyz 200, 10 x workers times in a row); SystemExit when it is not ready within `timeout`
    seconds (the server stopped first, its workers with it). `audit_url` puts the audit log there instead (an
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
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {(state / 'server.log').read_text()[-2000:]}")
        try:  # each connection goes to whichever worker accepts it first: a loading one may rarely win it
            streak = streak + 1 if httpx.get(f"{url}/readyz", timeout=2).status_code == 200 else 0
        except httpx.HTTPError:
            streak = 0
        if streak >= 10 * workers:
            return proc, url, time.monotonic() - t0
        time.sleep(0.05)
    proc.terminate()  # SIGTERM: the supervisor stops its workers (a SIGKILL would leave them running)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
    raise SystemExit(f"the server was not ready within {timeout:g} s (--ready-timeout)")


def start_chroma(state: Path) -> tuple[subprocess.Popen, str]:
    """A `chroma run` server on a free loopback port, its data under `state / "chroma"`, once its heartbeat answers;
    GROUNDED_STORE__CHROMA_URL is set to it in this process's environment (the in-process assistant, ingest and the
    API server started afterwards read it). Returns (its process, its URL)."""
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
    return proc, url


def chroma_home(state: Path, corpus: Path) -> tuple[subprocess.Popen, Path]:
    """A Chroma server (`start_chroma`) and a new home under `state` with `corpus` ingested into it. Returns (the
    Chroma server's process, the home)."""
    proc, _ = start_chroma(state)
    home = state / "home"
    done = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--home", str(home), "--quiet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode:
        proc.kill()
        raise SystemExit(f"ingest into the Chroma server failed: {done.stderr[-2000:]}")
    return proc, home


def chroma_copy(data: Path, home: Path) -> subprocess.Popen:
    """A Chroma server (`start_chroma`, its data under `data`) holding a copy of the embedded collection of `home`
    (`copy_collection`; not copied again when `data` already holds it): served with `home`, whose manifest and BM25
    index go with that collection, it is the same index in a server. Returns the Chroma server's process."""
    proc, url = start_chroma(data)
    try:
        copy_collection(home, url, say=lambda msg: print(msg, flush=True))
    except BaseException:
        proc.kill()
        raise
    return proc


def copy_collection(home: Path, url: str, batch: int = 5000, say=None) -> int:
    """Copy every record (id, vector, text, metadata) of the embedded Chroma collection under `home` into the
    Chroma server at `url` (unless it holds exactly those ids already), `batch` records a request, through the product's store (`ingest.chroma_store`); the
    collection's metadata (its shaping hash) is copied too, so the server's collection says how it was built, as the
    embedded one does. The number of records copied; RuntimeError when the server then holds another number."""
    from ingest.chroma_store import ChromaStore
    from kernel.settings import load_settings

    settings = load_settings(home)
    src = ChromaStore(settings.model_copy(update={"store": settings.store.model_copy(update={"chroma_url": None})}))
    dst = ChromaStore(settings.model_copy(update={"store": settings.store.model_copy(update={"chroma_url": url})}))
    dst.col.modify(metadata=dict(src.col.metadata or {}))
    ids, t0 = sorted(src.ids()), time.monotonic()
    if dst.ids() == set(ids):  # copied before (the same data directory)
        if say:
            say(f"the Chroma server at {url} holds the {len(ids):,} chunks already: not copied again")
        return len(ids)
    for i in range(0, len(ids), batch):
        got = src.col.get(ids=ids[i:i + batch], include=["embeddings", "documents", "metadatas"])
        dst.upsert(got["ids"], got["embeddings"], got["documents"], got["metadatas"])
        if say:
            say(f"copied {min(i + batch, len(ids)):,} of {len(ids):,} chunks to {url} ({time.monotonic() - t0:.0f} s)")
    if dst.count() != len(ids):
        raise RuntimeError(f"the Chroma server holds {dst.count()} chunks, the embedded collection {len(ids)}")
    return len(ids)


def _answers(httpx, url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
