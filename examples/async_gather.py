"""Concurrency: five calls at once with `asyncio.gather`, each span under the request that made them.

A call's span is a child of whatever span is current where the call starts, in asyncio tasks as in
threads; `llm_context` follows each task too, so every span carries its own question number.

    LITELLM_LOCAL_MODEL_COST_MAP=True python examples/async_gather.py

No API key and no outside server: the calls go to a stand-in OpenAI server on 127.0.0.1 (see
_standin.py). For a real provider, set OPENAI_API_KEY and drop `**args` from the call.
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

from instrumentation import LiteLLMInstrumentor, llm_context

QUESTIONS = 5
SHOWN = ("llm.context.tags.question", "llm.usage.prompt_tokens", "llm.usage.completion_tokens")


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    LiteLLMInstrumentor().instrument(tracer_provider=provider)
    tracer = provider.get_tracer("async_gather example")

    import litellm

    litellm.suppress_debug_info = True
    with openai_standin() as server:
        answers = asyncio.run(answer_all(tracer, litellm, call_args(server)))
    print(f"{len(answers)} answers, the first: {answers[0]}\n")

    spans = exporter.get_finished_spans()
    (parent,) = [span for span in spans if span.name == "answer-questions"]
    calls = sorted(
        (span for span in spans if "llm.operation" in (span.attributes or {})),
        key=lambda span: span.attributes["llm.context.tags.question"],
    )
    children = [span for span in calls if span.parent and span.parent.span_id == parent.context.span_id]
    show([parent], ())
    show(calls, SHOWN, indent="    ")
    print(f"\n{len(children)} of {len(calls)} LLM spans are children of {parent.name}, in its trace")


async def answer_all(tracer: Any, litellm: Any, args: dict[str, Any]) -> list[str]:
    with tracer.start_as_current_span("answer-questions"):
        return await asyncio.gather(*(ask(litellm, args, number) for number in range(1, QUESTIONS + 1)))


async def ask(litellm: Any, args: dict[str, Any], number: int) -> str:
    async with llm_context(tags={"question": number}):
        messages = [{"role": "user", "content": f"Question {number}"}]
        response = await litellm.acompletion(model="openai/gpt-4o-mini", messages=messages, **args)
    return response.choices[0].message.content


if __name__ == "__main__":
    main()
