"""The LiteLLM callback: the span of a call the wrappers did not see, and nothing for one they did.

Registered by `instrument()` in `litellm.callbacks`, and what the name `"agentops"` in
`litellm.success_callback` / `failure_callback` resolves to (see `litellm_callbacks`). For a call a
wrapper traced (its `litellm_call_id` is claimed) every hook costs one dictionary lookup.
Otherwise, e.g. `from litellm import completion` imported before `instrument()`, the hook
makes the call's one span itself, from what LiteLLM reports: its start and end times, the
caller's context remembered by the pre-call hook, the response or the exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from litellm.integrations.custom_logger import CustomLogger
from opentelemetry import context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from .attempts import Attempts, FailedAttempt
from .attributes.fields import as_name, field
from .call import LLMCall
from .claims import CALLS, INSIDE_CALL
from .internal_errors import report_internal_error
from .operations import OPERATIONS
from .outcome import Timing
from .telemetry import Telemetry


class CallbackHandler(CustomLogger):
    """LiteLLM's hooks, routed to one span per call."""

    def __init__(self, telemetry: Telemetry) -> None:
        super().__init__()
        self.telemetry = telemetry

    def log_pre_api_call(self, model: Any, messages: Any, kwargs: dict[str, Any]) -> None:
        """Runs in the caller's context on every path: remember it for the span's parent."""
        try:
            call_id = kwargs.get("litellm_call_id")
            if not isinstance(call_id, str) or call_id in CALLS.claimed:
                return
            outer = context.get_value(INSIDE_CALL)
            if outer is not None:  # An attempt a wrapped call makes (a Router's): part of its span.
                CALLS.claimed.put(call_id, outer)
            elif is_instrumentation_enabled():
                CALLS.parents.put(call_id, context.get_current())
            else:
                CALLS.claimed.put(call_id)  # Suppressed: no span, from the hooks either.
        except Exception:
            report_internal_error("the LiteLLM pre-call hook")

    def log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        self._finish(kwargs, response_obj, start_time, end_time, None)

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        self._finish(kwargs, response_obj, start_time, end_time, None)

    def log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        self._finish(kwargs, None, start_time, end_time, _exception(kwargs))

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        self._finish(kwargs, None, start_time, end_time, _exception(kwargs))

    def _finish(
        self,
        kwargs: dict[str, Any],
        response: Any,
        start_time: Any,
        end_time: Any,
        error: BaseException | None,
    ) -> None:
        try:
            call_id = kwargs.get("litellm_call_id")
            if not isinstance(call_id, str):
                return
            if call_id in CALLS.claimed:  # A wrapper makes its span, it was suppressed, or a hook did.
                attempts = CALLS.claimed.get(call_id)
                if error is not None and isinstance(attempts, Attempts):
                    _attempt_failed(attempts, call_id, kwargs, error, start_time, end_time)
                return
            CALLS.claimed.put(call_id)  # LiteLLM fires both hooks for some calls (sync Responses streams).
            operation = OPERATIONS.get(kwargs.get("call_type"))
            start_ns, end_ns = _ns(start_time), _ns(end_time)
            if operation is None or start_ns is None or end_ns is None:
                return
            parent = CALLS.parents.pop(call_id)
            call = LLMCall.start(
                self.telemetry, operation, (), _request(kwargs), start_ns=start_ns, parent=parent
            )
            if call is None:
                return
            timing = _timing(kwargs, start_ns, end_ns)
            if error is None:
                call.succeed(response, timing)
            else:
                call.fail(error, timing)
        except Exception:
            report_internal_error("the LiteLLM callback")


def callback_request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The call's request, rebuilt from LiteLLM's logging details (its kwargs to the hooks)."""
    litellm_params = kwargs.get("litellm_params") or {}
    metadata = litellm_params.get("metadata") or {}
    hidden = metadata.get("hidden_params") or {}
    request = dict(kwargs.get("optional_params") or {})
    request.update(
        model=_qualified_model(kwargs.get("model"), kwargs.get("custom_llm_provider")),
        messages=kwargs.get("messages"),
        stream=bool(kwargs.get("stream")),
        api_base=litellm_params.get("api_base") or hidden.get("api_base"),
        custom_llm_provider=kwargs.get("custom_llm_provider"),
        metadata=metadata,
        litellm_call_id=kwargs.get("litellm_call_id"),
        # What LiteLLM logs as `input` is the embedding input, the text completion prompt and the
        # Responses API input; an upload is only in the request it built.
        input=kwargs.get("input"),
        prompt=kwargs.get("input"),
        file=((kwargs.get("additional_args") or {}).get("complete_input_dict") or {}).get("file"),
        # Never recorded; known so that error messages echoing them get redacted.
        api_key=kwargs.get("api_key") or litellm_params.get("api_key"),
        extra_headers=kwargs.get("extra_headers") or litellm_params.get("extra_headers"),
    )
    return request


def _request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The call's request; only its model when it cannot be rebuilt (the call keeps its span)."""
    try:
        return callback_request(kwargs)
    except Exception:
        report_internal_error("the LiteLLM callback's request")
        return {"model": _qualified_model(kwargs.get("model"), kwargs.get("custom_llm_provider"))}


def _qualified_model(model: Any, provider: Any) -> Any:
    """LiteLLM hands hooks the model without its provider prefix: put it back, as LiteLLM's own
    `litellm_model_name` does (the caller's exact spelling is not reported)."""
    if (
        isinstance(model, str)
        and isinstance(provider, str)
        and provider
        and not model.startswith(f"{provider}/")
    ):
        return f"{provider}/{model}"
    return model


def _timing(kwargs: Mapping[str, Any], start_ns: int, end_ns: int) -> Timing:
    """The call's times as LiteLLM reports them; of a stream, only its first output is known (and
    that it was read to the end: LiteLLM reports a stream only then)."""
    if not kwargs.get("stream"):
        return Timing(start_ns, end_ns)
    first_output = _ns(kwargs.get("completion_start_time"))
    if first_output is not None and not start_ns <= first_output <= end_ns:
        first_output = None
    return Timing(start_ns, end_ns, first_output=first_output, stream_completed=True)


def _attempt_failed(
    attempts: Attempts,
    call_id: str,
    kwargs: Mapping[str, Any],
    error: BaseException,
    start_time: Any,
    end_time: Any,
) -> None:
    start_ns, end_ns = _ns(start_time), _ns(end_time)
    if start_ns is None or end_ns is None:
        return
    metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
    model = _qualified_model(kwargs.get("model"), kwargs.get("custom_llm_provider"))
    attempt = FailedAttempt(
        error,
        start_ns,
        end_ns,
        as_name(model),
        as_name(field(metadata.get("model_info"), "id")),
        as_name(metadata.get("model_group")),
    )
    attempts.failed(call_id, attempt)


def _exception(kwargs: Mapping[str, Any]) -> BaseException:
    error = kwargs.get("exception")
    return error if isinstance(error, BaseException) else RuntimeError("LiteLLM reported a failure")


def _ns(moment: Any) -> int | None:
    """Epoch nanoseconds of a datetime or epoch seconds, as LiteLLM reports times."""
    if isinstance(moment, datetime):
        return int(moment.timestamp() * 1e9)
    if isinstance(moment, (int, float)) and not isinstance(moment, bool):
        return int(moment * 1e9)
    return None
