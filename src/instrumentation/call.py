"""One instrumented call: its span from start to end, whatever the way it ends."""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from . import semconv
from .attributes.common import request_attributes
from .attributes.content import Message
from .attributes.errors import error_attributes, redact
from .attributes.provider import requested_provider, response_provider
from .config import ContentCapture
from .context import context_attributes_in, current_context_attributes
from .safety import report_internal_error
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


@dataclass(frozen=True)
class Operation:
    """How to describe one kind of LiteLLM call."""

    name: str
    # Names of the entry point's leading positional parameters, to read them as keywords.
    positional: tuple[str, ...]
    # Attributes of the request beyond the common ones.
    request: Callable[[Mapping[str, Any]], dict[str, Any]]
    # Attributes of a successful response, given the response and the request.
    response: Callable[[Any, Mapping[str, Any]], dict[str, Any]]
    # Captured content (opt-in): the request's and the response's messages, GenAI-shaped.
    input_messages: Callable[[Mapping[str, Any]], list[Message]] | None = None
    output_messages: Callable[[Any], list[Message]] | None = None
    # How a streamed result reads, for operations that stream.
    stream: StreamShape | None = None


@dataclass(frozen=True)
class StreamShape:
    """How to read the chunks (or events) of one operation's stream."""

    # Whether a chunk carries the first generated output (what time to first token waits for).
    first_output: Callable[[Any], bool]
    # Attributes of the whole stream, given its chunks and the request.
    response: Callable[[Sequence[Any], Mapping[str, Any]], dict[str, Any]]
    # Captured content of the whole stream.
    output_messages: Callable[[Sequence[Any]], list[Message]] | None = None


