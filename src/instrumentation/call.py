"""One instrumented call: its span from start to end, whatever the way it ends.

Every path (wrapper, stream, callback, manual) opens the span with `LLMCall.start` and ends it
through `finish`, which runs once, never raises, and is the one place that sets a call's
outcome on its span and its metrics.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from time import perf_counter_ns
from typing import Any

from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from . import semconv
from .attempts import Attempts, FailedAttempt
from .attributes.common import request_attributes
from .attributes.content import Message
from .attributes.errors import error_attributes, redact
from .claims import new_call_id
from .context import context_attributes_in, current_context_attributes
from .internal_errors import report_internal_error
from .litellm_lookups import requested_provider
from .operations import Operation
from .outcome import NOTHING_READ, Reading, Timing, outcome_attributes
from .span_limits import OUTCOME_ROOM, fit, restore
from .telemetry import Telemetry

# Request keyword arguments whose values are secrets: blanked out of error messages.
_SECRET_ARGUMENTS = (
    "api_key",
    "azure_ad_token",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "vertex_credentials",
)
_SECRET_HEADER_ARGUMENTS = ("extra_headers", "headers")
_ATTEMPT_ERROR_ATTRIBUTES = (
    semconv.LLM_ERROR_TYPE,
    semconv.LLM_ERROR_CATEGORY,
    semconv.LLM_ERROR_STATUS_CODE,
    semconv.LLM_ERROR_MESSAGE,
)


class LLMCall:
    """The span of one call of a LiteLLM entry point. Every method is safe to call: it never raises."""

    __slots__ = (
        "_ended",
        "attempts",
        "call_id",
        "input",
        "operation",
        "provider",
        "reported_times",
        "request",
        "room",
        "span",
        "start_attributes",
        "started",
        "telemetry",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        operation: Operation,
        request: Mapping[str, Any],
        span: Span,
        provider: str | None,
        input_messages: list[Message],
        started: int,
        reported_times: bool,
        start_attributes: Mapping[str, Any],
        span_start_ns: int,
    ) -> None:
        self.telemetry = telemetry
        call_id = request.get("litellm_call_id")
        self.call_id = call_id if isinstance(call_id, str) and call_id else new_call_id()
        self.input = input_messages
        self.operation = operation
        self.request = request
        self.span = span
        self.provider = provider
        # The start on the clock of the call's `Timing`: epoch ns when the times are reported
        # (callback, manual), else `perf_counter_ns` (the wrappers measure durations themselves).
        self.started = started
        self.reported_times = reported_times
        # What the span started with, and how many more attributes it can take (None: no limit).
        self.start_attributes = start_attributes
        limit = telemetry.attribute_limit
        self.room = None if limit is None else limit - len(start_attributes)
        # The attempts that fail inside the call, added by the callback and the retry wrappers.
        self.attempts = Attempts(span_start_ns)
        self._ended = False

    @classmethod
    def start(
        cls,
        telemetry: Telemetry,
        operation: Operation,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        *,
        start_ns: int | None = None,
        parent: Context | None = None,
    ) -> LLMCall | None:
        """Open the span of a call about to run; None only if the span itself could not be made
        (the call then runs bare). A fault in reading the request leaves its attributes out."""
        try:
            request = dict(zip(operation.positional, args, strict=False))
            request.update(kwargs)
            model = request.get("model")
            provider = None
            attributes: dict[str, Any] = {
                semconv.LLM_VENDOR: "litellm",
                semconv.LLM_OPERATION: operation.name,
            }
            messages: list[Message] = []
            try:
                provider = requested_provider(request)
                attributes = request_attributes(operation.name, request, provider)
                attributes.update(operation.request(request))
                attributes.update(
                    current_context_attributes() if parent is None else context_attributes_in(parent)
                )
                content = telemetry.content
                if content.captures and operation.input_messages:
                    messages = operation.input_messages(request)
                    if content.on_span and messages:
                        attributes[semconv.LLM_REQUEST_MESSAGES] = content.serialized(messages)
            except Exception:
                report_internal_error(f"reading the request of {operation.name}")
            on_span = telemetry.span_attributes(attributes)
            limit = telemetry.attribute_limit
            if limit is not None and len(on_span) > limit - OUTCOME_ROOM:
                room = max(limit - OUTCOME_ROOM, 0)
                on_span = telemetry.span_attributes(fit(attributes, room, telemetry.span_attributes)[0])
            span_start_ns = start_ns if start_ns is not None else time.time_ns()
            span = telemetry.tracer.start_span(
                f"{operation.name} {model}" if isinstance(model, str) and model else operation.name,
                context=parent,
                kind=SpanKind.CLIENT,
                attributes=on_span,
                start_time=span_start_ns,
            )
            started = start_ns if start_ns is not None else perf_counter_ns()
            reported = start_ns is not None
            return cls(
                telemetry,
                operation,
                request,
                span,
                provider,
                messages,
                started,
                reported,
                on_span,
                span_start_ns,
            )
        except Exception:
            report_internal_error(f"starting the span of {operation.name}")
            return None

    def timing(self, end_ns: int | None = None) -> Timing:
        """The timing of a call that was not streamed, ending at `end_ns` (reported) or now."""
        return Timing(self.started, end_ns if end_ns is not None else perf_counter_ns())

    def succeed(self, response: Any, timing: Timing | None = None) -> None:
        """End the span of a call that returned `response` (not a stream)."""
        self.finish(lambda: self.operation.read(response), timing or self.timing())

    def fail(self, error: BaseException, timing: Timing | None = None) -> None:
        """End the span of a call that raised `error` (the caller re-raises it unchanged)."""
        self.finish(None, timing or self.timing(), error)

    def finish(
        self, read: Callable[[], Reading] | None, timing: Timing, error: BaseException | None = None
    ) -> None:
        """End the span once: the outcome of what `read` returns (None: nothing to read) and of
        `timing`, and the `error` the call raised, if any."""
        if self._ended:
            return
        self._ended = True
        attributes: dict[str, Any] = {}
        output: list[Message] = []
        failures = self.attempts.close()
        try:
            reading = read() if read is not None else NOTHING_READ
            attributes = outcome_attributes(
                self.request, self.provider, reading, timing, failures, failed=error is not None
            )
            if (
                error is None
                and reading.output is not None
                and self.telemetry.content.captures
                and self.span.is_recording()
            ):
                output = reading.output()
        except Exception:
            report_internal_error(f"recording the outcome of {self.operation.name}")
        try:
            if error is not None:
                attributes = self._record_error(error) | attributes
            on_span = dict(attributes)
            if output and self.telemetry.content.on_span:
                on_span[semconv.LLM_RESPONSE_CONTENT] = self.telemetry.content.serialized(output)
            self._set_attributes(on_span)
            if semconv.LLM_REQUEST_ATTEMPTS in attributes:
                self._attempt_events(failures)
            self._content_event(output)
        except Exception:
            report_internal_error(f"recording the outcome of {self.operation.name}")
        self._end(attributes, timing)

    def _set_attributes(self, attributes: Mapping[str, Any]) -> None:
        """The outcome on the span, fitted into the room it has left."""
        on_span = self.telemetry.span_attributes(attributes)
        if self.room is not None and len(on_span) > self.room:
            on_span = self.telemetry.span_attributes(
                fit(attributes, self.room, self.telemetry.span_attributes)[0]
            )
        if on_span:
            self.span.set_attributes(on_span)
        if getattr(self.span, "dropped_attributes", 0):  # A limit lower than the environment's.
            restore(self.span, {**self.start_attributes, **on_span})

    def _attempt_events(self, failures: list[FailedAttempt]) -> None:
        """An `llm.attempt` event per failed attempt, at the time it failed."""
        secrets = self._secrets()
        for index, failure in enumerate(failures):
            error = error_attributes(failure.error, self.provider, secrets)
            event = {
                semconv.LLM_ATTEMPT_INDEX: index,
                semconv.LLM_ATTEMPT_DURATION: (failure.end_ns - failure.start_ns) / 1e9,
                semconv.LLM_REQUEST_MODEL: failure.model,
                semconv.LLM_ROUTER_DEPLOYMENT: failure.deployment,
                **{name: error.get(name) for name in _ATTEMPT_ERROR_ATTRIBUTES},
            }
            self.span.add_event(
                semconv.LLM_ATTEMPT_EVENT,
                {name: value for name, value in event.items() if value is not None},
                timestamp=failure.end_ns,
            )

    def _record_error(self, error: BaseException) -> dict[str, Any]:
        """The error's attributes; its exception event and the span's status recorded."""
        secrets = self._secrets()
        attributes = error_attributes(error, self.provider, secrets)
        message = attributes[semconv.LLM_ERROR_MESSAGE]
        stacktrace = redact("".join(traceback.format_exception(error)), secrets)
        self.span.record_exception(
            error, attributes={"exception.message": message, "exception.stacktrace": stacktrace}
        )
        self.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {message[:200]}"))
        return attributes

    def _content_event(self, output: list[Message]) -> None:
        """The GenAI content event, when content goes to events."""
        content = self.telemetry.content
        if not content.as_event or not (self.input or output):
            return
        messages = {semconv.GEN_AI_INPUT_MESSAGES: self.input, semconv.GEN_AI_OUTPUT_MESSAGES: output}
        self.span.add_event(
            semconv.GEN_AI_CONTENT_EVENT,
            {name: content.serialized(listed) for name, listed in messages.items() if listed},
        )

    def _end(self, outcome: Mapping[str, Any], timing: Timing) -> None:
        try:
            self.span.end(timing.end if self.reported_times else None)
            self.telemetry.metrics.record(
                self.operation.name,
                self.provider or outcome.get(semconv.LLM_PROVIDER),
                self.request.get("model"),
                timing.duration,
                outcome,
            )
        except Exception:
            report_internal_error("ending a call")

    def _secrets(self) -> tuple[str, ...]:
        """Secret strings of the request, so that no error message can carry them out."""
        found = [self.request.get(name) for name in _SECRET_ARGUMENTS]
        for name in _SECRET_HEADER_ARGUMENTS:
            headers = self.request.get(name)
            if isinstance(headers, Mapping):
                found.extend(headers.values())
        return tuple(value for value in found if isinstance(value, str) and len(value) >= 4)
