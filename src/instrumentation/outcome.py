"""The outcome of a call: every value derived from what the extractors read and when things happened.

Every path ends a call here: a wrapper call, a wrapper stream, a call or stream only the LiteLLM
callback saw, a manual call. They differ only in the `Reading` and the `Timing` they hand in;
the rules below (stream figures, provider, usage estimate, cost, tokens per second) exist once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import litellm_lookups, semconv
from .attempts import FailedAttempt
from .attributes.content import Message


@dataclass(frozen=True)
class Reading:
    """What the pure extractors read of a call's result: its attributes, and what LiteLLM reported."""

    attributes: Mapping[str, Any]
    # The cost LiteLLM computed for the response, when it could price it.
    reported_cost: float | None = None
    # The provider LiteLLM says served the call (it knows when resolution beforehand could not).
    served_by: str | None = None
    # The usage object as LiteLLM gave it: priced whole (cached, cache-write and reasoning tokens).
    usage: Any = None
    # Whether LiteLLM answered from its response cache (the usage is then the original call's, replayed).
    cache_hit: bool = False
    # Router calls: the deployment that served (`model_info.id`), and the fallbacks the Router reports.
    deployment: str | None = None
    fallbacks: int | None = None
    # The generated text, for a token estimate when the provider reported no usage (chat, text).
    text: Callable[[], str] | None = None
    # Captured content of the result (only called when content is captured).
    output: Callable[[], list[Message]] | None = None


NOTHING_READ = Reading({})


@dataclass(frozen=True)
class Timing:
    """When a call's moments happened, in nanoseconds on one clock, and how its stream ended.

    The stream fields stay None for a call that was not streamed, and for what the path cannot
    see (the callback knows a stream's first output, not its chunks).
    """

    start: int
    end: int
    first_chunk: int | None = None
    first_output: int | None = None
    last_chunk: int | None = None
    chunk_count: int | None = None
    # True when the stream was read to its end, False when it stopped early or failed; None: no stream.
    stream_completed: bool | None = None

    @property
    def duration(self) -> float:
        """Seconds from start to end."""
        return (self.end - self.start) / 1e9

    @property
    def generation_time(self) -> float:
        """Seconds the output took: from the first chunk carrying output (else the first chunk, else
        the start) to the last chunk (else the end). For a call not streamed, its duration."""
        begin = self.first_output if self.first_output is not None else self.first_chunk
        finish = self.last_chunk if self.last_chunk is not None else self.end
        return (finish - (begin if begin is not None else self.start)) / 1e9


def outcome_attributes(
    request: Mapping[str, Any],
    requested_provider: str | None,
    reading: Reading,
    timing: Timing,
    failures: Sequence[FailedAttempt] = (),
    failed: bool = False,
) -> dict[str, Any]:
    """The `llm.*` attributes of a call's outcome: what was read, plus every derived value. `failures`
    are the attempts that failed inside the call; `failed`, whether the call itself did."""
    attributes = dict(reading.attributes)
    attributes.update(attempt_attributes(reading, failures, failed))
    if timing.stream_completed is not None:
        attributes.update(stream_attributes(timing))
    if requested_provider is None and reading.served_by:
        attributes[semconv.LLM_PROVIDER] = reading.served_by
    model = request.get("model")
    reported_cost, usage = reading.reported_cost, reading.usage
    if semconv.LLM_USAGE_PROMPT_TOKENS not in attributes and reading.text is not None:
        estimated = litellm_lookups.estimated_usage(model, _prompt(request), reading.text())
        if estimated:
            attributes.update(estimated)
            reported_cost = usage = None  # LiteLLM priced the zero tokens it was told of.
    cost = reported_cost
    if cost is None or reading.cache_hit:
        cost = litellm_lookups.price(model, reading.served_by or requested_provider, attributes, usage)
    if reading.cache_hit:  # Nothing was generated or paid for: the replayed usage's price was saved.
        attributes[semconv.LLM_RESPONSE_CACHE_HIT] = True
        attributes[semconv.LLM_COST_TOTAL_USD] = 0.0
        if cost is not None:
            attributes[semconv.LLM_COST_SAVED_USD] = cost
        return attributes
    if cost is not None:
        attributes[semconv.LLM_COST_TOTAL_USD] = cost
    completion_tokens = attributes.get(semconv.LLM_USAGE_COMPLETION_TOKENS)
    generation_time = timing.generation_time
    if completion_tokens and generation_time > 0:
        attributes[semconv.LLM_RESPONSE_TOKENS_PER_SECOND] = completion_tokens / generation_time
    return attributes


def attempt_attributes(reading: Reading, failures: Sequence[FailedAttempt], failed: bool) -> dict[str, Any]:
    """How many attempts the call made, and under a Router, which deployment served (or failed last) and
    how many fallbacks it took. A failed call's last failure is its own error, already among `failures`."""
    attributes: dict[str, Any] = {}
    attempts = len(failures) if failed and failures else len(failures) + 1
    if attempts > 1:
        attributes[semconv.LLM_REQUEST_ATTEMPTS] = attempts
    deployment = reading.deployment if not failed else (failures[-1].deployment if failures else None)
    if deployment:
        attributes[semconv.LLM_ROUTER_DEPLOYMENT] = deployment
    fallbacks = reading.fallbacks
    if fallbacks is None:  # Not reported (a failed call, a stream): the model groups the call left.
        groups = set(failure.model_group for failure in failures if failure.model_group)
        fallbacks = len(groups) - 1 if failed else len(groups)
    if fallbacks > 0:
        attributes[semconv.LLM_ROUTER_FALLBACKS] = fallbacks
    return attributes


def stream_attributes(timing: Timing) -> dict[str, Any]:
    """What the timing of a stream tells: time to first token, chunk count, duration and rate."""
    attributes: dict[str, Any] = {
        semconv.LLM_RESPONSE_IS_STREAMING: True,
        semconv.LLM_RESPONSE_STREAM_COMPLETED: bool(timing.stream_completed),
    }
    if timing.chunk_count is not None:
        attributes[semconv.LLM_RESPONSE_CHUNK_COUNT] = timing.chunk_count
    if timing.first_output is not None:
        attributes[semconv.LLM_RESPONSE_TIME_TO_FIRST_TOKEN] = (timing.first_output - timing.start) / 1e9
    if timing.first_chunk is not None and timing.last_chunk is not None:
        duration = (timing.last_chunk - timing.first_chunk) / 1e9
        attributes[semconv.LLM_RESPONSE_STREAM_DURATION] = duration
        if duration > 0 and timing.chunk_count:
            attributes[semconv.LLM_RESPONSE_CHUNKS_PER_SECOND] = timing.chunk_count / duration
    return attributes


def _prompt(request: Mapping[str, Any]) -> Any:
    """What a token estimate counts as the prompt: the chat messages, or the text completion prompt."""
    return request.get("messages") or [{"role": "user", "content": request.get("prompt")}]
