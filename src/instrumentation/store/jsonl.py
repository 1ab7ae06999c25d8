"""The JSONL store: one JSON object per line, append-only, safe with several writing processes.

Each row is one whole line (ending in "\\n") written with a single `os.write` on a file descriptor
opened with `O_APPEND`: the kernel moves to the end and writes in one step, so lines from several
processes never interleave (Linux and the BSDs do this for local files; NFS does not). The fsync
policy: `os.fsync` once per batch, after its lines, so that a batch reported written survives a
power cut, not only a crash of the process.

A writer killed mid-line (SIGKILL during a huge write) can leave a torn last line: readers skip a
line that is not whole JSON, and the next writer to open the file ends that line first, so its own
rows start on a fresh one. To tell a torn line from one being written, writers hold a shared
`flock` on the file while they write, and a writer opening the file takes it exclusively.

Each row carries `"schema_version"`; a file whose last row is of a newer version than this code
writes is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .schema import SCHEMA_VERSION, StoreVersionError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, no torn-line repair either.
    fcntl = None  # type: ignore[assignment]

_TAIL_BYTES = 1 << 16
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (TypeError, ValueError)


class PartialWrite(OSError):
    """Some rows of a batch were written before the failure: `written` of them, in order."""

    def __init__(self, written: int, error: OSError) -> None:
        super().__init__(error.errno, f"{error.strerror or error} after {written} rows")
        self.written = written


class JsonlStore:
    permanent_errors = PERMANENT_ERRORS

    def __init__(self, path: Path, *, fsync: bool = True) -> None:
        self.path = path
        self.description = f"jsonl://{self.path}"
        self._fsync = fsync
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise ValueError(f"cannot open the JSONL store {self.path}: {error.strerror or error}") from None
        try:
            self.found_version = self._check_tail()
        except BaseException:
            os.close(self._fd)
            raise

    def _check_tail(self) -> int:
        """The version of the last whole row (refusing a newer one); ends a torn last line."""
        with self._locked(exclusive=True), open(self.path, "rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _TAIL_BYTES))
            tail = file.read()
            # No writer is writing now (each holds a shared lock while it does): an unfinished last
            # line is a killed writer's. End it, so that our rows start on lines of their own.
            if tail and not tail.endswith(b"\n") and fcntl is not None:
                os.write(self._fd, b"\n")
        for line in reversed(tail.splitlines()):
            row = _parse(line)
            if row is None:
                continue
            version = row.get("schema_version")
            if isinstance(version, int) and version > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"store {self.description} has rows of schema version {version}, newer than the "
                    f"version {SCHEMA_VERSION} this code writes: upgrade litellm-instrumentation to use it"
                )
            return version if isinstance(version, int) else SCHEMA_VERSION
        return SCHEMA_VERSION

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        lines = [encode(row) for row in rows]  # Encoding errors surface before anything is written.
        if not lines:
            return
        with self._locked(exclusive=False):
            for written, line in enumerate(lines):
                try:
                    sent = os.write(self._fd, line)
                    while sent < len(line):  # Only on a full disk or a signal: finish the line.
                        sent += os.write(self._fd, line[sent:])
                except OSError as error:
                    raise PartialWrite(written, error) from error
        if self._fsync:
            os.fsync(self._fd)

    @contextlib.contextmanager
    def _locked(self, *, exclusive: bool) -> Iterator[None]:
        """Writers share the file's advisory lock while they write; a writer opening the file takes it
        alone, so that it reads no line another is still writing."""
        if fcntl is None:
            yield
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def encode(row: dict[str, Any]) -> bytes:
    return (json.dumps({"schema_version": SCHEMA_VERSION, **row}, allow_nan=False) + "\n").encode()


def _parse(line: bytes) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) else None
