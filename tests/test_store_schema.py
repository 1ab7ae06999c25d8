"""Schema versions: a new store records its version, an older one is migrated in place, a newer one is
refused."""

from __future__ import annotations

import json
import sqlite3

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export import SpanExportResult

from instrumentation.store import SCHEMA_VERSION, StoreSpanExporter, StoreVersionError, migrate
from instrumentation.store.sql import build_tables

from .test_store_support import chat_attributes, llm_span, stored_rows

V1_ROW = {
    "id": "0" * 48,
    "trace_id": "0" * 32,
    "span_id": "0" * 16,
    "timestamp": "2024-01-01T00:00:00.000000Z",
    "operation": "chat",
    "api_provider": "openai",
    "api_type": "chat",
    "model": "gpt-4",
    "status": "success",
    "input_tokens": 3,
    "latency_ms": 10.0,
}


def make_v1_store(url: str) -> None:
    """A store as version 1 of the schema left it: no `time_to_first_token_ms`, no `extras`."""
    calls, versions = build_tables(version=1)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        calls.metadata.create_all(connection)
        connection.execute(versions.insert(), {"version": 1, "applied_at": "2024-01-01T00:00:00Z"})
        connection.execute(calls.insert(), V1_ROW)
    engine.dispose()


def columns_of(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        names = [column["name"] for column in sa.inspect(connection).get_columns("llm_calls")]
    engine.dispose()
    return names


def versions_of(url: str) -> list[int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        versions = list(
            connection.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars()
        )
    engine.dispose()
    return versions


@pytest.fixture
def v1_sqlite(tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/old.db"
    make_v1_store(url)
    return url


def check_migrated_v1_store(url: str) -> None:
    assert versions_of(url) == [1, 2]
    assert {"time_to_first_token_ms", "extras"} <= set(columns_of(url))
    exporter = StoreSpanExporter(url)
    span = llm_span(
        chat_attributes(**{"llm.response.time_to_first_token": 0.5}), start_ns=1_800_000_000 * 10**9
    )
    assert exporter.export([span]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    old, new = stored_rows(url)
    assert {name: old[name] for name in V1_ROW} == V1_ROW  # The old row is intact ...
    assert (old["time_to_first_token_ms"], old["extras"]) == (None, None)  # ... its new columns NULL.
    assert new["time_to_first_token_ms"] == 500.0
    assert new["extras"] == {"llm.vendor": "litellm"}


def test_a_new_store_records_its_version(tmp_path):
    url = f"sqlite:///{tmp_path}/new.db"
    StoreSpanExporter(url).shutdown()
    assert versions_of(url) == [SCHEMA_VERSION] == [2]


def test_migrate_upgrades_a_v1_store_in_place(v1_sqlite):
    assert "extras" not in columns_of(v1_sqlite)
    assert migrate(v1_sqlite) == (1, SCHEMA_VERSION)
    assert migrate(v1_sqlite) == (SCHEMA_VERSION, SCHEMA_VERSION)  # Idempotent.
    check_migrated_v1_store(v1_sqlite)


def test_the_exporter_migrates_an_older_store_when_opening_it(v1_sqlite):
    StoreSpanExporter(v1_sqlite).shutdown()
    check_migrated_v1_store(v1_sqlite)


def test_without_migration_an_older_store_is_refused(v1_sqlite):
    with pytest.raises(StoreVersionError, match=r"schema version 1, older than the version 2.*migrate"):
        StoreSpanExporter(v1_sqlite, migrate=False)
    assert versions_of(v1_sqlite) == [1]


def test_a_newer_sqlite_store_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/future.db"
    StoreSpanExporter(url).shutdown()
    with sqlite3.connect(tmp_path / "future.db") as connection:
        connection.execute("INSERT INTO schema_version (version, applied_at) VALUES (3, 'later')")

    with pytest.raises(
        StoreVersionError, match=r"schema version 3, newer than the version 2 this code writes"
    ):
        StoreSpanExporter(url)
    with pytest.raises(StoreVersionError, match="schema version 3"):
        migrate(url)


def test_a_table_of_someone_else_is_refused(tmp_path):
    with sqlite3.connect(tmp_path / "theirs.db") as connection:
        connection.execute("CREATE TABLE llm_calls (whatever TEXT)")
    with pytest.raises(StoreVersionError, match="no schema_version"):
        StoreSpanExporter(f"sqlite:///{tmp_path}/theirs.db")


def test_jsonl_rows_carry_the_schema_version(tmp_path):
    path = tmp_path / "calls.jsonl"
    exporter = StoreSpanExporter(str(path))
    assert exporter.export([llm_span(chat_attributes())]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    (line,) = path.read_text().splitlines()
    assert json.loads(line)["schema_version"] == SCHEMA_VERSION
    assert migrate(str(path)) == (SCHEMA_VERSION, SCHEMA_VERSION)


def test_a_jsonl_file_with_newer_rows_is_refused(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text(
        json.dumps({"schema_version": 1, "id": "a"}) + "\n" + json.dumps({"schema_version": 3}) + "\n"
    )
    with pytest.raises(StoreVersionError, match=r"schema version 3, newer than the version 2"):
        StoreSpanExporter(f"jsonl://{path}")


def test_a_jsonl_file_of_older_rows_is_appended_to(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_text(json.dumps({"schema_version": 1, "id": "a", "model": "gpt-4"}) + "\n")
    exporter = StoreSpanExporter(f"jsonl://{path}")
    assert exporter.export([llm_span(chat_attributes())]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    old, new = (json.loads(line) for line in path.read_text().splitlines())  # Each row keeps its version.
    assert (old["schema_version"], old["model"]) == (1, "gpt-4")
    assert new["schema_version"] == SCHEMA_VERSION
    assert [row["model"] for row in stored_rows(f"jsonl://{path}")] == ["gpt-4", "gpt-4o-mini"]
