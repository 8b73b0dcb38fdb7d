"""Shared state on real servers: one hash-embedder index of corpus/, one PostgreSQL and one Redis for tests/scale.

`start_workers(home, env, n)` serves that index with `serve --workers n` (the test fakes registered in every worker
through site/sitecustomize.py, so the hash embedder loads in a second) and waits until every worker answers /readyz.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api.fakes import Server, free_port
from tests.helpers import CORPUS, ROOT
from tests.scale.servers import running_postgres, running_redis

FAST_ENV = {"GROUNDED_EMBED__MODEL": "hash", "GROUNDED_CLEAN__OFFTOPIC": "false", "GROUNDED_API__WARM_UP": "false",
            "GROUNDED_API__PRELOAD_LLM": "false", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
SITE = Path(__file__).parent / "site"
QUESTION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"


@pytest.fixture(scope="package")
def index_home(tmp_path_factory) -> Path:
    """An index of corpus/ built with the hash embedder (the server reads it with the same settings)."""
    from assistant.settings import AssistantSettings
    from ingest.pipeline import run
    from kernel.settings import CleanSettings, EmbedSettings

    home = tmp_path_factory.mktemp("scale-index")
    report = run([CORPUS], AssistantSettings(home=home, embed=EmbedSettings(model="hash"),
                                             clean=CleanSettings(offtopic=False)))
    assert report.exit_code == 0 and len(report.added) == 5, report
    return home


@pytest.fixture
def home(index_home, tmp_path) -> Path:
    """A fresh GROUNDED_HOME (own audit log, keys) sharing the package's index."""
    h = tmp_path / "home"
    h.mkdir()
    (h / "index").symlink_to(index_home / "index")
    return h


@pytest.fixture(scope="package")
def postgres():
    try:
        with running_postgres() as pg:
            yield pg
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="package")
def redis_url():
    try:
        with running_redis() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


def start_workers(home: Path, env: dict[str, str], workers: int, timeout: float = 90.0) -> Server:
    """`python -m assistant serve --workers N` (the fakes registered in every worker by site/sitecustomize.py) on a free port; returns once /readyz has
    answered 200 ten times in a row (connections go to either worker; each loads the index itself)."""
    port = free_port()
    log = home / f"server-{port}.log"
    pythonpath = os.pathsep.join([str(SITE), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    full_env = {**os.environ, **FAST_ENV, "GROUNDED_HOME": str(home), "PYTHONPATH": pythonpath, **env}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port),
                                 "--workers", str(workers), "--no-access-log"], cwd=ROOT, env=full_env, stdout=out,
                                stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", home, proc, log, 0.0)
    t0, streak = time.monotonic(), 0
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.output()}")
        try:
            streak = streak + 1 if httpx.get(f"{server.url}/readyz", timeout=5).status_code == 200 else 0
        except httpx.HTTPError:
            streak = 0
        if streak >= 10 * workers:
            server.cold_start_s = time.monotonic() - t0
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"the workers were not ready within {timeout} s:\n{server.output()}")


def worker_pids(server: Server) -> list[int]:
    """The uvicorn worker processes under the server's supervisor: its children started by multiprocessing's
    `spawn_main` (the resource tracker and any exited child left out). `-ww`: without it ps cuts the command line at
    80 columns when its output is not a terminal, and in a clone with a longer path (CI's /check/work/main) the cut
    fell inside "resource_tracker", which then counted as a third worker."""
    out = subprocess.run(["ps", "-ww", "-o", "pid=,stat=,args=", "--ppid", str(server.proc.pid)],
                         capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines() if line.strip()]
    return [int(pid) for pid, stat, args in rows if "spawn_main" in args and not stat.startswith("Z")]
