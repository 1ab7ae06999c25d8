"""Wrapper factories: the span lifecycle around one call of a LiteLLM entry point.

One factory per calling convention (sync, async); what differs between operations lives in
their `Operation`, so every entry point shares this code.
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import context, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from .attempts import Attempts, FailedAttempt
from .attributes.fields import as_name
from .call import LLMCall
from .claims import CALLS, INSIDE_CALL
from .internal_errors import report_internal_error
from .operations import Operation
from .stream import StreamWrapper
from .telemetry import Telemetry

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]


def sync_wrapper(telemetry: Telemetry, operation: Operation) -> Wrapper:
    def wrapper(
        wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if not is_instrumentation_enabled() or context.get_value(INSIDE_CALL):
            return wrapped(*args, **kwargs)
        call = LLMCall.start(telemetry, operation, args, kwargs)
        if call is None:
            return wrapped(*args, **kwargs)
        token = _enter(call, kwargs)
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as error:
            call.fail(error)
            raise
        finally:
            context.detach(token)
        return _outcome(call, result)

    return wrapper


def async_wrapper(telemetry: Telemetry, operation: Operation) -> Wrapper:
    async def wrapper(
        wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if not is_instrumentation_enabled() or context.get_value(INSIDE_CALL):
            return await wrapped(*args, **kwargs)
        call = LLMCall.start(telemetry, operation, args, kwargs)
        if call is None:
            return await wrapped(*args, **kwargs)
        token = _enter(call, kwargs)
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as error:
            call.fail(error)
            raise
        finally:
            context.detach(token)
        return _outcome(call, result)

    return wrapper


def retry_wrapper(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Around LiteLLM's `*_with_retries`, which it calls from inside the `except` of a failed attempt
    without reporting that attempt to any hook: the attempt's exception is the one being handled."""
    attempts = context.get_value(INSIDE_CALL)
    error = sys.exc_info()[1]
    if isinstance(attempts, Attempts) and isinstance(error, Exception):
        try:
            model = kwargs.get("model", args[0] if args else None)
            failure = FailedAttempt(error, attempts.next_start_ns, time.time_ns(), as_name(model), None, None)
            attempts.failed(None, failure)
        except Exception:
            report_internal_error("recording a retried attempt")
    return wrapped(*args, **kwargs)


def _enter(call: LLMCall, kwargs: dict[str, Any]) -> object:
    """Claim the call for this span, under an id LiteLLM hands to our callback, and make the
    span current (LiteLLM's own work nests under it)."""
    kwargs["litellm_call_id"] = call.call_id
    CALLS.claimed.put(call.call_id, call.attempts)
    return context.attach(context.set_value(INSIDE_CALL, call.attempts, trace.set_span_in_context(call.span)))


def _outcome(call: LLMCall, result: Any) -> Any:
    """Hand the result back, ending the span now or when the stream or coroutine ends."""
    try:
        if inspect.isawaitable(result):  # `completion(..., acompletion=True)`
            return _awaited(call, result)
        shape = call.operation.stream
        if (
            shape
            and call.request.get("stream")
            and (hasattr(result, "__next__") or hasattr(result, "__anext__"))
        ):
            return StreamWrapper(result, call, shape)
        call.succeed(result)
    except Exception:
        report_internal_error("handling a result")
        call.finish(None, call.timing())
    return result


async def _awaited(call: LLMCall, awaitable: Awaitable[Any]) -> Any:
    try:
        result = await awaitable
    except BaseException as error:
        call.fail(error)
        raise
    return _outcome(call, result)
