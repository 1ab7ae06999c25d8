"""Manual tracking: LLM calls made without LiteLLM get the same spans as LiteLLM's.

`track_llm_call` wraps a call you make yourself (here a plain HTTP request with httpx, as for any SDK or
API LiteLLM does not cover): you report the tokens, the cost comes from LiteLLM's price map unless you
set it, and an exception is recorded with its error category and re-raised. `record_llm_call` records a
call that already happened, from its latency and counts.

    LITELLM_LOCAL_MODEL_COST_MAP=True python examples/manual_tracking.py

No API key and no outside server: the requests go to a stand-in OpenAI server on 127.0.0.1 (see
_standin.py), told to refuse the second one. For the real API, post to https://api.openai.com/v1 with
the header `Authorization: Bearer $OPENAI_API_KEY`.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.

import httpx
from _spans import show
from _standin import OpenAIServer, Scripted, openai_standin
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import record_llm_call, track_llm_call

SHOWN = (
    "llm.vendor",
    "llm.provider",
    "llm.api_type",
    "llm.response.model",
    "llm.usage.prompt_tokens",
    "llm.usage.completion_tokens",
    "llm.cost.total_usd",
    "llm.error.category",
    "llm.error.status_code",
    "llm.context.user_id",
)


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # Manual spans go to the provider given to instrument() if any, else to the global one.
    trace.set_tracer_provider(provider)

    with openai_standin() as server:
        print("answer:", ask(server, "Say hello"))
        server.script("/v1/chat/completions", Scripted(status=429))  # Rate limited.
        with contextlib.suppress(httpx.HTTPStatusError):
            ask(server, "Say hello again")
    record_llm_call(
        api_provider="deepgram",
        api_type="stt",
        model="nova-2",
        operation="transcription",
        latency=1.25,
        output_tokens=120,
        cost=0.0043,
        user_id="u-1",
    )
    print()
    show(exporter.get_finished_spans(), SHOWN)


def ask(server: OpenAIServer, question: str) -> str:
    """A chat completion over plain HTTP, recorded as an LLM call."""
    with track_llm_call(api_provider="openai", model="gpt-4o-mini", user_id="u-1") as call:
        response = httpx.post(
            f"{server.base_url}/chat/completions",
            headers={"Authorization": "Bearer sk-standin"},
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]},
        )
        response.raise_for_status()  # A 429 raises here: the span records it as rate_limit.
        answer = response.json()
        call.update_tokens(answer["usage"]["prompt_tokens"], answer["usage"]["completion_tokens"])
        call.set_response_model(answer["model"])
    return answer["choices"][0]["message"]["content"]


if __name__ == "__main__":
    main()
