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
V2_ROW = {**V1_ROW, "time_to_first_token_ms": 4.0, "extras": {"llm.vendor": "litellm"}}
# The columns each version added, and what a row of an older store reads there.
ADDED = {
    2: {"time_to_first_token_ms": None, "extras": None},
    3: {"cache_hit": None, "saved_cost_usd": None, "attempts": None},
}


def make_old_store(url: str, version: int) -> dict:
    """A store as that version of the schema left it, with one row of that version (returned)."""
    row = {1: V1_ROW, 2: V2_ROW}[version]
    calls, versions = build_tables(version=version)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        calls.metadata.create_all(connection)
        connection.execute(versions.insert(), {"version": version, "applied_at": "2024-01-01T00:00:00Z"})
        connection.execute(calls.insert(), row)
    engine.dispose()
    return row


def make_v1_store(url: str) -> None:
    """A store as version 1 of the schema left it: no `time_to_first_token_ms`, no `extras`."""
    make_old_store(url, 1)


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


def check_migrated_store(url: str, found: int, old_row: dict) -> None:
    """A store migrated from version `found`: every later version recorded, their columns added, the old
    row intact and NULL in the columns it never had, a new row written with every column."""
    assert versions_of(url) == list(range(found, SCHEMA_VERSION + 1)) == list(range(found, 4))
    later = {
        name: value for version, added in ADDED.items() if version > found for name, value in added.items()
    }
    assert set(later) <= set(columns_of(url))
    exporter = StoreSpanExporter(url)
    hit = chat_attributes(
        **{
            "llm.response.time_to_first_token": 0.5,
            "llm.response.cache_hit": True,
            "llm.cost.total_usd": 0.0,
            "llm.cost.saved_usd": 0.25,
            "llm.request.attempts": 2,
        }
    )
    span = llm_span(hit, start_ns=1_800_000_000 * 10**9)
    assert exporter.export([span]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    old, new = stored_rows(url)
    assert {name: old[name] for name in old_row} == old_row  # The old row is intact ...
    assert {name: old[name] for name in later} == later  # ... its new columns NULL.
    assert new["time_to_first_token_ms"] == 500.0
    assert new["extras"] == {"llm.vendor": "litellm"}
    assert (new["cache_hit"], new["cost_usd"], new["saved_cost_usd"], new["attempts"]) == (True, 0.0, 0.25, 2)


def check_migrated_v1_store(url: str) -> None:
    check_migrated_store(url, 1, V1_ROW)


def test_a_new_store_records_its_version(tmp_path):
    url = f"sqlite:///{tmp_path}/new.db"
    StoreSpanExporter(url).shutdown()
    assert versions_of(url) == [SCHEMA_VERSION] == [3]


def test_migrate_upgrades_a_v1_store_in_place(v1_sqlite):
    assert "extras" not in columns_of(v1_sqlite)
    assert migrate(v1_sqlite) == (1, SCHEMA_VERSION)
    assert migrate(v1_sqlite) == (SCHEMA_VERSION, SCHEMA_VERSION)  # Idempotent.
    check_migrated_v1_store(v1_sqlite)


def test_migrate_upgrades_a_v2_store_in_place(tmp_path):
    url = f"sqlite:///{tmp_path}/v2.db"
    row = make_old_store(url, 2)
    assert "cache_hit" not in columns_of(url)
    assert migrate(url) == (2, SCHEMA_VERSION)
    assert migrate(url) == (SCHEMA_VERSION, SCHEMA_VERSION)
    check_migrated_store(url, 2, row)


def test_the_columns_version_3_added_have_their_sqlite_types(tmp_path):
    url = f"sqlite:///{tmp_path}/v2.db"
    make_old_store(url, 2)
    migrate(url)
    with sqlite3.connect(tmp_path / "v2.db") as connection:
        types = {name: kind for _, name, kind, *_ in connection.execute("PRAGMA table_info(llm_calls)")}
    assert {name: types[name] for name in ADDED[3]} == {
        "cache_hit": "BOOLEAN",
        "saved_cost_usd": "FLOAT",
        "attempts": "BIGINT",
    }


@pytest.mark.parametrize("version", [1, 2])
def test_the_exporter_migrates_an_older_store_when_opening_it(tmp_path, version):
    url = f"sqlite:///{tmp_path}/old.db"
    row = make_old_store(url, version)
    StoreSpanExporter(url).shutdown()
    check_migrated_store(url, version, row)


@pytest.mark.parametrize("version", [1, 2])
def test_without_migration_an_older_store_is_refused(tmp_path, version):
    url = f"sqlite:///{tmp_path}/old.db"
    make_old_store(url, version)
    with pytest.raises(
        StoreVersionError, match=rf"schema version {version}, older than the version 3.*migrate"
    ):
        StoreSpanExporter(url, migrate=False)
    assert versions_of(url) == [version]


def test_a_newer_sqlite_store_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/future.db"
    StoreSpanExporter(url).shutdown()
    with sqlite3.connect(tmp_path / "future.db") as connection:
        connection.execute("INSERT INTO schema_version (version, applied_at) VALUES (4, 'later')")

    with pytest.raises(
        StoreVersionError, match=r"schema version 4, newer than the version 3 this code writes"
    ):
        StoreSpanExporter(url)
    with pytest.raises(StoreVersionError, match="schema version 4"):
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
        json.dumps({"schema_version": 1, "id": "a"}) + "\n" + json.dumps({"schema_version": 4}) + "\n"
    )
    with pytest.raises(StoreVersionError, match=r"schema version 4, newer than the version 3"):
        StoreSpanExporter(f"jsonl://{path}")


def test_a_jsonl_file_of_older_rows_is_appended_to(tmp_path):
    path = tmp_path / "calls.jsonl"
    old_rows = [
        {"schema_version": 1, "id": "a", "model": "gpt-4"},
        {"schema_version": 2, "id": "b", "model": "gpt-4o", "extras": {"llm.vendor": "litellm"}},
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in old_rows))
    exporter = StoreSpanExporter(f"jsonl://{path}")
    assert exporter.export([llm_span(chat_attributes())]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    lines = [json.loads(line) for line in path.read_text().splitlines()]  # Each row keeps its version.
    assert [(line["schema_version"], line["model"]) for line in lines] == [
        (1, "gpt-4"),
        (2, "gpt-4o"),
        (SCHEMA_VERSION, "gpt-4o-mini"),
    ]
    read = {row["model"]: row for row in stored_rows(f"jsonl://{path}")}
    assert [
        (model, row["cache_hit"], row["saved_cost_usd"], row["attempts"]) for model, row in read.items()
    ] == [("gpt-4", None, None, None), ("gpt-4o", None, None, None), ("gpt-4o-mini", False, None, 1)]
