"""Router fallbacks: one span per attempt, each naming its model group and deployment.

The primary deployment answers 429 (rate limited), so `litellm.Router` falls back to the backup one:
two spans, the failed attempt and the one that answered.

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
    "llm.error.category",
    "llm.error.status_code",
    "llm.usage.completion_tokens",
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
    show(sorted(exporter.get_finished_spans(), key=lambda span: span.start_time or 0), SHOWN)


if __name__ == "__main__":
    main()
