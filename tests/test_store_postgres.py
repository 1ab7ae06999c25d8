"""The store on a real PostgreSQL server (started by the `postgres_server` fixture from Debian's binaries)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export import SpanExportResult

from instrumentation.store import StoreSpanExporter, StoreVersionError, migrate

from .test_store_schema import check_migrated_store, check_migrated_v1_store, make_old_store, make_v1_store
from .test_store_support import START_NS, chat_attributes, llm_span, stored_rows

INJECTION = "x'); DROP TABLE llm_calls; --"


def read(url: str) -> list[dict]:
    return sorted(stored_rows(url), key=lambda row: row["id"])


def sample_spans() -> list:
    return [
        llm_span(
            chat_attributes(
                **{
                    "llm.request.temperature": 0.7,
                    "llm.request.max_tokens": 256,
                    "llm.request.message_roles": ("system", "user"),
                    "llm.cost.total_usd": 1.23e-05,
                    "llm.context.user_id": "u-1",
                    "llm.context.tags.tier": "pro",
                }
            )
        ),
        llm_span(
            {"llm.operation": "chat", "llm.error.category": "rate_limit", "llm.error.message": "Slow down"},
            error="RateLimitError",
            start_ns=START_NS + 1_000,
        ),
        llm_span(
            {"llm.operation": "chat", "llm.error.category": "timeout"}, error="Timeout", start_ns=START_NS + 7
        ),
        llm_span(
            chat_attributes(**{"llm.response.time_to_first_token": 0.123, "llm.response.is_streaming": True}),
            start_ns=START_NS + 999_999_999,
        ),
        llm_span(chat_attributes(**{"llm.request.model": INJECTION, "llm.context.user_id": "'; --\"\\"})),
        llm_span(
            chat_attributes(
                **{"llm.response.cache_hit": True, "llm.cost.total_usd": 0.0, "llm.cost.saved_usd": 3.5e-05}
            ),
            start_ns=START_NS + 3,
        ),
        llm_span(
            chat_attributes(**{"llm.request.attempts": 3, "llm.router.fallbacks": 1}), start_ns=START_NS + 4
        ),
    ]


def test_round_trip_gives_the_same_rows_as_sqlite(postgres_url, tmp_path):
    spans = sample_spans()
    sqlite_url = f"sqlite:///{tmp_path}/same.db"
    for url in (postgres_url, sqlite_url):
        exporter = StoreSpanExporter(url)
        assert exporter.export(spans) is SpanExportResult.SUCCESS
        exporter.shutdown()

    rows = read(postgres_url)
    assert rows == read(sqlite_url)
    assert len(rows) == 7
    assert sorted((row["cache_hit"], row["saved_cost_usd"], row["attempts"]) for row in rows) == [
        *[(False, None, 1)] * 5,
        (False, None, 3),
        (True, 3.5e-05, 1),
    ]
    assert {row["status"] for row in rows} == {"success", "error", "timeout"}
    assert sorted(row["timestamp"] for row in rows)[0] == "2023-11-14T22:13:20.123456Z"
    assert any(row["model"] == INJECTION for row in rows)  # Stored verbatim, the table still there.


def test_timestamps_are_real_timestamps_in_postgresql(postgres_url):
    exporter = StoreSpanExporter(postgres_url)
    exporter.export([llm_span(chat_attributes())])
    exporter.shutdown()
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        kind = connection.execute(sa.text("SELECT pg_typeof(timestamp)::text FROM llm_calls")).scalar()
        extras = connection.execute(sa.text("SELECT extras ->> 'llm.vendor' FROM llm_calls")).scalar()
        hit = connection.execute(sa.text("SELECT pg_typeof(cache_hit)::text, cache_hit FROM llm_calls")).one()
    engine.dispose()
    assert (kind, extras) == ("timestamp with time zone", "litellm")
    assert tuple(hit) == ("boolean", False)  # A real boolean.


def test_a_database_that_goes_away_and_comes_back_loses_nothing(postgres_server, postgres_url, caplog):
    exporter = StoreSpanExporter(postgres_url, retries=3, backoff=0.1)
    batch = {
        name: [llm_span(chat_attributes(**{"llm.context.session_id": name})) for _ in range(count)]
        for name, count in (("before", 3), ("during", 2), ("after", 4))
    }
    assert exporter.export(batch["before"]) is SpanExportResult.SUCCESS

    postgres_server.stop()
    try:
        caplog.set_level(logging.WARNING)
        assert exporter.export(batch["during"]) is SpanExportResult.FAILURE
        # An exporter made while the server is down waits for it instead of failing the application.
        latecomer = StoreSpanExporter(postgres_url)
    finally:
        postgres_server.start()
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith(f"could not store 2 rows in {postgres_url}: OperationalError")
    assert errors[0].endswith("2 kept in memory to retry with the next export")

    assert exporter.export(batch["after"]) is SpanExportResult.SUCCESS
    late = llm_span(chat_attributes(**{"llm.context.session_id": "late"}))
    assert latecomer.export([late]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    latecomer.shutdown()
    sessions = [row["session_id"] for row in read(postgres_url)]
    assert sorted(sessions) == sorted(["before"] * 3 + ["during"] * 2 + ["after"] * 4 + ["late"])


def test_a_row_the_database_refuses_costs_that_row_only(postgres_url, caplog):
    good = [llm_span(chat_attributes()) for _ in range(2)]
    refused = llm_span(chat_attributes(**{"llm.usage.prompt_tokens": 2**70}))  # Beyond BIGINT.
    exporter = StoreSpanExporter(postgres_url, retries=1, backoff=0.01)

    assert exporter.export([good[0], refused, good[1]]) is SpanExportResult.FAILURE
    exporter.shutdown()
    (message,) = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert message.startswith(f"could not store 1 row in {postgres_url}: NumericValueOutOfRange")
    assert message.endswith("1 refused by the database and dropped")
    assert len(read(postgres_url)) == 2


def test_nul_characters_are_replaced_not_refused(postgres_url, caplog):
    """PostgreSQL text and JSONB have no NUL: it is stored as U+FFFD, in columns and in `extras`."""
    span = llm_span(
        chat_attributes(**{"llm.request.model": "nul\x00model", "llm.context.tags.k\x00ey": "v\x00alue"})
    )
    exporter = StoreSpanExporter(postgres_url, retries=1, backoff=0.01)

    assert exporter.export([span]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    (row,) = read(postgres_url)
    assert row["model"] == "nul\ufffdmodel"
    assert row["extras"]["llm.context.tags.k\ufffdey"] == "v\ufffdalue"
    assert [record for record in caplog.records if record.levelno >= logging.WARNING] == []


def test_migration_from_v1_in_postgresql(postgres_url):
    make_v1_store(postgres_url)
    assert migrate(postgres_url) == (1, 3)
    check_migrated_v1_store(postgres_url)


def test_migration_from_v2_in_postgresql(postgres_url):
    row = make_old_store(postgres_url, 2)
    assert migrate(postgres_url) == (2, 3)
    assert migrate(postgres_url) == (3, 3)
    check_migrated_store(postgres_url, 2, row)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        kinds = dict(
            connection.execute(
                sa.text(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
                    "'llm_calls' AND column_name IN ('cache_hit', 'saved_cost_usd', 'attempts')"
                )
            ).all()
        )
    engine.dispose()
    assert kinds == {"cache_hit": "boolean", "saved_cost_usd": "double precision", "attempts": "bigint"}


def test_a_v2_postgresql_store_reads_null_for_the_new_columns(postgres_url):
    """Read as it is, not migrated: the columns it does not have are NULL."""
    row = make_old_store(postgres_url, 2)
    (read_row,) = read(postgres_url)
    assert {name: read_row[name] for name in row} == row
    assert (read_row["cache_hit"], read_row["saved_cost_usd"], read_row["attempts"]) == (None, None, None)


def test_a_newer_postgresql_store_is_refused(postgres_url):
    StoreSpanExporter(postgres_url).shutdown()
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO schema_version (version, applied_at) VALUES (9, 'later')"))
    engine.dispose()
    with pytest.raises(StoreVersionError, match="schema version 9, newer than the version 3"):
        StoreSpanExporter(postgres_url)
