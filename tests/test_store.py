"""The local store: one exact row per LLM span, in real SQLite and JSONL files (PostgreSQL: see
test_store_postgres)."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import litellm
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

from instrumentation import llm_context, record_llm_call, track_llm_call
from instrumentation.store import SCHEMA_VERSION, StoreSpanExporter, open_store, span_to_row
from instrumentation.store.sql import SqlStore

from .conftest import MODEL, llm_spans
from .openai_bodies import error_body
from .openai_server import Scripted
from .test_store_support import START_NS, chat_attributes, llm_span, stored_rows

HI = [{"role": "user", "content": "hi"}]
INJECTION = "x'); DROP TABLE llm_calls; --"


def stored(url: str) -> list[dict[str, Any]]:
    return stored_rows(url)


def row_of(url: str) -> dict[str, Any]:
    rows = stored(url)
    assert len(rows) == 1, rows
    return rows[0]


def export(url: str, *spans) -> None:
    exporter = StoreSpanExporter(url)
    assert exporter.export(list(spans)) is SpanExportResult.SUCCESS
    exporter.shutdown()


@pytest.fixture(params=["sqlite", "jsonl"])
def store_url(request, tmp_path) -> str:
    return (
        f"sqlite:///{tmp_path}/llm_usage.db"
        if request.param == "sqlite"
        else f"jsonl://{tmp_path}/calls.jsonl"
    )


def ids_of(span) -> dict[str, str]:
    trace_id, span_id = f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"
    return {"id": trace_id + span_id, "trace_id": trace_id, "span_id": span_id}


# -- exact rows ----------------------------------------------------------------------------------


def test_success_row(store_url):
    span = llm_span(
        chat_attributes(
            **{
                "llm.request.model": "openai/gpt-4o-mini",
                "llm.request.temperature": 0.2,
                "llm.request.max_tokens": 100,
                "llm.request.message_roles": ("system", "user"),
                "llm.response.model": "gpt-4o-mini-2024-07-18",
                "llm.response.finish_reasons": ("stop",),
                "llm.cost.total_usd": 6e-06,
                "llm.context.user_id": "u-1",
                "llm.context.session_id": "s-1",
                "llm.context.agent": "planner",
                "llm.context.action": "plan",
                "llm.context.workspace": "w",
                "llm.context.source_id": "doc-7",
                "llm.context.source_function": "plan_trip",
                "llm.context.tags.tier": "pro",
                "llm.context.tags.attempt": 2,
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "openai/gpt-4o-mini",
                "gen_ai.provider.name": "openai",
                "gen_ai.usage.input_tokens": 12,
                "gen_ai.response.finish_reasons": ("stop",),
                "server.address": "api.openai.com",
            }
        )
    )
    export(store_url, span)

    assert row_of(store_url) == {
        **ids_of(span),
        "timestamp": "2023-11-14T22:13:20.123456Z",
        "operation": "chat",
        "api_provider": "openai",
        "api_type": "chat",
        "model": "openai/gpt-4o-mini",
        "response_model": "gpt-4o-mini-2024-07-18",
        "status": "success",
        "error_category": None,
        "error_message": None,
        "input_tokens": 12,
        "output_tokens": 7,
        "total_tokens": 19,
        "latency_ms": 1500.0,
        "time_to_first_token_ms": None,
        "cost_usd": 6e-06,
        "cache_hit": False,  # No llm.response.cache_hit: not answered from the cache.
        "saved_cost_usd": None,
        "attempts": 1,  # No llm.request.attempts: one attempt.
        "temperature": 0.2,
        "max_tokens": 100,
        "user_id": "u-1",
        "session_id": "s-1",
        "agent": "planner",
        "workspace": "w",
        "source_id": "doc-7",
        "source_function": "plan_trip",
        # Every other llm.* / gen_ai.* attribute; gen_ai twins saying what a stored llm.* one says are not
        # repeated; server.* is not ours.
        "extras": {
            "llm.vendor": "litellm",
            "llm.request.message_roles": ["system", "user"],
            "llm.response.finish_reasons": ["stop"],
            "llm.context.action": "plan",
            "llm.context.tags.tier": "pro",
            "llm.context.tags.attempt": 2,
        },
    }


def test_error_row_unknown_values_are_null(store_url):
    span = llm_span(
        {
            "llm.operation": "chat",
            "llm.provider": "anthropic",
            "llm.request.model": "claude-3-5-haiku",
            "llm.error.type": "RateLimitError",
            "llm.error.message": "Rate limit reached",
            "llm.error.category": "rate_limit",
            "llm.error.status_code": 429,
            "error.type": "litellm.exceptions.RateLimitError",
        },
        duration_ns=250_000_000,
        error="RateLimitError",
    )
    export(store_url, span)

    row = row_of(store_url)
    assert row["status"] == "error"
    assert row["error_category"] == "rate_limit"
    assert row["error_message"] == "Rate limit reached"
    assert row["latency_ms"] == 250.0
    assert (row["api_provider"], row["model"], row["response_model"]) == (
        "anthropic",
        "claude-3-5-haiku",
        None,
    )
    for unknown in ("input_tokens", "output_tokens", "total_tokens", "cost_usd", "temperature", "max_tokens"):
        assert row[unknown] is None, unknown  # Unknown is NULL, never 0.
    assert row["extras"] == {"llm.error.type": "RateLimitError", "llm.error.status_code": 429}


def test_timeout_row(store_url):
    span = llm_span(
        {"llm.operation": "chat", "llm.request.model": "gpt-4o-mini", "llm.error.category": "timeout"},
        error="Timeout",
    )
    export(store_url, span)

    row = row_of(store_url)
    assert (row["status"], row["error_category"]) == ("timeout", "timeout")
    assert row["error_message"] == "Timeout"  # No llm.error.message: the span status's description.


def test_stream_row(store_url):
    span = llm_span(
        chat_attributes(
            **{
                "llm.request.stream": True,
                "llm.response.is_streaming": True,
                "llm.response.time_to_first_token": 0.25,
                "llm.response.chunk_count": 6,
                "llm.response.stream_completed": True,
                "gen_ai.response.time_to_first_chunk": 0.25,
            }
        ),
        duration_ns=2_000_000_000,
    )
    export(store_url, span)

    row = row_of(store_url)
    assert row["time_to_first_token_ms"] == 250.0
    assert row["latency_ms"] == 2000.0
    assert row["status"] == "success"
    assert row["extras"] == {
        "llm.vendor": "litellm",
        "llm.request.stream": True,
        "llm.response.is_streaming": True,
        "llm.response.chunk_count": 6,
        "llm.response.stream_completed": True,
    }


def test_other_operations_and_api_type(store_url):
    embeddings = llm_span({"llm.operation": "embeddings", "llm.request.model": "text-embedding-3-small"})
    manual = llm_span(
        {"llm.operation": "transcription", "llm.api_type": "speech_to_text", "llm.request.model": "w"}
    )
    responses = llm_span(
        {"llm.operation": "responses", "gen_ai.operation.name": "chat"}, start_ns=START_NS + 1
    )
    export(store_url, embeddings, manual, responses)

    rows = {row["id"]: row for row in stored(store_url)}
    assert rows[ids_of(embeddings)["id"]]["api_type"] == "embeddings"
    assert rows[ids_of(manual)["id"]]["api_type"] == "speech_to_text"
    # A gen_ai twin that says something else than its llm.* attribute is kept.
    assert rows[ids_of(responses)["id"]]["extras"] == {"gen_ai.operation.name": "chat"}


def test_values_of_the_wrong_type_are_kept_in_extras(store_url):
    span = llm_span(
        {"llm.operation": "chat", "llm.usage.prompt_tokens": "twelve", "llm.cost.total_usd": float("nan")}
    )
    export(store_url, span)

    row = row_of(store_url)
    assert row["input_tokens"] is None
    assert row["cost_usd"] is None
    assert row["extras"] == {"llm.usage.prompt_tokens": "twelve", "llm.cost.total_usd": None}


def test_non_llm_spans_are_ignored(store_url, caplog):
    plain = llm_span({"http.method": "GET"}, name="GET /")
    gen_ai_only = llm_span({"gen_ai.operation.name": "chat"}, name="chat")
    exporter = StoreSpanExporter(store_url)
    assert exporter.export([plain, gen_ai_only]) is SpanExportResult.SUCCESS
    call = llm_span(chat_attributes())
    assert exporter.export([plain, call, gen_ai_only]) is SpanExportResult.SUCCESS
    exporter.shutdown()

    assert [row["id"] for row in stored(store_url)] == [ids_of(call)["id"]]
    # A GenAI span without the llm.* family is said once, not silently lost on every export.
    (warning,) = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert warning == (
        f"span 'chat' carries gen_ai.* attributes but no llm.operation: not stored in {exporter.description} "
        "(the store reads the llm.* family, which this instrumentation emits unless semconv='gen_ai'; "
        "other GenAI instrumentations' spans are not stored)"
    )


def test_a_span_exported_twice_is_one_row(store_url):
    spans = [llm_span(chat_attributes()) for _ in range(3)]
    exporter = StoreSpanExporter(store_url)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    assert exporter.export(spans[1:]) is SpanExportResult.SUCCESS  # A retried batch.
    exporter.shutdown()

    assert sorted(row["id"] for row in stored(store_url)) == sorted(ids_of(span)["id"] for span in spans)


def test_sql_injection_is_stored_verbatim(store_url):
    nasty = {
        "llm.request.model": INJECTION,
        "llm.context.user_id": "'; DELETE FROM llm_calls WHERE '1'='1",
        "llm.context.session_id": 'a"b\\c\nd\x00e',
        f"llm.context.tags.{INJECTION}": INJECTION,
    }
    span = llm_span(chat_attributes(**nasty))
    export(store_url, llm_span(chat_attributes()), span)

    rows = stored(store_url)
    assert len(rows) == 2
    row = next(row for row in rows if row["id"] == ids_of(span)["id"])
    assert row["model"] == INJECTION
    assert row["user_id"] == "'; DELETE FROM llm_calls WHERE '1'='1"
    assert row["session_id"] == 'a"b\\c\nd\x00e'
    assert row["extras"][f"llm.context.tags.{INJECTION}"] == INJECTION


# -- SQLite --------------------------------------------------------------------------------------


def test_sqlite_is_in_wal_mode_with_normal_sync(tmp_path):
    url = f"sqlite:///{tmp_path}/llm_usage.db"
    export(url, llm_span(chat_attributes()))

    with sqlite3.connect(tmp_path / "llm_usage.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    store = open_store(url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.close()


def test_other_databases_skip_rows_already_there_by_looking_them_up(tmp_path):
    store = SqlStore(f"sqlite:///{tmp_path}/generic.db")
    store._insert = store._sqlite_insert = None  # As for a database with no insert-or-ignore.
    rows = [span_to_row(llm_span(chat_attributes())) for _ in range(3)]
    store.write(rows[:2])
    store.write(rows)  # A retried batch, plus one new row.
    store.close()
    assert [row["id"] for row in stored_rows(f"sqlite:///{tmp_path}/generic.db")] == sorted(
        row["id"] for row in rows
    )


def test_default_url_is_llm_usage_db_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exporter = StoreSpanExporter()
    assert exporter.description == "sqlite:///llm_usage.db"
    assert exporter.export([llm_span(chat_attributes())]) is SpanExportResult.SUCCESS
    exporter.shutdown()
    assert len(stored(f"sqlite:///{tmp_path}/llm_usage.db")) == 1


# -- through the span processor, from the real instrumentation -----------------------------------


def test_after_force_flush_every_finished_span_is_stored(store_url):
    provider = TracerProvider()
    # A delay that never comes and fewer spans than a batch: only force_flush() exports.
    provider.add_span_processor(
        BatchSpanProcessor(StoreSpanExporter(store_url), schedule_delay_millis=600_000)
    )
    tracer = provider.get_tracer("test")
    for index in range(500):
        with tracer.start_as_current_span("chat", attributes=chat_attributes(**{"llm.request.seed": index})):
            pass
    assert stored(store_url) == []

    assert provider.force_flush()
    assert len(stored(store_url)) == 500
    provider.shutdown()


def test_rows_of_instrumented_litellm_calls(
    store_url, instrument, tracer_provider, exporter, openai_server, call_args
):
    store = StoreSpanExporter(store_url)
    tracer_provider.add_span_processor(BatchSpanProcessor(store))
    openai_server.script(
        "/v1/chat/completions", Scripted(status=429, body=error_body("Slow down", "requests"))
    )

    with llm_context(user_id="u-7", session_id="s-7", tags={"tier": "pro"}):
        with pytest.raises(litellm.RateLimitError):
            litellm.completion(model=MODEL, messages=HI, **call_args)
        litellm.completion(model=MODEL, messages=HI, temperature=0.5, max_tokens=50, **call_args)
        for _ in litellm.completion(model=MODEL, messages=HI, stream=True, **call_args):
            pass
    tracer_provider.force_flush()

    spans = {ids_of(span)["id"]: span for span in llm_spans(exporter)}
    rows = stored(store_url)
    assert sorted(row["id"] for row in rows) == sorted(spans)
    for row in rows:
        span = spans[row["id"]]
        attributes = span.attributes
        assert row["latency_ms"] == (span.end_time - span.start_time) / 1e6
        assert (row["operation"], row["api_provider"], row["model"]) == ("chat", "openai", MODEL)
        assert (row["user_id"], row["session_id"], row["extras"]["llm.context.tags.tier"]) == (
            "u-7",
            "s-7",
            "pro",
        )
        assert row["response_model"] == attributes.get("llm.response.model")
        assert row["cost_usd"] == attributes.get("llm.cost.total_usd")
        if attributes.get("llm.error.category"):
            assert (row["status"], row["error_category"]) == ("error", "rate_limit")
            assert row["input_tokens"] is None
        else:
            assert row["status"] == "success"
            usage = [attributes[f"llm.usage.{kind}_tokens"] for kind in ("prompt", "completion", "total")]
            assert [row["input_tokens"], row["output_tokens"], row["total_tokens"]] == usage
            assert all(count > 0 for count in usage)
            assert row["cost_usd"] > 0
    streamed = [row for row in rows if spans[row["id"]].attributes.get("llm.request.stream")]
    assert len(streamed) == 1
    ttft = spans[streamed[0]["id"]].attributes["llm.response.time_to_first_token"]
    assert streamed[0]["time_to_first_token_ms"] == pytest.approx(ttft * 1000)
    plain = next(row for row in rows if row["temperature"] is not None)
    assert (plain["temperature"], plain["max_tokens"]) == (0.5, 50)


def test_timeout_of_an_instrumented_call(store_url, instrument, tracer_provider, openai_server, call_args):
    tracer_provider.add_span_processor(BatchSpanProcessor(StoreSpanExporter(store_url)))
    openai_server.script("/v1/chat/completions", Scripted(delay=1.5))

    with pytest.raises(litellm.Timeout):
        litellm.completion(model=MODEL, messages=HI, timeout=0.3, **call_args)
    tracer_provider.force_flush()

    row = row_of(store_url)
    assert (row["status"], row["error_category"]) == ("timeout", "timeout")
    assert row["error_message"]


@pytest.mark.usefixtures("instrument")
def test_rows_of_manually_tracked_calls(store_url, tracer_provider):
    tracer_provider.add_span_processor(BatchSpanProcessor(StoreSpanExporter(store_url)))
    with track_llm_call(
        api_provider="deepgram", api_type="stt", model="nova-2", operation="transcription", user_id="u-3"
    ) as call:
        call.update_tokens(input_tokens=0, output_tokens=42)
        call.set_cost(0.0043)
    record_llm_call(
        api_provider="acme-ocr",
        api_type="ocr",
        model="reader-1",
        latency=0.8,
        error="quota",
        session_id="s-3",
    )
    tracer_provider.force_flush()

    stt, ocr = sorted(stored(store_url), key=lambda row: row["api_type"], reverse=True)
    assert (stt["api_type"], stt["operation"], stt["api_provider"], stt["model"]) == (
        "stt",
        "transcription",
        "deepgram",
        "nova-2",
    )
    assert (stt["input_tokens"], stt["output_tokens"], stt["cost_usd"], stt["status"]) == (
        0,
        42,
        0.0043,
        "success",
    )
    assert stt["user_id"] == "u-3"
    assert (ocr["api_type"], ocr["status"], ocr["session_id"]) == ("ocr", "error", "s-3")
    assert "quota" in ocr["error_message"]
    assert ocr["latency_ms"] == pytest.approx(800, abs=1)


# -- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("foo://somewhere/db", "scheme 'foo' is unknown"),
        ("mysql+nosuchdriver://h/db", "unknown"),
        ("sqlite://", "names no file"),
        ("sqlite:///", "names no file"),
        ("sqlite:///:memory:", "names no file"),
        ("sqlite:///{tmp}", "names a directory"),
        ("sqlite:///{tmp}/missing/llm.db", "does not exist"),
        ("sqlite:///{tmp}/file.txt/llm.db", "is not a directory"),
        ("sqlite:////proc/llm_usage.db", "cannot"),
        ("jsonl://", "names no file"),
        ("jsonl://{tmp}", "is a directory"),
        ("{tmp}/missing/calls.jsonl", "does not exist"),
        ("/proc/calls.jsonl", "cannot"),
        ("llm_usage.db", "has no scheme"),
        ("", "non-empty"),
    ],
)
def test_bad_urls_are_refused_at_construction(url, message, tmp_path):
    (tmp_path / "file.txt").write_text("not a directory")
    with pytest.raises(ValueError, match=message):
        StoreSpanExporter(url.format(tmp=tmp_path))


def test_the_password_of_a_url_is_never_shown(caplog):
    url = "postgresql+psycopg://user:s3cret-pw@127.0.0.1:1/db"  # Nothing listens on port 1.
    caplog.set_level(logging.WARNING)
    exporter = StoreSpanExporter(url, retries=0)
    assert exporter.export([llm_span(chat_attributes())]) is SpanExportResult.FAILURE
    exporter.shutdown()

    assert "s3cret-pw" not in exporter.description
    assert caplog.records
    assert all("s3cret-pw" not in record.getMessage() for record in caplog.records)
