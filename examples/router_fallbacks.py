"""Router fallbacks: one span per Router call, whatever it tried, with an event per failed attempt.

The primary deployment answers 429 (rate limited), so `litellm.Router` falls back to the backup one:
one span, of the model group asked for, served by the backup deployment, after two attempts and one
fallback; the failed attempt is an `llm.attempt` event naming the primary deployment.

    LITELLM_LOCAL_MODEL_COST_MAP=True python examples/router_fallbacks.py

No API key and no outside server: both deployments are a stand-in OpenAI server on 127.0.0.1 (see
_standin.py), told to refuse the first call. For real providers, put their models in `model_list`
(e.g. "openai/gpt-4o-mini" and "anthropic/claude-3-5-haiku-latest", without `api_base`) and set their
keys in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY).
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.

from _spans import show
from _standin import Scripted, openai_standin
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor

SHOWN = (
    "llm.router.model_group",
    "llm.router.deployment",
    "llm.router.fallbacks",
    "llm.request.attempts",
    "llm.usage.completion_tokens",
)
SHOWN_OF_AN_ATTEMPT = (
    "llm.attempt.index",
    "llm.router.deployment",
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
    with openai_standin() as server:
        server.script("/v1/chat/completions", Scripted(status=429))  # Rate limited.
        deployment = {"model": "openai/gpt-4o-mini", "api_base": server.base_url, "api_key": "sk-standin"}
        router = litellm.Router(
            model_list=[
                {"model_name": "primary", "litellm_params": deployment, "model_info": {"id": "primary-1"}},
                {"model_name": "backup", "litellm_params": deployment, "model_info": {"id": "backup-1"}},
            ],
            fallbacks=[{"primary": ["backup"]}],
            num_retries=0,
        )
        response = router.completion(model="primary", messages=[{"role": "user", "content": "Say hello"}])
    print(f"answer: {response.choices[0].message.content}\n")
    (span,) = exporter.get_finished_spans()
    show([span], SHOWN)
    for event in span.events:
        print(f"    event {event.name}:")
        for name in SHOWN_OF_AN_ATTEMPT:
            print(f"        {name} = {event.attributes[name]}")


if __name__ == "__main__":
    main()
