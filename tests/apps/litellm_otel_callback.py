"""An app that enables LiteLLM's own "otel" callback beside our instrumentation.

Run in its own process by test_coexistence.py: LiteLLM's callback sets the global tracer
provider when none is set, which would leak into other tests. Prints a JSON summary.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["OTEL_EXPORTER"] = "in_memory"  # LiteLLM's callback exports to memory, not the network.

import litellm
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor


def main(base_url: str) -> None:
    litellm.suppress_debug_info = True
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    LiteLLMInstrumentor().instrument(tracer_provider=provider)
    litellm.callbacks = [*litellm.callbacks, "otel"]
    args = {"api_base": base_url, "api_key": "sk-test", "max_retries": 0, "num_retries": 0}
    messages = [{"role": "user", "content": "hi"}]

    contents = [
        litellm.completion(model="openai/gpt-4o-mini", messages=messages, **args).choices[0].message.content
    ]
    for _ in litellm.completion(model="openai/gpt-4o-mini", messages=messages, stream=True, **args):
        pass

    async def call_async() -> None:
        response = await litellm.acompletion(model="openai/gpt-4o-mini", messages=messages, **args)
        contents.append(response.choices[0].message.content)
        await asyncio.sleep(0.3)

    asyncio.run(call_async())
    time.sleep(0.5)
    spans = exporter.get_finished_spans()
    print(
        json.dumps(
            {
                "contents": contents,
                "our_spans": [span.name for span in spans if "llm.operation" in span.attributes],
                "usage": [span.attributes.get("llm.usage.total_tokens") for span in spans],
                "other_spans": [span.name for span in spans if "llm.operation" not in span.attributes],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
