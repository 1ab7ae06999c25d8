"""The local store: every LLM call as a row, in a JSONL file, SQLite or any SQL database.

It is an OpenTelemetry span exporter, so the same spans feed a tracing backend and the store::

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from instrumentation.store import StoreSpanExporter

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(StoreSpanExporter("sqlite:///llm_usage.db")))

Store URLs:

- None: `sqlite:///llm_usage.db` in the working directory.
- `sqlite:///relative.db`, `sqlite:////absolute.db`: SQLite in WAL mode with `synchronous=NORMAL`
  (a committed batch survives a crash of the process; a power cut may lose the last batches, never
  the file). `?timeout=S` sets how long a writer waits for another one's lock (5 s by default).
- `jsonl:///abs/path/calls.jsonl`, `jsonl://relative.jsonl`, or any path ending in `.jsonl`:
  append-only, one whole line per row even with several processes writing, fsync'd once per batch.
- `postgresql+psycopg://user:password@host:5432/db`, or any other SQLAlchemy URL (its driver
  installed). The password never appears in a message.

SQL stores need the `store` extra (`pip install 'litellm-instrumentation[store]'`): SQLAlchemy, and
psycopg for PostgreSQL. Tables are created on first use; the store records its schema version
(`schema_version` table; in JSONL, a `"schema_version"` on every row). An older store is upgraded
in place on opening (or with `migrate(url)`), a newer one is refused with StoreVersionError.

Row columns and where they come from: `schema.COLUMNS` and `rows.span_to_row`. Failure handling:
`exporter` (retries with back-off, a bounded retry buffer, every lost row counted in a log error).
Reading: `StoreReader(url).frame(RowQuery(...))` (a Polars DataFrame) or `.rows()`; `llm-usage` and
`instrumentation.analytics` read through it.
"""

from __future__ import annotations

from typing import Any

from .exporter import StoreSpanExporter
from .opening import migrate, open_store
from .rows import span_to_row
from .schema import COLUMN_NAMES, SCHEMA_VERSION, StoreVersionError
from .urls import DEFAULT_URL

__all__ = [
    "COLUMN_NAMES",
    "DEFAULT_URL",
    "SCHEMA_VERSION",
    "RowQuery",
    "StoreReader",
    "StoreSpanExporter",
    "StoreVersionError",
    "migrate",
    "open_store",
    "span_to_row",
]


def __getattr__(name: str) -> Any:
    """The read API on first use: it needs Polars, which writing does not."""
    if name in ("StoreReader", "RowQuery"):
        from . import reading

        return getattr(reading, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
