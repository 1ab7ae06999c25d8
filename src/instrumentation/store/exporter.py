"""`StoreSpanExporter`: the OpenTelemetry span exporter that keeps one row per LLM span.

`export()` writes the batch before it returns. A failed write is retried with exponential back-off
(`retries` more attempts after 0.1 s, 0.2 s, 0.4 s by default). If it still fails, `export()` returns
FAILURE, logs one error with the number of rows it could not store, and keeps those rows in a
bounded in-memory buffer (`max_pending` rows): the next export, this exporter's `force_flush()` or
`shutdown()` writes them first, so a database that goes away and comes back loses nothing. (The
SDK's `provider.force_flush()` calls `export()` only when spans are queued.) Rows are only ever
dropped, each time with an error saying how many, when the buffer overflows (oldest first), when the
database refuses a row itself (bad data: the batch is retried row by row and only the refused rows
go), or when `shutdown()` still cannot write. A row's id is its span's, so a batch written twice
(its first write failed after the database committed it) is stored once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from .jsonl import PartialWrite
from .messages import brief
from .opening import Store, open_store
from .rows import is_gen_ai_span, is_llm_span, span_to_row
from .schema import StoreVersionError

logger = logging.getLogger(__name__)

Row = dict[str, Any]


class StoreSpanExporter(SpanExporter):
    """Write each LLM span (one carrying `llm.operation`) as one row; other spans are ignored.

    `url`: None for `sqlite:///llm_usage.db`; `sqlite:///path.db`; `jsonl:///abs/path/calls.jsonl` or
    any path ending in `.jsonl`; `postgresql+psycopg://user:password@host/db` or any SQLAlchemy URL.
    Raises ValueError for a URL no store can be made of, StoreVersionError for a store whose schema
    is newer than this code (or older, with `migrate=False`).
    """

    def __init__(
        self,
        url: str | os.PathLike[str] | None = None,
        *,
        migrate: bool = True,
        retries: int = 3,
        backoff: float = 0.1,
        max_pending: int = 10_000,
    ) -> None:
        if retries < 0 or backoff < 0 or max_pending < 0:
            raise ValueError("retries, backoff and max_pending must not be negative")
        self._store: Store = open_store(url, migrate=migrate)
        self._retries = retries
        self._backoff = backoff
        self._max_pending = max_pending
        self._pending: list[Row] = []
        self._lock = threading.Lock()  # SimpleSpanProcessor exports from any thread.
        self._shut_down = False
        self._warned_of_gen_ai_only = False

    @property
    def description(self) -> str:
        """The store's URL, without its password."""
        return self._store.description

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        rows: list[Row] = []
        unreadable = 0
        for span in spans:
            if not is_llm_span(span):
                if not self._warned_of_gen_ai_only and is_gen_ai_span(span):
                    self._warned_of_gen_ai_only = True
                    logger.warning(
                        "span %r carries gen_ai.* attributes but no llm.operation: not stored in %s "
                        "(the store reads the llm.* family, which this instrumentation emits unless "
                        "semconv='gen_ai'; other GenAI instrumentations' spans are not stored)",
                        span.name,
                        self.description,
                    )
                continue
            try:
                rows.append(span_to_row(span))
            except Exception:  # Never expected: a span the SDK built is always readable.
                unreadable += 1
                logger.debug("could not make a row of span %r", span.name, exc_info=True)
        if unreadable:
            logger.error(
                "could not store %s in %s: their spans could not be read", _rows(unreadable), self.description
            )
        with self._lock:
            if self._shut_down:
                if rows:
                    logger.error(
                        "could not store %s in %s: the exporter is shut down",
                        _rows(len(rows)),
                        self.description,
                    )
                return SpanExportResult.FAILURE
            written = self._write(rows)
        return SpanExportResult.SUCCESS if written and not unreadable else SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Write the rows kept from failed exports; True when none is left waiting."""
        if not self._lock.acquire(timeout=max(timeout_millis, 0) / 1000):
            return False
        try:
            return self._shut_down or self._write([])
        finally:
            self._lock.release()

    def shutdown(self) -> None:
        with self._lock:
            if self._shut_down:
                return
            self._shut_down = True
            self._write([], last=True)
            self._store.close()

    # -- under the lock --------------------------------------------------------------------------

    def _write(self, new_rows: list[Row], *, last: bool = False) -> bool:
        """Write what waits, then the new rows; keep what could not be written, unless this is the last
        write. True when all went."""
        earlier = len(self._pending)
        batch = self._pending + new_rows
        if not batch:
            return True
        unwritten, error = self._attempt(batch)
        refused: list[Row] = []
        if error is not None and isinstance(error, self._store.permanent_errors):
            unwritten, refused, error = self._isolate(unwritten)
        if not unwritten and not refused:
            self._pending = []
            return True
        self._pending = unwritten[-self._max_pending :] if self._max_pending and not last else []
        dropped = len(unwritten) - len(self._pending)
        self._log_failure(len(unwritten) + len(refused), earlier, refused, dropped, last, error)
        return False

    def _attempt(self, rows: list[Row]) -> tuple[list[Row], BaseException | None]:
        """Write with retries and back-off: (rows still unwritten, last error) -- ([], None) on success."""
        delay = self._backoff
        error: BaseException | None = None
        for attempt in range(self._retries + 1):
            try:
                self._store.write(rows)
                return [], None
            except PartialWrite as partial:
                rows, error = rows[partial.written :], partial
            except Exception as failure:
                error = failure
            if isinstance(error, (StoreVersionError, *self._store.permanent_errors)):
                break
            if attempt < self._retries:
                time.sleep(delay)
                delay *= 2
        return rows, error

    def _isolate(self, rows: list[Row]) -> tuple[list[Row], list[Row], BaseException | None]:
        """The store refused the batch itself: write row by row, so that only the rows it refuses are
        dropped. (rows still unwritten, rows refused, last error)."""
        refused: list[Row] = []
        error: BaseException | None = None
        for index, row in enumerate(rows):
            left, failure = self._attempt([row])
            if failure is None:
                continue
            error = failure
            if isinstance(failure, self._store.permanent_errors):
                refused.append(row)
            else:  # The store went away meanwhile: keep this row and the rest for later.
                return left + rows[index + 1 :], refused, error
        return [], refused, error

    def _log_failure(
        self, count: int, earlier: int, refused: list[Row], dropped: int, last: bool, error: Any
    ) -> None:
        kept = len(self._pending)
        fates = []
        if refused:
            fates.append(f"{len(refused)} refused by the database and dropped")
        if dropped and last:
            fates.append(f"{dropped} lost: the exporter is shutting down")
        elif dropped:
            fates.append(f"{dropped} dropped because the retry buffer holds {self._max_pending} rows")
        if kept:
            fates.append(f"{kept} kept in memory to retry with the next export")
        from_earlier = ""
        if earlier:
            from_earlier = f" ({'all' if earlier == count else f'{earlier} of them'} from earlier exports)"
        logger.error(
            "could not store %s%s in %s: %s; %s",
            _rows(count),
            from_earlier,
            self.description,
            brief(error),
            ", ".join(fates),
        )


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"
