"""Real PostgreSQL and Redis servers for the scale tests, from the system packages (`make test` installs them with
apt), each in a temporary directory on a free loopback port, stopped afterwards.

PostgreSQL refuses to run as root: as root, its data directory is given to the `postgres` system user (made by the
Debian package; else `nobody`) and every command runs through `runuser`. The binaries are looked up in
GROUNDED_PG_BIN, then /usr/lib/postgresql/<newest>/bin (Debian's place), then PATH.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.api.fakes import free_port


def pg_binary(name: str) -> str | None:
    """The path of PostgreSQL's `name` (initdb, pg_ctl), or None when PostgreSQL is not installed."""
    dirs = [os.environ.get("GROUNDED_PG_BIN", "")]
    dirs += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name)
                   if Path(d).parent.name.isdigit() else 0, reverse=True)
    for d in dirs:
        if d and os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    return shutil.which(name)


def _run_as() -> list[str]:
    """The prefix that runs a PostgreSQL command as a non-root user ([] when we are not root)."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
            return ["runuser", "-u", user, "--"]
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


@dataclass
class Postgres:
    """A PostgreSQL cluster in `data` listening on 127.0.0.1:`port`; `url` is the audit URL (user `grounded`)."""

    data: Path
    port: int
    prefix: list[str]
    pg_ctl: str

    @property
    def url(self) -> str:
        return f"postgresql://grounded@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-o", options, "-l",
                        str(self.data / "server.log"), "-w", "-t", "60", "start"], check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run([*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"],
                       check=False, capture_output=True)

    def log(self) -> str:
        path = self.data / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def running_postgres() -> Iterator[Postgres]:
    """initdb into a fresh directory, start, yield, stop and remove. RuntimeError with the output if it fails."""
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("PostgreSQL is not installed (initdb/pg_ctl not found): `make test` installs the "
                           "Debian package postgresql")
    prefix = _run_as()
    base = Path(tempfile.mkdtemp(prefix="grounded-pg-"))
    data = base / "data"
    data.mkdir(mode=0o700)
    if prefix:
        user = prefix[2]
        os.chmod(base, 0o755)
        shutil.chown(data, user=user, group=pwd.getpwnam(user).pw_gid)
    done = subprocess.run([*prefix, initdb, "-D", str(data), "-U", "grounded", "--auth=trust", "-E", "UTF8",
                           "--no-sync", "--no-instructions"], capture_output=True, text=True)
    if done.returncode:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
    pg = Postgres(data, free_port(), prefix, pg_ctl)
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


def redis_binary() -> str | None:
    return shutil.which("redis-server") or next((p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server")
                                                 if os.access(p, os.X_OK)), None)


@contextmanager
def running_redis() -> Iterator[str]:
    """A redis-server on a free loopback port, no persistence, in a temporary directory; yields its URL."""
    binary = redis_binary()
    if not binary:
        raise RuntimeError("redis-server is not installed: `make test` installs the Debian package redis-server")
    base = Path(tempfile.mkdtemp(prefix="grounded-redis-"))
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(base), "--daemonize", "no", "--logfile", str(base / "redis.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {(base / 'redis.log').read_text(errors='replace')}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(base, ignore_errors=True)
