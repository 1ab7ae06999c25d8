"""Manual tracking: LLM calls that do not go through LiteLLM (another SDK, speech to text, OCR, …).

They get the same span shape as instrumented calls (`llm.*` and `gen_ai.*` attributes, error
categories, metrics, `llm_context` ids), so they land in the same backends and stores::

    with track_llm_call(api_provider="deepgram", api_type="stt", model="nova-2",
                        operation="transcription", user_id="u-1") as call:
        text = deepgram.transcribe(audio)
        call.update_tokens(input_tokens=0, output_tokens=len(text.split()))
        call.set_cost(0.0043)

    record_llm_call(api_provider="openai", api_type="llm", model="gpt-4o-mini",
                    latency=0.82, input_tokens=120, output_tokens=40)

Spans go to the tracer provider given to `instrument()`, else the global one. Without a cost,
one is estimated from LiteLLM's price map when LiteLLM is installed and knows the model.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import metrics, trace

from . import semconv
from .call import LLMCall
from .config import settings_from
from .context import llm_context
from .metrics import Metrics
from .operations import Operation
from .outcome import Reading, Timing
from .telemetry import Telemetry
from .version import __version__

_OPERATIONS: dict[str, Operation] = {}


class track_llm_call:
    """A span around an LLM call made without LiteLLM; `with` or `async with`.

    An exception raised inside is recorded (status ERROR, category, message) and re-raised.
    """

    def __init__(
        self,
        *,
        api_provider: str,
        model: str,
        api_type: str = "llm",
        operation: str = semconv.CHAT,
        tags: Mapping[str, Any] | None = None,
        **ids: Any,
    ) -> None:
        for name, value in (
            ("api_provider", api_provider),
            ("model", model),
            ("api_type", api_type),
            ("operation", operation),
        ):
            if not isinstance(value, str) or not value:
                raise ValueError(f"track_llm_call() needs a non-empty string {name}, got {value!r}")
        self._context = llm_context(tags=tags, **ids)  # Refuses unknown ids at once.
        self._request = {"model": model, "custom_llm_provider": api_provider, "api_type": api_type}
        self._operation = _operation(operation)
        self._outcome: dict[str, Any] = {}
        self._error: str | None = None
        self._call: LLMCall | None = None

    def update_tokens(
        self,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        total_tokens: int | None = None,
    ) -> None:
        counts = {
            semconv.LLM_USAGE_PROMPT_TOKENS: input_tokens,
            semconv.LLM_USAGE_COMPLETION_TOKENS: output_tokens,
            semconv.LLM_USAGE_TOTAL_TOKENS: total_tokens,
        }
        for name, count in counts.items():
            if count is not None:
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise ValueError(f"token counts must be non-negative ints, got {count!r}")
                self._outcome[name] = count
        if total_tokens is None and input_tokens is not None and output_tokens is not None:
            self._outcome[semconv.LLM_USAGE_TOTAL_TOKENS] = input_tokens + output_tokens

    def set_cost(self, usd: float) -> None:
        if isinstance(usd, bool) or not isinstance(usd, (int, float)) or usd < 0:
            raise ValueError(f"cost must be a non-negative number of US dollars, got {usd!r}")
        self._outcome[semconv.LLM_COST_TOTAL_USD] = float(usd)

    def set_response_model(self, model: str) -> None:
        self._outcome[semconv.LLM_RESPONSE_MODEL] = model

    def set_error(self, message: str) -> None:
        """Mark the call failed without an exception (e.g. the SDK returned an error object)."""
        self._error = str(message)

    def __enter__(self) -> track_llm_call:
        self._context.__enter__()
        self._start()
        return self

    def __exit__(self, error_type: Any, error: BaseException | None, traceback: Any) -> None:
        try:
            self._finish(error)
        finally:
            self._context.__exit__(error_type, error, traceback)

    def _start(self, start_ns: int | None = None) -> None:
        start_ns = time.time_ns() if start_ns is None else start_ns  # Manual calls report their times.
        self._call = LLMCall.start(_telemetry(), self._operation, (), self._request, start_ns=start_ns)

    def _finish(self, error: BaseException | None, end_ns: int | None = None) -> None:
        call = self._call
        if call is None:
            return
        # The end is now, before the cost lookup: its first call imports LiteLLM, which takes seconds.
        end_ns = time.time_ns() if end_ns is None else end_ns
        if error is None and self._error is not None:
            error = RuntimeError(self._error)
        outcome = dict(self._outcome)
        reading = Reading(outcome, reported_cost=outcome.pop(semconv.LLM_COST_TOTAL_USD, None))
        call.finish(lambda: reading, Timing(call.started, end_ns), error)

    async def __aenter__(self) -> track_llm_call:
        return self.__enter__()

    async def __aexit__(self, error_type: Any, error: BaseException | None, traceback: Any) -> None:
        self.__exit__(error_type, error, traceback)


def record_llm_call(
    *,
    api_provider: str,
    model: str,
    latency: float,
    api_type: str = "llm",
    operation: str = semconv.CHAT,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    total_tokens: int | None = None,
    cost: float | None = None,
    response_model: str | None = None,
    error: str | None = None,
    tags: Mapping[str, Any] | None = None,
    **ids: Any,
) -> None:
    """Record a call that already happened and took `latency` seconds, ending now."""
    if isinstance(latency, bool) or not isinstance(latency, (int, float)) or latency < 0:
        raise ValueError(f"latency must be a non-negative number of seconds, got {latency!r}")
    tracked = track_llm_call(
        api_provider=api_provider, model=model, api_type=api_type, operation=operation, tags=tags, **ids
    )
    tracked.update_tokens(input_tokens, output_tokens, total_tokens)
    if cost is not None:
        tracked.set_cost(cost)
    if response_model is not None:
        tracked.set_response_model(response_model)
    if error is not None:
        tracked.set_error(error)
    end_ns = time.time_ns()
    with tracked._context:
        tracked._start(start_ns=end_ns - int(latency * 1e9))
        tracked._finish(None, end_ns)


async def arecord_llm_call(**arguments: Any) -> None:
    """`record_llm_call` for async code (it does no I/O; spans are exported in the background)."""
    record_llm_call(**arguments)


def _operation(name: str) -> Operation:
    """The Operation of a manual call: nothing to read from a request or response."""
    if name not in _OPERATIONS:
        _OPERATIONS[name] = Operation(name, (), _manual_request, lambda response: {})
    return _OPERATIONS[name]


def _manual_request(request: Mapping[str, Any]) -> dict[str, Any]:
    return {semconv.LLM_VENDOR: "manual", semconv.LLM_API_TYPE: request["api_type"]}


def _telemetry() -> Telemetry:
    """The instrumentation's own (its tracer provider, settings and meters), else the global ones."""
    from .instrumentor import LiteLLMInstrumentor

    active = getattr(LiteLLMInstrumentor(), "telemetry", None)
    return active if active is not None else _global_telemetry()


@functools.cache
def _global_telemetry() -> Telemetry:
    """Built once: OpenTelemetry's global tracer and meter follow a provider set later on."""
    tracer = trace.get_tracer(__name__, __version__)
    return Telemetry(tracer, settings_from(), Metrics(metrics.get_meter(__name__, __version__)))
