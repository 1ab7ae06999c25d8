"""Quickstart: instrument LiteLLM, make real HTTP calls, print the spans they made and what they cost.

One call of each kind: chat, async chat, a streamed chat, an embedding, an image, a moderation, and a
call that fails. Each becomes one span; the spans also go to the local store, whose summary is printed
at the end (the table `llm-usage summary` prints).

    make quickstart        # or: LITELLM_LOCAL_MODEL_COST_MAP=True python examples/quickstart.py [STORE_URL]
    .venv/bin/llm-usage summary                  # later: the same summary, from the command line

STORE_URL defaults to sqlite:///llm_usage.db (in the current directory; each run adds its calls).

No API key and no outside server: the calls go to a stand-in OpenAI server on 127.0.0.1 (see
_standin.py). For a real provider, set OPENAI_API_KEY and drop `**args` from the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.

from _spans import show
from _standin import call_args, openai_standin
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor, StoreSpanExporter, llm_context
from instrumentation.analytics.cli import main as llm_usage

SHOWN = (
    "llm.provider",
    "llm.response.model",
    "llm.usage.prompt_tokens",
    "llm.usage.completion_tokens",
    "llm.cost.total_usd",
    "llm.response.time_to_first_token",
    "llm.response.chunk_count",
    "llm.request.input_count",
    "llm.response.embedding_dimensions",
    "llm.response.images_count",
    "llm.response.flagged",
    "llm.response.flagged_categories",
    "llm.error.category",
    "llm.error.status_code",
)
HELLO = [{"role": "user", "content": "Say hello"}]


def main(store_url: str = "sqlite:///llm_usage.db") -> None:
    exporter = InMemorySpanExporter()  # In an application: OTLPSpanExporter, to Jaeger, Tempo, Phoenix…
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.add_span_processor(BatchSpanProcessor(StoreSpanExporter(store_url)))
    LiteLLMInstrumentor().instrument(tracer_provider=provider)

    import litellm

    litellm.suppress_debug_info = True
    with openai_standin() as server, llm_context(user_id="quickstart-user", session_id="quickstart"):
        make_calls(litellm, call_args(server))
    provider.force_flush()

    spans = exporter.get_finished_spans()
    show(spans, SHOWN)
    print(f"\n{len(spans)} calls stored in {store_url}. What `llm-usage --store {store_url} summary` says:\n")
    llm_usage(["--store", store_url, "summary"])


def make_calls(litellm: Any, args: dict[str, Any]) -> None:
    litellm.completion(model="openai/gpt-4o-mini", messages=HELLO, **args)
    asyncio.run(litellm.acompletion(model="openai/gpt-4o-mini", messages=HELLO, **args))
    stream = litellm.completion(
        model="openai/gpt-4o-mini",
        messages=HELLO,
        stream=True,
        stream_options={"include_usage": True},
        **args,
    )
    for _ in stream:
        pass
    litellm.embedding(model="openai/text-embedding-3-small", input=["hello", "world"], **args)
    litellm.image_generation(
        model="openai/gpt-image-1", prompt="A lighthouse at dawn", size="1024x1024", **args
    )
    litellm.moderation(model="openai/omni-moderation-latest", input="I hate Mondays", **args)
    with contextlib.suppress(litellm.NotFoundError):  # The stand-in knows no such path: a 404.
        missing = {**args, "api_base": args["api_base"].replace("/v1", "/missing")}
        litellm.completion(model="openai/no-such-model", messages=HELLO, **missing)


if __name__ == "__main__":
    main(*sys.argv[1:2])
