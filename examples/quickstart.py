"""Quickstart: instrument LiteLLM, make real HTTP calls, print the spans they made, store them.

Needs no API key and no outside server: an OpenAI-compatible server (the one the test suite
uses) runs on 127.0.0.1 for the duration of the script. Point `api_base` at any real
provider, or drop it, and the same code traces real calls.

    make quickstart        # or: LITELLM_LOCAL_MODEL_COST_MAP=True python examples/quickstart.py
    .venv/bin/llm-usage summary                  # then: what the calls cost, per model, per day

The spans also go to the local store, ./llm_usage.db (SQLite), as they would with
`instrumentation.init()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor, StoreSpanExporter, llm_context

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.openai_server import OpenAIServer  # A stand-in for OpenAI, see above.

SHOWN = (
    "llm.provider",
    "llm.request.model",
    "llm.response.model",
    "llm.usage.prompt_tokens",
    "llm.usage.completion_tokens",
    "llm.usage.estimated",
    "llm.cost.total_usd",
    "llm.response.time_to_first_token",
    "llm.response.chunk_count",
    "llm.error.category",
    "llm.error.status_code",
)


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    store = StoreSpanExporter()  # sqlite:///llm_usage.db
    provider.add_span_processor(BatchSpanProcessor(store))
    LiteLLMInstrumentor().instrument(tracer_provider=provider)

    import litellm

    litellm.suppress_debug_info = True
    server = OpenAIServer().start()
    args = {"api_base": server.base_url, "api_key": "sk-local", "max_retries": 0, "num_retries": 0}
    try:
        with llm_context(user_id="quickstart-user", session_id="quickstart-session"):
            make_calls(litellm, server.base_url, args)
    finally:
        server.stop()
    provider.force_flush()

    for span in exporter.get_finished_spans():
        duration_ms = (span.end_time - span.start_time) / 1e6
        print(f"{span.name}  [{span.kind.name}, {span.status.status_code.name}, {duration_ms:.1f} ms]")
        for name in SHOWN:
            if name in span.attributes:
                print(f"    {name} = {span.attributes[name]}")
    calls = len(exporter.get_finished_spans())
    print(f"\n{calls} calls stored in {store.description}: try `.venv/bin/llm-usage summary`")


def make_calls(litellm: Any, base_url: str, args: dict[str, Any]) -> None:
    """A chat call, an async one, a stream, and one that fails."""
    messages = [{"role": "user", "content": "Say hello"}]
    litellm.completion(model="openai/gpt-4o-mini", messages=messages, **args)
    asyncio.run(litellm.acompletion(model="openai/gpt-4o-mini", messages=messages, **args))
    for _ in litellm.completion(model="openai/gpt-4o-mini", messages=messages, stream=True, **args):
        pass
    with contextlib.suppress(litellm.NotFoundError):
        missing = {**args, "api_base": base_url.replace("/v1", "/missing")}
        litellm.completion(model="openai/no-such-model", messages=messages, **missing)


if __name__ == "__main__":
    main()
