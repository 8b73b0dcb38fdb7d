"""One ingest at a time per index: an OS file lock, released even when the process is killed."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from kernel.errors import IndexLockedError


class IndexLock:
    """`with IndexLock(path):` holds an exclusive lock or raises IndexLockedError at once with a clear message."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise IndexLockedError(
                f"another ingest is already running on {self.path.parent} (pid {holder}); "
                "wait for it to finish, then run again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
