"""ingest.lock: one ingest per index; a second is refused at once naming the holder's pid, and the lock is free again
when its holder leaves or dies."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ingest.lock import IndexLock
from kernel.errors import IndexLockedError
from tests.helpers import ROOT


def test_the_lock_records_the_holders_pid_and_creates_its_directory(tmp_path):
    path = tmp_path / "new" / "ingest.lock"
    with IndexLock(path) as lock:
        assert lock.fd is not None and path.read_text() == str(os.getpid())
    assert lock.fd is None


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path):
    path = tmp_path / "ingest.lock"
    with IndexLock(path), pytest.raises(IndexLockedError) as err, IndexLock(path):
        pass
    assert f"(pid {os.getpid()})" in str(err.value) and str(tmp_path) in str(err.value)


def test_the_lock_is_free_again_after_release_and_after_an_exception(tmp_path):
    path = tmp_path / "ingest.lock"
    with pytest.raises(ValueError), IndexLock(path):
        raise ValueError("boom")
    with IndexLock(path) as again:  # not refused
        assert again.fd is not None


def test_a_killed_holder_leaves_no_lock_behind(tmp_path):
    path = tmp_path / "ingest.lock"
    code = ("import os, sys; from pathlib import Path; from ingest.lock import IndexLock; "
            f"IndexLock(Path({str(path)!r})).__enter__(); print('held', flush=True); os.kill(os.getpid(), 9)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout == "held\n" and done.returncode == -9
    with IndexLock(path):
        assert path.read_text() == str(os.getpid())  # the dead holder's pid is overwritten
