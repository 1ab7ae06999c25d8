"""`instrumentation.init()`: one call, and every LLM call lands in the local store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import trace

from .otlp_receiver import OTLPReceiver

APP = Path(__file__).parent / "apps" / "init_app.py"
OTLP_VARIABLES = "OTEL_EXPORTER_OTLP_"


def _run(*arguments: str, **variables: str) -> None:
    """Run the app with `variables` as its only OTLP settings (none of this process's)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith(OTLP_VARIABLES)}
    environment.update(PYTHONPATH=str(Path(__file__).parents[1] / "src"), **variables)
    result = subprocess.run(
        [sys.executable, str(APP), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("done")


@pytest.mark.parametrize("twice", [False, True], ids=["once", "init-twice"])
def test_init_stores_every_call_in_sqlite(twice, openai_server, tmp_path):
    database = tmp_path / "usage.db"

    _run(openai_server.base_url, f"sqlite:///{database}", *(["--twice"] if twice else []))

    rows = (
        sqlite3.connect(database)
        .execute(
            "SELECT operation, api_provider, model, status, input_tokens, output_tokens, user_id, session_id,"
            " cost_usd FROM llm_calls ORDER BY timestamp"
        )
        .fetchall()
    )
    assert [row[:8] for row in rows] == [
        ("chat", "openai", "openai/gpt-4o-mini", "success", 12, 7, "u-init", "s-init"),
        ("chat", "openai", "openai/gpt-4o-mini", "success", rows[1][4], rows[1][5], "u-init", "s-init"),
    ]
    assert all(row[8] > 0 for row in rows)


def test_init_stores_every_call_in_jsonl(openai_server, tmp_path):
    path = tmp_path / "calls.jsonl"

    _run(openai_server.base_url, str(path))

    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(row["operation"], row["user_id"], row["status"]) for row in rows] == [
        ("chat", "u-init", "success")
    ] * 2


def test_a_bad_store_url_is_refused_before_anything_changes():
    import instrumentation

    with pytest.raises(ValueError):
        instrumentation.init(store="nosuchscheme://x")


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    with OTLPReceiver() as running:
        yield running


@pytest.mark.parametrize(
    ("protocols", "transport"),
    [
        ({}, "http"),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "grpc"),
        (
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
            "http",
        ),
        (
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
            "grpc",
        ),
    ],
    ids=["default-http", "grpc", "traces-variable-wins-http", "traces-variable-wins-grpc"],
)
def test_init_exports_over_the_configured_otlp_protocol(
    protocols, transport, receiver, openai_server, tmp_path
):
    store = tmp_path / "calls.jsonl"
    endpoint = receiver.grpc_endpoint if transport == "grpc" else receiver.http_endpoint

    _run(openai_server.base_url, str(store), OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, **protocols)

    spans = receiver.spans  # Flushed by the app's exit hook, so all there once it has exited.
    assert [(span.transport, span.name, span.kind) for span in spans] == [
        (transport, "chat openai/gpt-4o-mini", "SPAN_KIND_CLIENT")
    ] * 2
    for span in spans:
        assert span.resource["service.name"] == ("string_value", "init-test")
        assert span.attributes["llm.context.user_id"] == ("string_value", "u-init")
    chat, stream = spans
    assert chat.attributes["llm.request.stream"] == ("bool_value", False)
    assert chat.attributes["llm.usage.prompt_tokens"] == ("int_value", 12)
    assert stream.attributes["llm.request.stream"] == ("bool_value", True)
    assert stream.attributes["llm.usage.estimated"] == ("bool_value", True)  # The app asks for no usage.
    # The store beside it got the very same spans.
    rows = [json.loads(line) for line in store.read_text().splitlines()]
    assert sorted(row["span_id"] for row in rows) == sorted(span.span_id for span in spans)


@pytest.mark.parametrize(
    ("protocol", "why"),
    [("http/json", "the OpenTelemetry Python exporters do not implement it"), ("carrier-pigeon", "unknown")],
)
def test_an_unsupported_otlp_protocol_is_refused_before_anything_changes(
    protocol, why, monkeypatch, tmp_path
):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", protocol)
    database = tmp_path / "usage.db"
    global_provider = trace.get_tracer_provider()
    import instrumentation

    with pytest.raises(ValueError) as refused:
        instrumentation.init(store=f"sqlite:///{database}")

    assert str(refused.value) == (
        f"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL={protocol!r} is not a supported OTLP protocol ({why}): "
        "use 'http/protobuf' or 'grpc'"
    )
    assert trace.get_tracer_provider() is global_provider
    assert not database.exists()


@pytest.mark.parametrize(
    ("protocol", "module", "package"),
    [
        ("http/protobuf", "http", "opentelemetry-exporter-otlp-proto-http"),
        ("grpc", "grpc", "opentelemetry-exporter-otlp-proto-grpc"),
    ],
)
def test_a_missing_otlp_exporter_names_its_package_and_the_extra(
    protocol, module, package, monkeypatch, tmp_path
):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
    # What an uninstalled package looks like to `import`.
    monkeypatch.setitem(sys.modules, f"opentelemetry.exporter.otlp.proto.{module}.trace_exporter", None)
    database = tmp_path / "usage.db"
    import instrumentation

    with pytest.raises(ImportError) as missing:
        instrumentation.init(store=f"sqlite:///{database}")

    assert str(missing.value) == (
        f"OTLP export over {protocol} needs {package}, which is not installed: "
        "pip install 'litellm-instrumentation[otlp]'"
    )
    assert not database.exists()
