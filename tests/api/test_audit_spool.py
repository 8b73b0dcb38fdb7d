"""The audit spool file on its own: an append is fsynced by itself or by a later `sync` covering its position (and
the directory when the file is made), and replay reads every whole line of a file a crash left behind, skipping a
last line cut short mid-append with a warning. tests/api/test_audit.py covers the spool through AuditLog (a killed worker's rows written by the next one)."""

from __future__ import annotations

import logging
import os
import stat
from datetime import UTC, datetime, timedelta

from assistant.api.audit_spool import Spool, read

T0 = datetime(2026, 5, 14, 9, 30, tzinfo=UTC)


def _row(i: int, question: str = "Is testing a Huawei Ascend 910D in Malaysia a violation?") -> dict:
    return {"request_id": f"r{i:04d}", "created_at": T0 + timedelta(seconds=i), "question": question,
            "citations": [{"id": 1, "quote": "“anywhere in the world”"}], "status": 200}


def test_a_line_cut_short_by_a_crash_is_skipped_with_a_warning_and_the_whole_lines_are_replayed(tmp_path, caplog):
    spool = Spool(tmp_path / "spool")
    for i in range(3):
        spool.append(_row(i))
    spool.close()
    with open(spool.path, "ab") as f:
        f.write('{"request_id":"r0003","created_at":"2026-05-14T09:30:03+00:00","question":"Is Mü'.encode()[:-1])
    with caplog.at_level(logging.WARNING, logger="grounded.audit"):
        rows = read(spool.path)
    assert rows == [_row(0), _row(1), _row(2)]  # created_at parsed back to the same datetime
    assert [(r.levelname, "line 4" in r.getMessage() and "cut short" in r.getMessage()) for r in caplog.records] == \
        [("WARNING", True)]


def test_an_unreadable_line_before_the_last_is_skipped_with_an_error(tmp_path, caplog):
    spool = Spool(tmp_path)
    spool.append(_row(0))
    spool.close()
    with open(spool.path, "ab") as f:  # a torn line, valid JSON that is not a row, then a whole row
        f.write(b'{"request_id":"r0001","crea\n7\n{"request_id":"r0002"}\n')
    with caplog.at_level(logging.WARNING, logger="grounded.audit"):
        rows = read(spool.path)
    assert [r["request_id"] for r in rows] == ["r0000", "r0002"]
    name = spool.path.name
    assert [(r.levelname, r.getMessage().split(" skipped")[0]) for r in caplog.records] == \
        [("ERROR", f"audit spool {name} line 2"), ("ERROR", f"audit spool {name} line 3")]


def test_a_question_with_a_unicode_line_separator_stays_one_row(tmp_path):
    """json.dumps(ensure_ascii=False) leaves U+2028 and U+0085 unescaped: lines are split on "\\n" only."""
    spool = Spool(tmp_path)
    question = "First line\u2028second line\u0085third\x0bfourth?"
    spool.append(_row(0, question))
    spool.append(_row(1))
    assert [r["question"] for r in read(spool.path)] == [question, _row(1)["question"]]
    spool.close()


def test_each_append_is_fsynced_and_the_directory_when_the_file_is_created(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        synced.append("dir" if stat.S_ISDIR(mode) else f"file:{os.fstat(fd).st_size}")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    directory = tmp_path / "audit-spool" / "abc"
    spool = Spool(directory)
    assert synced == ["dir", "dir"]  # audit-spool/ and abc/ were made: each parent's entry made durable
    synced.clear()
    spool.append(_row(0))
    size = spool.path.stat().st_size
    assert synced == ["dir", f"file:{size}"]  # the new file's name, then its bytes
    spool.append(_row(1))
    assert synced == ["dir", f"file:{size}", f"file:{spool.path.stat().st_size}"]  # no directory sync again
    spool.close()
    synced.clear()
    again = Spool(directory)
    again.open()  # the file exists (rows not cleared): opened, not created
    assert synced == [] and [r["request_id"] for r in read(again.path)] == ["r0000", "r0001"]
    again.close()


def test_rows_appended_without_sync_are_fsynced_by_one_sync_and_a_covered_sync_does_none(tmp_path, monkeypatch):
    """The group commit at the spool's level: `append(sync=False)` returns its end position; one `sync()` makes
    every row appended before it durable; `sync(upto)` for a position an earlier fsync covered runs no fsync.
    tests/api/test_audit_durable.py holds `AuditLog.record` and the responses to that promise."""
    calls: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(os.fstat(fd).st_size), real_fsync(fd))[1])
    spool = Spool(tmp_path / "s")
    spool.open()
    calls.clear()
    ends = [spool.append(_row(i), sync=False) for i in range(5)]
    assert calls == [] and ends == sorted(ends) and ends[-1] == spool.path.stat().st_size == spool.appended
    assert spool.sync(ends[2]) == ends[-1] and calls == [ends[-1]]  # one fsync covered all five
    assert spool.sync(ends[4]) == ends[-1] and len(calls) == 1  # covered already: no fsync
    end = spool.append(_row(5), sync=False)
    assert spool.sync(end) == end and calls == [ends[-1], end] and len(read(spool.path)) == 6
    spool.clear()  # positions stay monotonic across the truncation
    assert spool.append(_row(6), sync=False) > end and spool.synced == end
    spool.close()
