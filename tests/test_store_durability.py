"""No row lost: several processes writing at once, a writer killed with SIGKILL, a store that refuses
writes for a while (retries with back-off, the retry buffer, and the one error that counts the rows)."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SpanExportResult

from instrumentation.store import StoreSpanExporter

from .test_store_support import chat_attributes, llm_span, stored_rows

ROOT = Path(__file__).resolve().parents[1]


def writer(url: str, tag: str, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.test_store_support", url, tag, *options]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sessions_of(url: str) -> Counter:
    return Counter(row["session_id"] for row in stored_rows(url))


# -- several processes ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_four_processes_writing_at_once_lose_and_tear_nothing(kind, tmp_path):
    url = f"{tmp_path}/calls.jsonl" if kind == "jsonl" else f"sqlite:///{tmp_path}/calls.db"
    start_at = str(time.time() + 1.5)  # All four start writing at the same moment.
    # Rows of ~5 KiB: more than a page, more than PIPE_BUF, still one whole line each.
    options = ("--batches", "10", "--size", "50", "--pad", "5000", "--start-at", start_at)
    writers = [writer(url, f"w{index}", *options) for index in range(4)]
    for process in writers:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert len(out.splitlines()) == 10

    if kind == "jsonl":
        lines = (tmp_path / "calls.jsonl").read_bytes().split(b"\n")
        assert lines.pop() == b""  # The file ends with a whole line.
        rows = [json.loads(line) for line in lines]  # Every line is whole JSON.
        assert len(rows) == len({row["id"] for row in rows}) == 2000
        assert all(len(row["extras"]["llm.test.padding"]) == 5000 for row in rows)
    sessions = sessions_of(url)
    assert sessions == {f"w{index}-{batch}": 50 for index in range(4) for batch in range(10)}


# -- a writer killed -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["jsonl", "sqlite"])
def test_a_writer_killed_mid_run_loses_no_row_it_reported_written(kind, tmp_path):
    url = f"jsonl://{tmp_path}/calls.jsonl" if kind == "jsonl" else f"sqlite:///{tmp_path}/calls.db"
    process = writer(url, "k", "--batches", "0", "--size", "50", "--pad", "3000")
    reported = []
    deadline = time.monotonic() + 30
    while len(reported) < 8 and time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        reported.append(line.split())
    os.kill(process.pid, signal.SIGKILL)  # Mid-run: the next batch is on its way.
    out, _ = process.communicate(timeout=30)
    reported += [line.split() for line in out.splitlines()]
    assert process.returncode == -signal.SIGKILL
    assert len(reported) >= 8

    sessions = sessions_of(url)  # The store opens ...
    for tag, batch, size in reported:  # ... and holds every row reported written.
        assert sessions[f"{tag}-{batch}"] == int(size), (tag, batch)
    if kind == "sqlite":
        with sqlite3.connect(tmp_path / "calls.db") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # The next writer carries on, on lines of its own.
    exporter = StoreSpanExporter(url)
    assert (
        exporter.export([llm_span(chat_attributes(**{"llm.context.session_id": "after"}))]).name == "SUCCESS"
    )
    exporter.shutdown()
    assert sessions_of(url)["after"] == 1
    if kind == "jsonl":
        last = (tmp_path / "calls.jsonl").read_bytes().split(b"\n")[-2]
        assert json.loads(last)["session_id"] == "after"


# -- a store that refuses writes for a while -----------------------------------------------------


class Lock:
    """Another connection holding SQLite's write lock: every write fails with "database is locked"."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.connection.execute("COMMIT")
        self.connection.close()


@pytest.fixture
def locked_store(tmp_path):
    """(url, path) of a SQLite store whose writers give up on a lock after 50 ms."""
    path = tmp_path / "llm_usage.db"
    return f"sqlite:///{path}?timeout=0.05", path


def errors(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def spans(count: int, session: str = "s") -> list:
    return [llm_span(chat_attributes(**{"llm.context.session_id": session})) for _ in range(count)]


def test_a_failed_write_is_retried_with_back_off(locked_store, caplog):
    url, path = locked_store
    exporter = StoreSpanExporter(url, retries=3, backoff=0.1)
    lock = Lock(path)
    threading.Timer(0.15, lock.release).start()  # Free again after the first retries.

    started = time.monotonic()
    assert exporter.export(spans(3)) is SpanExportResult.SUCCESS
    assert time.monotonic() - started >= 0.1
    exporter.shutdown()
    assert errors(caplog) == []
    assert sessions_of(url) == {"s": 3}


def test_a_write_that_still_fails_is_reported_with_its_count_and_kept(locked_store, caplog):
    url, path = locked_store
    exporter = StoreSpanExporter(url, retries=2, backoff=0.01)
    lock = Lock(path)
    assert exporter.export(spans(3, "first")) is SpanExportResult.FAILURE
    (message,) = errors(caplog)
    assert message.startswith(f"could not store 3 rows in {url}: OperationalError: database is locked")
    assert message.endswith("3 kept in memory to retry with the next export")

    lock.release()  # The store is back: the kept rows are written with the next batch.
    assert exporter.export(spans(2, "second")) is SpanExportResult.SUCCESS
    exporter.shutdown()
    assert len(errors(caplog)) == 1
    assert sessions_of(url) == {"first": 3, "second": 2}


def test_force_flush_writes_the_kept_rows(locked_store):
    url, path = locked_store
    exporter = StoreSpanExporter(url, retries=0)
    lock = Lock(path)
    assert exporter.export(spans(4)) is SpanExportResult.FAILURE
    assert exporter.force_flush() is False
    lock.release()
    assert exporter.force_flush() is True
    exporter.shutdown()
    assert sessions_of(url) == {"s": 4}


def test_rows_past_the_retry_buffer_are_counted_as_dropped(locked_store, caplog):
    url, path = locked_store
    exporter = StoreSpanExporter(url, retries=0, max_pending=2)
    lock = Lock(path)
    assert exporter.export(spans(3, "a")) is SpanExportResult.FAILURE
    assert errors(caplog)[-1].endswith(
        "1 dropped because the retry buffer holds 2 rows, 2 kept in memory to retry with the next export"
    )
    assert exporter.export(spans(1, "b")) is SpanExportResult.FAILURE
    assert "could not store 3 rows (2 of them from earlier exports)" in errors(caplog)[-1]
    lock.release()
    assert exporter.force_flush()
    exporter.shutdown()
    assert sessions_of(url) == {"a": 1, "b": 1}  # The newest rows were kept.


def test_rows_still_unwritten_at_shutdown_are_counted_as_lost(locked_store, caplog):
    url, path = locked_store
    exporter = StoreSpanExporter(url, retries=0)
    lock = Lock(path)
    assert exporter.export(spans(2)) is SpanExportResult.FAILURE
    exporter.shutdown()
    lock.release()
    assert errors(caplog)[-1] == (
        f"could not store 2 rows (all from earlier exports) in {url}: OperationalError: database is locked; "
        "2 lost: the exporter is shutting down"
    )
    assert len(errors(caplog)) == 2  # One for the export, one for the shutdown.
    assert exporter.export(spans(1)) is SpanExportResult.FAILURE
    assert errors(caplog)[-1] == f"could not store 1 row in {url}: the exporter is shut down"
