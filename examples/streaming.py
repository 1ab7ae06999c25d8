"""Streaming: a streamed call's span ends with its stream and tells how the stream went.

Three streams: one read to the end, one read to the end from async code, and one abandoned after its
first chunk. Each span carries the time to the first token, the chunk count, whether the stream was
read to the end, and the usage of the whole answer.

    LITELLM_LOCAL_MODEL_COST_MAP=True python examples/streaming.py

No API key and no outside server: the calls go to a stand-in OpenAI server on 127.0.0.1 (see
_standin.py). For a real provider, set OPENAI_API_KEY and drop `**args` from the calls.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.

from _spans import show
from _standin import call_args, openai_standin
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor

SHOWN = (
    "llm.response.time_to_first_token",
    "llm.response.chunk_count",
    "llm.response.stream_completed",
    "llm.response.finish_reason",
    "llm.usage.prompt_tokens",
    "llm.usage.completion_tokens",
    "llm.usage.estimated",
)
MODEL = "openai/gpt-4o-mini"
HELLO = [{"role": "user", "content": "Say hello"}]
WITH_USAGE = {"stream": True, "stream_options": {"include_usage": True}}  # The provider's own token counts.


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    LiteLLMInstrumentor().instrument(tracer_provider=provider)

    import litellm

    litellm.suppress_debug_info = True
    with openai_standin() as server:
        args = call_args(server)
        stream = litellm.completion(model=MODEL, messages=HELLO, **WITH_USAGE, **args)
        print("read to the end:       ", "".join(text_of(chunk) for chunk in stream))
        print("read to the end, async:", asyncio.run(read_async(litellm, args)))
        with litellm.completion(model=MODEL, messages=HELLO, stream=True, **args) as stream:
            next(stream)  # Leaving the `with` block closes the stream, and ends its span at once.
        print("abandoned after its first chunk")
    print()
    show(exporter.get_finished_spans(), SHOWN)


async def read_async(litellm: Any, args: dict[str, Any]) -> str:
    stream = await litellm.acompletion(model=MODEL, messages=HELLO, **WITH_USAGE, **args)
    return "".join([text_of(chunk) async for chunk in stream])


def text_of(chunk: Any) -> str:
    """The text a chunk adds (the usage chunk at the end has no choices)."""
    return (chunk.choices[0].delta.content or "") if chunk.choices else ""


if __name__ == "__main__":
    main()
