"""GenAI client metrics (names, units and advised buckets of the GenAI conventions) and a cost counter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Meter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics

from . import semconv

# The conventions' advised explicit bucket boundaries.
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)

COST_COUNTER = "llm.client.cost"

_TOKEN_TYPES = {
    semconv.LLM_USAGE_PROMPT_TOKENS: gen_ai.GenAiTokenTypeValues.INPUT.value,
    semconv.LLM_USAGE_COMPLETION_TOKENS: gen_ai.GenAiTokenTypeValues.OUTPUT.value,
}


class Metrics:
    """The instruments, and what one finished call records on them."""

    def __init__(self, meter: Meter) -> None:
        self.duration = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.tokens = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self.time_to_first_chunk = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
            unit="s",
            description="Time to receive the first chunk of a streamed response.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.cost = meter.create_counter(
            COST_COUNTER, unit="USD", description="Cost of LLM calls, in US dollars."
        )

    def record(
        self, operation: str, provider: str | None, model: Any, duration: float, outcome: Mapping[str, Any]
    ) -> None:
        """Record one finished call from the `llm.*` attributes of its outcome."""
        dimensions: dict[str, Any] = {
            semconv.GEN_AI_OPERATION_NAME: semconv.GEN_AI_OPERATION_VALUES.get(operation, operation)
        }
        if provider:
            dimensions[semconv.GEN_AI_PROVIDER_NAME] = semconv.GEN_AI_PROVIDER_VALUES.get(provider, provider)
        if isinstance(model, str) and model:
            dimensions[gen_ai.GEN_AI_REQUEST_MODEL] = model
        error_type = outcome.get(semconv.ERROR_TYPE)
        if error_type:
            dimensions[semconv.ERROR_TYPE] = error_type
        self.duration.record(duration, dimensions)
        if outcome.get(semconv.LLM_RESPONSE_CACHE_HIT):
            return  # Replayed from LiteLLM's cache: no provider processed those tokens, nothing was paid.
        for name, token_type in _TOKEN_TYPES.items():
            count = outcome.get(name)
            if count is not None:
                self.tokens.record(count, {**dimensions, gen_ai.GEN_AI_TOKEN_TYPE: token_type})
        first_chunk = outcome.get(semconv.LLM_RESPONSE_TIME_TO_FIRST_TOKEN)
        if first_chunk is not None:
            self.time_to_first_chunk.record(first_chunk, dimensions)
        cost = outcome.get(semconv.LLM_COST_TOTAL_USD)
        if cost:
            self.cost.add(cost, dimensions)
