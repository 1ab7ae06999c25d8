"""Rows per second into the local store, the way a BatchSpanProcessor feeds it.

Realistic spans (the ~40 attributes a chat call carries, with context ids; one in ten failed, one in
five streamed) are made with the real OpenTelemetry SDK, then handed to `StoreSpanExporter.export`
in batches of 512 (the BatchSpanProcessor's default `max_export_batch_size`). Each figure is the
median of several rounds, each round into a fresh store file, and covers everything `export()`
does: span -> row, encoding, the insert and its commit (and, for JSONL, the write and fsync).
Run: `python benchmarks/store_throughput.py [--rows 51200] [--rounds 5]`. The goal for SQLite is
20,000 rows/s or more.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.trace import Status, StatusCode

from instrumentation.store import StoreSpanExporter, span_to_row

BATCH = 512  # BatchSpanProcessor's default max_export_batch_size.
GOAL = 20_000


def realistic_spans(count: int) -> list[ReadableSpan]:
    tracer = TracerProvider().get_tracer("store-benchmark")
    spans = []
    for index in range(count):
        streamed = index % 5 == 0
        failed = index % 10 == 3
        attributes = {
            "llm.vendor": "litellm",
            "llm.operation": "chat",
            "llm.request.stream": streamed,
            "llm.request.model": "openai/gpt-4o-mini",
            "llm.provider": "openai",
            "llm.request.temperature": 0.2,
            "llm.request.max_tokens": 512,
            "llm.request.api_base": "https://api.openai.com/v1",
            "llm.request.messages_count": 3,
            "llm.request.message_roles": ("system", "user", "assistant"),
            "llm.request.content_length": 1800 + index % 300,
            "llm.request.multimodal": False,
            "llm.context.user_id": f"user-{index % 97}",
            "llm.context.session_id": f"session-{index % 1013}",
            "llm.context.agent": "planner",
            "llm.context.action": "plan",
            "llm.context.tags.tier": "pro",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.stream": streamed,
            "gen_ai.request.model": "openai/gpt-4o-mini",
            "gen_ai.request.temperature": 0.2,
            "gen_ai.request.max_tokens": 512,
            "gen_ai.provider.name": "openai",
            "server.address": "api.openai.com",
            "server.port": 443,
        }
        if failed:
            attributes |= {
                "llm.error.type": "RateLimitError",
                "llm.error.message": "litellm.RateLimitError: Rate limit reached for requests",
                "llm.error.category": "rate_limit",
                "llm.error.provider": "openai",
                "llm.error.status_code": 429,
                "error.type": "litellm.exceptions.RateLimitError",
            }
        else:
            attributes |= {
                "llm.response.id": f"chatcmpl-{index:010d}",
                "llm.response.model": "gpt-4o-mini-2024-07-18",
                "llm.response.choices_count": 1,
                "llm.response.content_length": 420 + index % 50,
                "llm.response.tool_calls_count": 0,
                "llm.response.finish_reason": "stop",
                "llm.response.finish_reasons": ("stop",),
                "llm.usage.prompt_tokens": 450 + index % 50,
                "llm.usage.completion_tokens": 105 + index % 20,
                "llm.usage.total_tokens": 555 + index % 70,
                "llm.cost.total_usd": 0.000130,
                "llm.response.tokens_per_second": 61.5,
                "gen_ai.response.id": f"chatcmpl-{index:010d}",
                "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                "gen_ai.response.finish_reasons": ("stop",),
                "gen_ai.usage.input_tokens": 450 + index % 50,
                "gen_ai.usage.output_tokens": 105 + index % 20,
            }
        if streamed and not failed:
            attributes |= {
                "llm.response.is_streaming": True,
                "llm.response.time_to_first_token": 0.31,
                "llm.response.chunk_count": 108,
                "llm.response.chunks_per_second": 75.2,
                "llm.response.stream_duration": 1.43,
                "llm.response.stream_completed": True,
                "gen_ai.response.time_to_first_chunk": 0.31,
            }
        span = tracer.start_span("chat openai/gpt-4o-mini", attributes=attributes)
        if failed:
            span.set_status(Status(StatusCode.ERROR, "RateLimitError"))
        span.end()
        spans.append(span)
    return spans


def batches(spans: Sequence[ReadableSpan]) -> list[Sequence[ReadableSpan]]:
    return [spans[start : start + BATCH] for start in range(0, len(spans), BATCH)]


def rows_per_second(url: str, spans: Sequence[ReadableSpan]) -> float:
    exporter = StoreSpanExporter(url)
    try:
        started = time.perf_counter()
        for batch in batches(spans):
            exporter.export(batch)
        elapsed = time.perf_counter() - started
    finally:
        exporter.shutdown()
    return len(spans) / elapsed


def rows_only_per_second(spans: Sequence[ReadableSpan]) -> float:
    started = time.perf_counter()
    for span in spans:
        span_to_row(span)
    return len(spans) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100 * BATCH)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--dir", default=None, help="where the store files go (default: the system's temp dir)"
    )
    options = parser.parse_args()
    spans = realistic_spans(options.rows)
    figures: dict[str, list[float]] = {"span -> row only": [], "SQLite": [], "JSONL": []}
    with tempfile.TemporaryDirectory(dir=options.dir) as directory:
        for round_ in range(options.rounds):
            figures["span -> row only"].append(rows_only_per_second(spans))
            figures["SQLite"].append(rows_per_second(f"sqlite:///{Path(directory)}/{round_}.db", spans))
            figures["JSONL"].append(rows_per_second(f"{Path(directory)}/{round_}.jsonl", spans))
    where = options.dir or tempfile.gettempdir()
    print(f"{options.rows} spans in batches of {BATCH}, median of {options.rounds} rounds, files in {where}")
    for name, values in figures.items():
        print(f"  {name:<18} {statistics.median(values):>9,.0f} rows/s  (min {min(values):,.0f})")
    sqlite = statistics.median(figures["SQLite"])
    print(f"SQLite: {sqlite:,.0f} rows/s, goal {GOAL:,}: {'met' if sqlite >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