class LLMCall:
    """The span of one call of a LiteLLM entry point. Every method is safe to call: it never raises."""

    __slots__ = (
        "_ended",
        "call_id",
        "input",
        "kwargs",
        "operation",
        "provider",
        "span",
        "start_ns",
        "started",
        "telemetry",
    )

    def __init__(
        self,
        telemetry: Telemetry,
        operation: Operation,
        kwargs: Mapping[str, Any],
        span: Span,
        provider: str | None,
        input_messages: list[Message],
        start_ns: int,
    ) -> None:
        self.telemetry = telemetry
        self.start_ns = start_ns
        call_id = kwargs.get("litellm_call_id")
        self.call_id = call_id if isinstance(call_id, str) and call_id else _new_call_id()
        self.input = input_messages
        self.operation = operation
        self.kwargs = kwargs
        self.span = span
        self.provider = provider
        self.started = time.perf_counter()
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
        """Open the span of a call about to run; None if that failed (the call then runs bare)."""
        try:
            request = dict(zip(operation.positional, args, strict=False))
            request.update(kwargs)
            provider = requested_provider(request)
            attributes = request_attributes(operation.name, request, provider)
            attributes.update(operation.request(request))
            if parent is None:
                attributes.update(current_context_attributes())
            else:
                attributes.update(context_attributes_in(parent))
            capture = telemetry.settings.capture_content
            messages = []
            if capture is not ContentCapture.NO_CONTENT and operation.input_messages:
                messages = operation.input_messages(request)
                if capture.on_span and messages:
                    attributes[semconv.LLM_REQUEST_MESSAGES] = telemetry.serialized(messages)
            model = request.get("model")
            start_ns = start_ns if start_ns is not None else time.time_ns()
            span = telemetry.tracer.start_span(
                f"{operation.name} {model}" if isinstance(model, str) and model else operation.name,
                context=parent,
                kind=SpanKind.CLIENT,
                attributes=telemetry.span_attributes(attributes),
                start_time=start_ns,
            )
            return cls(telemetry, operation, request, span, provider, messages, start_ns)
        except Exception:
            report_internal_error(f"starting the span of {operation.name}")
            return None

    def duration(self, end_ns: int | None = None) -> float:
        """Seconds from the call's start to `end_ns` (LiteLLM's reported end), or to now."""
        if end_ns is not None:
            return (end_ns - self.start_ns) / 1e9
        return time.perf_counter() - self.started

    @property
    def captures_content(self) -> bool:
        return self.telemetry.settings.capture_content is not ContentCapture.NO_CONTENT

    def succeed(
        self, response: Any, extra: Mapping[str, Any] | None = None, end_ns: int | None = None
    ) -> None:
        """End the span of a call that returned `response`."""
        if self._ended:
            return
        attributes: dict[str, Any] = {}
        output: list[Message] = []
        try:
            attributes = self.operation.response(response, self.kwargs)  # Metrics need it unsampled too.
            if extra:
                attributes |= extra
            completion_tokens = attributes.get(semconv.LLM_USAGE_COMPLETION_TOKENS)
            if completion_tokens:
                attributes[semconv.LLM_RESPONSE_TOKENS_PER_SECOND] = completion_tokens / self.duration(end_ns)
            if self.provider is None:
                provider = response_provider(response)
                if provider:
                    attributes[semconv.LLM_PROVIDER] = provider
            if self.captures_content and self.operation.output_messages and self.span.is_recording():
                output = self.operation.output_messages(response)
        except Exception:
            report_internal_error(f"recording the response of {self.operation.name}")
        self.complete(attributes, output, end_ns)

    def complete(
        self, attributes: Mapping[str, Any], output: list[Message] | None = None, end_ns: int | None = None
    ) -> None:
        """End the span of a successful call with the attributes of its outcome."""
        if self._ended:
            return
        try:
            if output and self.telemetry.settings.capture_content.on_span:
                attributes = {**attributes, semconv.LLM_RESPONSE_CONTENT: self.telemetry.serialized(output)}
            self.telemetry.set_attributes(self.span, attributes)
            self._content_event(output or [])
        except Exception:
            report_internal_error(f"recording the response of {self.operation.name}")
        self._end(attributes, end_ns)

    def fail(
        self, error: BaseException, extra: Mapping[str, Any] | None = None, end_ns: int | None = None
    ) -> None:
        """End the span of a call that raised `error` (the caller re-raises it unchanged)."""
        if self._ended:
            return
        attributes: dict[str, Any] = {}
        try:
            secrets = self._secrets()
            attributes = error_attributes(error, self.provider, secrets)
            if extra:
                attributes |= extra
            self.span.set_attributes(self.telemetry.span_attributes(attributes))
            message = attributes[semconv.LLM_ERROR_MESSAGE]
            stacktrace = redact("".join(traceback.format_exception(error)), secrets)
            self.span.record_exception(
                error, attributes={"exception.message": message, "exception.stacktrace": stacktrace}
            )
            self.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {message[:200]}"))
            self._content_event([])
        except Exception:
            report_internal_error(f"recording the error of {self.operation.name}")
        self._end(attributes, end_ns)

    def _content_event(self, output: list[Message]) -> None:
        """The GenAI content event, when content goes to events."""
        if not self.telemetry.settings.capture_content.as_event or not (self.input or output):
            return
        content = {semconv.GEN_AI_INPUT_MESSAGES: self.input, semconv.GEN_AI_OUTPUT_MESSAGES: output}
        self.span.add_event(
            semconv.GEN_AI_CONTENT_EVENT,
            {name: self.telemetry.serialized(messages) for name, messages in content.items() if messages},
        )

    def _end(self, outcome: Mapping[str, Any], end_ns: int | None) -> None:
        self._ended = True
        try:
            self.span.end(end_ns)
            self.telemetry.metrics.record(
                self.operation.name,
                self.provider or outcome.get(semconv.LLM_PROVIDER),
                self.kwargs.get("model"),
                self.duration(end_ns),
                outcome,
            )
        except Exception:
            report_internal_error("ending a call")

    def _secrets(self) -> tuple[str, ...]:
        """Secret strings of the request, so that no error message can carry them out."""
        found = [self.kwargs.get(name) for name in _SECRET_ARGUMENTS]
        for name in _SECRET_HEADER_ARGUMENTS:
            headers = self.kwargs.get(name)
            if isinstance(headers, Mapping):
                found.extend(headers.values())
        return tuple(value for value in found if isinstance(value, str) and len(value) >= 4)


def _new_call_id() -> str:
    """A random version-4 UUID, as LiteLLM's own call ids: from `random`, since `uuid4`'s os.urandom
    costs up to ~20 µs a call on some virtual machines, and a correlation id needs no cryptography.
    Formatted by hand: `uuid.UUID`'s checks cost more than the rest of the id."""
    bits = f"{random.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}"


# The version (4) and variant (RFC 4122) bits of a UUID, as `uuid.UUID(..., version=4)` sets them.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)
