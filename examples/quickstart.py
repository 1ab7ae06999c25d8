"""Quickstart: instrument LiteLLM, make real HTTP calls, print the spans they made.

Needs no API key and no outside server: an OpenAI-compatible server (the one the test suite
uses) runs on 127.0.0.1 for the duration of the script. Point `api_base` at any real
provider, or drop it, and the same code traces real calls.

    make quickstart        # or: LITELLM_LOCAL_MODEL_COST_MAP=True python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor

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
    LiteLLMInstrumentor().instrument(tracer_provider=provider)

    import litellm

    litellm.suppress_debug_info = True
    server = OpenAIServer().start()
    args = {"api_base": server.base_url, "api_key": "sk-local", "max_retries": 0, "num_retries": 0}
    messages = [{"role": "user", "content": "Say hello"}]
    try:
        litellm.completion(model="openai/gpt-4o-mini", messages=messages, **args)
        asyncio.run(litellm.acompletion(model="openai/gpt-4o-mini", messages=messages, **args))
        for _ in litellm.completion(model="openai/gpt-4o-mini", messages=messages, stream=True, **args):
            pass
        with contextlib.suppress(litellm.NotFoundError):
            litellm.completion(
                model="openai/no-such-model",
                messages=messages,
                **{**args, "api_base": server.base_url.replace("/v1", "/missing")},
            )
    finally:
        server.stop()

    for span in exporter.get_finished_spans():
        duration_ms = (span.end_time - span.start_time) / 1e6
        print(f"{span.name}  [{span.kind.name}, {span.status.status_code.name}, {duration_ms:.1f} ms]")
        for name in SHOWN:
            if name in span.attributes:
                print(f"    {name} = {span.attributes[name]}")


if __name__ == "__main__":
    main()
