"""Helpers of the store tests (this module holds no test): real SDK spans with exact attributes, and a
writer process for the multi-process and kill tests (`python -m tests.test_store_support ...`)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.trace import Status, StatusCode

from instrumentation.store import StoreReader, StoreSpanExporter

START_NS = 1_700_000_000_123_456_789  # 2023-11-14T22:13:20.123456789Z
_TRACER = TracerProvider().get_tracer("store-tests")


def stored_rows(url: str) -> list[dict[str, Any]]:
    """Every row of the store, oldest first, through the store's read API."""
    reader = StoreReader(url)
    try:
        return reader.rows()
    finally:
        reader.close()


def llm_span(
    attributes: Mapping[str, Any],
    *,
    name: str = "chat gpt-4o-mini",
    start_ns: int = START_NS,
    duration_ns: int = 1_500_000_000,
    error: str | None = None,
) -> ReadableSpan:
    """A finished span made by the real SDK, with exactly these attributes and times."""
    span = _TRACER.start_span(name, start_time=start_ns, attributes=dict(attributes))
    if error is not None:
        span.set_status(Status(StatusCode.ERROR, error))
    span.end(end_time=start_ns + duration_ns)
    return span


def chat_attributes(**extra: Any) -> dict[str, Any]:
    return {
        "llm.vendor": "litellm",
        "llm.operation": "chat",
        "llm.provider": "openai",
        "llm.request.model": "gpt-4o-mini",
        "llm.usage.prompt_tokens": 12,
        "llm.usage.completion_tokens": 7,
        "llm.usage.total_tokens": 19,
        **extra,
    }


def _writer(argv: list[str]) -> None:
    """Write `--batches` batches (forever when 0) of `--size` LLM spans to `url`, each batch's spans
    with session id `{tag}-{batch}`; print `{tag} {batch} {size}` once export() reported it written."""
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("tag")
    parser.add_argument("--batches", type=int, default=0)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--start-at", type=float, default=0.0, help="time.time() to start at")
    parser.add_argument("--pad", type=int, default=0, help="characters of padding per row")
    options = parser.parse_args(argv)
    while time.time() < options.start_at:
        time.sleep(0.001)
    exporter = StoreSpanExporter(options.url)
    batch = 0
    while options.batches == 0 or batch < options.batches:
        session = {"llm.context.session_id": f"{options.tag}-{batch}", "llm.test.padding": "x" * options.pad}
        spans = [llm_span(chat_attributes(**session)) for _ in range(options.size)]
        if exporter.export(spans).name != "SUCCESS":
            sys.exit(f"batch {batch} not written")
        print(options.tag, batch, options.size, flush=True)
        batch += 1
    exporter.shutdown()


if __name__ == "__main__":
    _writer(sys.argv[1:])
