"""How the analyzer reads a store: SQLite in chunks of rowids read by two threads (text and integers as
JSON arrays, floats through the cursor), JSONL with Polars' reader and, for a file with torn or foreign
lines, range by range with a line by line fallback. Every figure checked against plain Python over the
rows the store's own reader returns."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from instrumentation.analytics import UsageAnalyzer
from instrumentation.store import jsonl_reader, sqlite_reader

from .test_analytics import FILTERS, check_stats, export, filled, generated_spans, stored, totals  # noqa: F401 (a fixture)
from .test_store_schema import V1_ROW, make_v1_store
from .test_store_support import START_NS, chat_attributes, llm_span


@pytest.fixture
def small_chunks(monkeypatch) -> None:
    """Chunks of 7 rowids: a test store is read in two dozen chunks, by both threads."""
    monkeypatch.setattr(sqlite_reader, "CHUNK_ROWIDS", 7)


def test_every_filter_over_many_chunks(filled, small_chunks):  # noqa: F811 (the fixture imported above)
    rows = stored(filled)
    analyzer = UsageAnalyzer(filled)
    check_stats(analyzer.get_stats(), rows)
    for filters, keep in FILTERS:
        expected = [row for row in rows if keep(row)]
        check_stats(analyzer.get_stats(**filters), expected)
        oldest_first = sorted(expected, key=lambda row: (row["timestamp"], row["id"]))
        assert analyzer.to_polars(**filters)["id"].to_list() == [row["id"] for row in oldest_first]
    summary = analyzer.get_usage_summary()
    timestamps = [row["timestamp"] for row in rows]
    assert (summary["first_call"], summary["last_call"]) == (min(timestamps), max(timestamps))
    assert summary["unique_sessions"] == len({row["session_id"] for row in rows} - {None})


def test_progress_of_a_sqlite_store_read_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_reader, "CHUNK_ROWIDS", 50)
    url = f"sqlite:///{tmp_path}/llm_usage.db"
    export(url, generated_spans(200))
    heard: list[tuple] = []
    UsageAnalyzer(url, progress=lambda *event: heard.append(event)).get_stats()
    reading = f"reading {url}"
    assert heard == [
        (reading, None, None),
        (reading, 50, 0.25),
        (reading, 100, 0.5),
        (reading, 150, 0.75),
        (reading, 200, 1.0),
        (reading, 200, 1.0),
        ("computing", None, None),
    ]


def test_arrays_built_in_another_order_than_rowids(tmp_path, monkeypatch, small_chunks):
    """An index on (model, timestamp) covering the text and integer columns lets SQLite build the arrays of
    one model in time order, while the floats come in rowid order: the arrays are put back in rowid order,
    and each float stays with its row."""
    path = tmp_path / "llm_usage.db"
    url = f"sqlite:///{path}"
    export(url, sorted(generated_spans(160), key=lambda span: -span.start_time))  # Newest first.
    covered = (
        "model, timestamp, operation, api_provider, status, error_category, user_id, session_id, source_id"
    )
    with sqlite3.connect(path) as connection:
        connection.execute(
            f"CREATE INDEX by_model ON llm_calls ({covered}, input_tokens, output_tokens, total_tokens)"
        )
    unsorted, decode = [], sqlite_reader._decoded

    def decoded(name, text, dtype):
        series = decode(name, text, dtype)
        if name == "rowid" and not series.is_sorted():
            unsorted.append(series.to_list())
        return series

    monkeypatch.setattr(sqlite_reader, "_decoded", decoded)
    rows = [row for row in stored(url) if row["model"] == "gpt-4o"]
    analyzer = UsageAnalyzer(url, model="gpt-4o")
    check_stats(analyzer.get_stats(), rows)
    check_stats(
        analyzer.get_stats(start="2023-11-15", end="2023-11-23"),
        [row for row in rows if "2023-11-15" <= row["timestamp"] < "2023-11-24"],
    )
    assert unsorted  # SQLite did build arrays out of rowid order.


ODD_TEXTS = ['say "hi"', "back\\slash", "line\nbreak\ttab", "\x1f\x1e\x00", "żółw 🐢", "", "(none)", "null"]


@pytest.mark.parametrize("kind", ["sqlite", "jsonl"])
def test_any_text_and_large_numbers_come_back_exactly(tmp_path, kind):
    """Text travels inside JSON arrays from SQLite: quotes, escapes, control characters and any Unicode
    come back as they were stored, and so do integers past 2**53 and floats to the last bit."""
    url = f"sqlite:///{tmp_path}/llm_usage.db" if kind == "sqlite" else f"jsonl://{tmp_path}/calls.jsonl"
    spans = [
        llm_span(
            chat_attributes(
                **{
                    "llm.context.user_id": text,
                    "llm.request.model": text,
                    "llm.usage.prompt_tokens": 2**62 + index,
                    "llm.cost.total_usd": 0.1 + 0.2 * index,
                }
            ),
            start_ns=START_NS + index * 1_000_000,
            duration_ns=1_000_000_007 * (index + 1),
        )
        for index, text in enumerate(ODD_TEXTS)
    ]
    export(url, spans)
    rows = stored(url)
    stats = UsageAnalyzer(url).get_stats()
    assert set(stats.by_user) == set(ODD_TEXTS)
    assert {key: entry["input_tokens"] for key, entry in stats.by_model.items()} == {
        row["model"]: row["input_tokens"] for row in rows
    }
    frame = UsageAnalyzer(url).to_polars()
    assert frame.select("user_id", "input_tokens", "cost_usd", "latency_ms").rows() == [
        (row["user_id"], row["input_tokens"], row["cost_usd"], row["latency_ms"]) for row in rows
    ]


def test_a_store_of_schema_version_1(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    make_v1_store(url)
    analyzer = UsageAnalyzer(url)
    stats = analyzer.get_stats()
    assert (stats.total_calls, stats.total_input_tokens, stats.p50_latency_ms, stats.p50_ttft_ms) == (
        1,
        V1_ROW["input_tokens"],
        V1_ROW["latency_ms"],
        None,
    )
    assert stats.by_model == {
        "gpt-4": {
            "calls": 1,
            "input_tokens": 3,
            "output_tokens": 0,
            "total_tokens": 0,
            "cost_usd": 0.0,
            # No cache_hit and attempts in a version 1 row: a call a provider answered, in one attempt.
            "cache_hits": 0,
            "cache_hit_tokens": 0,
            "saved_cost_usd": 0.0,
            "retried_calls": 0,
            "attempts": 1,
        }
    }
    assert (stats.cache_hits, stats.retried_calls, stats.total_attempts) == (0, 0, 1)
    frame = analyzer.to_polars()
    assert frame.select("id", "time_to_first_token_ms", "extras", "cache_hit", "attempts").rows() == [
        (V1_ROW["id"], None, None, None, None)
    ]
    assert analyzer.get_stats(tags={"tier": "pro"}).total_calls == 0


TORN = b'{"schema_version": 2, "id": "torn", "timestamp": "2023-11-15T00:00:00.0'


def damaged_jsonl(tmp_path, last_line: bytes = TORN) -> str:
    """A JSONL store with what a reader may meet: repeated rows, a torn line ended by the next writer,
    JSON lines that are not objects, blank lines, and `last_line` (4 lines that are not rows)."""
    path = tmp_path / "calls.jsonl"
    url = f"jsonl://{path}"
    spans = generated_spans(120, seed=5)
    export(url, spans[:60])
    with open(path, "ab") as file:
        file.write(TORN + b"\n[1, 2]\n\n   \n42\n")
    export(url, spans[40:])  # Rows 40 to 59 a second time: each call counts once.
    with open(path, "ab") as file:
        file.write(last_line)
    return url


@pytest.mark.parametrize("range_bytes", [jsonl_reader.RANGE_BYTES, 4000])
@pytest.mark.parametrize("last_line", [TORN, TORN + b"\n"], ids=["torn-last-line", "whole-last-line"])
def test_jsonl_with_torn_and_foreign_lines(tmp_path, monkeypatch, caplog, range_bytes, last_line):
    """Polars' reader fails on the file (or is not tried, the last line being unfinished): it is read
    range by range, and the lines that are not rows are skipped and counted."""
    monkeypatch.setattr(jsonl_reader, "RANGE_BYTES", range_bytes)
    url = damaged_jsonl(tmp_path, last_line)
    path = url.removeprefix("jsonl://")
    assert Path(path).read_bytes().endswith(last_line)  # As the writers left it.
    heard: list[tuple] = []
    analyzer = UsageAnalyzer(url, progress=lambda *event: heard.append(event))
    with caplog.at_level(logging.WARNING, logger=jsonl_reader.__name__):
        stats = analyzer.get_stats()
    warnings = [record.getMessage() for record in caplog.records]
    rows = stored(url)
    assert len(rows) == 120
    check_stats(stats, rows)
    assert warnings == [
        f"{path}: skipped 4 lines that are not a whole JSON row (a writer killed mid-line leaves one)"
    ]
    reading = f"reading jsonl://{path}"
    assert heard[0] == (reading, None, None) and heard[-2:] == [
        (reading, 120, 1.0),
        ("computing", None, None),
    ]
    ranges = heard[1:-2]  # Rows read so far (repeats included) and the part of the file read.
    assert all(stage == reading for stage, _, _ in ranges)
    assert ranges[-1][1:] == (140, 1.0)
    fractions = [fraction for _, _, fraction in ranges]
    assert fractions == sorted(set(fractions)) and (len(ranges) == 1) == (range_bytes > 4000)
    check_stats(analyzer.get_stats(tags={"tier": "free"}), [row for row in rows if _tier(row) == "free"])
    check_stats(
        analyzer.get_stats(provider="openai", max_tokens=900),
        [row for row in rows if row["api_provider"] == "openai" and (row["total_tokens"] or 901) <= 900],
    )


def _tier(row: dict) -> str | None:
    return (row["extras"] or {}).get("llm.context.tags.tier")


def test_a_jsonl_value_of_the_wrong_type_is_null(tmp_path):
    """A row no writer of the store makes (text for a token count) does not stop the reading."""
    path = tmp_path / "calls.jsonl"
    export(f"jsonl://{path}", generated_spans(10, seed=2))
    odd = {
        "id": "odd",
        "timestamp": "2023-11-20T00:00:00.000000Z",
        "input_tokens": "many",
        "cost_usd": 2,
        "cache_hit": 1,
        "attempts": True,
    }
    with open(path, "a") as file:
        file.write(json.dumps(odd) + "\n")
    read = stored(f"jsonl://{path}")  # Line by line: Polars' reader refuses the file.
    rows = [row for row in read if row["id"] != "odd"]
    assert len(rows) == 10
    (odd_row,) = [row for row in read if row["id"] == "odd"]
    assert (odd_row["input_tokens"], odd_row["cache_hit"], odd_row["attempts"]) == (None, None, None)
    # The booleans of the other rows read as booleans: one cache hit (index 4), whose tokens are not counted.
    assert sorted(row["cache_hit"] for row in rows) == [False] * 9 + [True]
    stats = UsageAnalyzer(str(path)).get_stats()
    assert stats.total_calls == 11
    assert stats.total_input_tokens == totals(rows)["input_tokens"]
    assert (stats.cache_hits, stats.total_attempts) == (1, totals(rows)["attempts"] + 1)
    assert stats.total_cost_usd == pytest.approx(sum(row["cost_usd"] or 0 for row in rows) + 2, abs=1e-12)
