"""The LiteLLM callback: "agentops" routes to us, and every call gets exactly one span whether the
wrappers, the callback or both see it."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

import litellm
import pytest
from litellm.litellm_core_utils import litellm_logging
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode

from instrumentation import LiteLLMInstrumentor
from instrumentation.callback import CallbackHandler

from .conftest import MODEL, settled_spans
from .helpers import expected_cost
from .openai_bodies import error_body
from .openai_server import Scripted

HI = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"
# Bound before instrument(): what `from litellm import completion` at the top of an app gives.
UNWRAPPED_COMPLETION = litellm.completion
UNWRAPPED_ACOMPLETION = litellm.acompletion


@pytest.fixture(autouse=True)
def callback_lists():
    """Each test starts and ends with LiteLLM's callback lists as they were."""
    saved = {
        name: list(getattr(litellm, name)) for name in ("callbacks", "success_callback", "failure_callback")
    }
    yield
    for name, entries in saved.items():
        setattr(litellm, name, entries)


@pytest.fixture
def agentops_strings():
    litellm.success_callback = ["agentops"]
    litellm.failure_callback = ["agentops"]


@pytest.fixture(autouse=True)
def no_outside_connections(monkeypatch):
    """Fail the test on any attempt to reach anything but loopback (LiteLLM's AgentOps logger
    would call its remote host)."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")):
            attempts.append(address)
            raise ConnectionRefusedError(f"test forbids connecting to {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setenv("AGENTOPS_API_KEY", "agentops-test-key")
    yield attempts
    assert attempts == []


# --- Routing the name ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("instrument", "agentops_strings")
def test_agentops_string_resolves_to_our_handler(exporter, call_args):
    provider_before = trace.get_tracer_provider()

    litellm.completion(model=MODEL, messages=HI, **call_args)

    handlers = [entry for entry in litellm.success_callback if isinstance(entry, CallbackHandler)]
    assert len(handlers) == 1
    assert not [entry for entry in litellm.success_callback if type(entry).__name__ == "AgentOps"]
    assert trace.get_tracer_provider() is provider_before
    assert len(settled_spans(exporter, 1)) == 1


def test_uninstrument_removes_only_what_we_added(tracer_provider, call_args):
    class Mine(litellm.integrations.custom_logger.CustomLogger):
        pass

    mine = Mine()
    original_resolver = litellm_logging._init_custom_logger_compatible_class
    litellm.callbacks = [mine]
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    litellm.success_callback = ["agentops"]
    litellm.completion(model=MODEL, messages=HI, **call_args)

    instrumentor.uninstrument()

    assert litellm_logging._init_custom_logger_compatible_class is original_resolver
    for name in (
        "callbacks",
        "success_callback",
        "failure_callback",
        "_async_success_callback",
        "input_callback",
    ):
        assert not [entry for entry in getattr(litellm, name) if isinstance(entry, CallbackHandler)], name
    assert mine in litellm.callbacks


# --- Exactly one span, whoever sees the call ----------------------------------------------------------------


def _make_call(entry: str, is_async: bool, stream: bool, call_args: dict):
    """Run one chat call through the wrapped (`litellm.*`) or the unwrapped entry point."""
    completion = litellm.completion if entry == "wrapped" else UNWRAPPED_COMPLETION
    acompletion = litellm.acompletion if entry == "wrapped" else UNWRAPPED_ACOMPLETION

    async def run_async():
        result = await acompletion(model=MODEL, messages=HI, stream=stream, **call_args)
        if stream:
            async for _ in result:
                pass
        await asyncio.sleep(0.2)  # LiteLLM's async success hook runs on its logging worker.

    if is_async:
        asyncio.run(run_async())
        return
    result = completion(model=MODEL, messages=HI, stream=stream, **call_args)
    if stream:
        for _ in result:
            pass


@pytest.mark.usefixtures("instrument")
@pytest.mark.parametrize("strings", [False, True], ids=["handler", "handler+agentops"])
@pytest.mark.parametrize("entry", ["wrapped", "callback-only"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_one_span_per_successful_call(strings, entry, is_async, stream, tracer_provider, exporter, call_args):
    if strings:
        litellm.success_callback = ["agentops"]
        litellm.failure_callback = ["agentops"]
    tracer = tracer_provider.get_tracer("app")

    with tracer.start_as_current_span("app") as parent:
        before_ns = time.time_ns()
        _make_call(entry, is_async, stream, call_args)
        after_ns = time.time_ns()

    (span,) = settled_spans(exporter, 1)
    settled_ns = time.time_ns()
    attributes = span.attributes
    assert span.name == "chat openai/gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert span.parent.span_id == parent.get_span_context().span_id
    # The span lies within the call, but for a callback-only sync stream: LiteLLM times that one's end on
    # its logging thread, after the consumer's loop, so its end is only sure to come before the span is there.
    late_end = entry == "callback-only" and not is_async and stream
    assert before_ns <= span.start_time <= span.end_time <= (settled_ns if late_end else after_ns)
    assert attributes["llm.request.model"] == MODEL
    assert attributes["llm.provider"] == "openai"
    assert attributes["llm.request.stream"] is stream
    assert attributes["llm.request.messages_count"] == 1
    assert attributes["llm.response.finish_reason"] == "stop"
    assert attributes["llm.usage.total_tokens"] > 0
    assert attributes["llm.cost.total_usd"] > 0
    if not stream:
        assert (attributes["llm.usage.prompt_tokens"], attributes["llm.usage.completion_tokens"]) == (12, 7)
        assert attributes["llm.response.content_length"] == len("Hello from the test server!")
    else:
        assert attributes["llm.response.is_streaming"] is True
        assert attributes["llm.response.stream_completed"] is True
        assert 0 < attributes["llm.response.time_to_first_token"] <= (span.end_time - span.start_time) / 1e9


@pytest.mark.usefixtures("instrument", "agentops_strings")
@pytest.mark.parametrize("entry", ["wrapped", "callback-only"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_one_span_per_failed_call(entry, is_async, openai_server, exporter, call_args):
    openai_server.script(CHAT, Scripted(status=429, body=error_body("Rate limit reached", "requests")))

    with pytest.raises(litellm.RateLimitError):
        _make_call(entry, is_async, False, call_args)

    (span,) = settled_spans(exporter, 1)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["llm.error.category"] == "rate_limit"
    assert span.attributes["llm.error.status_code"] == 429
    assert span.attributes["error.type"] == "litellm.exceptions.RateLimitError"
    assert [event.name for event in span.events] == ["exception"]


@pytest.mark.usefixtures("instrument")
def test_callback_only_span_uses_litellm_times_and_request(exporter, call_args):
    UNWRAPPED_COMPLETION(model=MODEL, messages=HI, temperature=0.4, max_tokens=30, **call_args)

    (span,) = settled_spans(exporter, 1)
    attributes = span.attributes
    assert attributes["llm.request.temperature"] == 0.4
    assert attributes["llm.request.max_tokens"] == 30
    assert attributes["llm.request.api_base"].startswith(call_args["api_base"])
    assert attributes["llm.response.id"] == "chatcmpl-test"
    assert attributes["llm.response.model"] == "gpt-4o-mini"
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected_cost("gpt-4o-mini", 12, 7))


@pytest.mark.usefixtures("instrument")
def test_callback_only_honours_suppression(exporter, call_args):
    with suppress_instrumentation():
        UNWRAPPED_COMPLETION(model=MODEL, messages=HI, **call_args)

    assert settled_spans(exporter, 0, timeout=0.2) == []


@pytest.mark.usefixtures("instrument", "agentops_strings")
def test_users_own_callback_is_still_called(exporter, call_args):
    seen: list[str] = []

    class Mine(litellm.integrations.custom_logger.CustomLogger):
        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            seen.append(response_obj.id)

    litellm.callbacks = [*litellm.callbacks, Mine()]
    litellm.completion(model=MODEL, messages=HI, **call_args)

    assert len(settled_spans(exporter, 1)) == 1
    assert seen == ["chatcmpl-test"]


@pytest.mark.usefixtures("instrument")
def test_the_call_ids_we_hand_litellm_are_version_4_uuids(exporter, call_args):
    seen: list[str] = []

    class Mine(litellm.integrations.custom_logger.CustomLogger):
        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            seen.append(kwargs["litellm_call_id"])

    litellm.callbacks = [*litellm.callbacks, Mine()]
    for _ in range(3):
        litellm.completion(model=MODEL, messages=HI, **call_args)

    settled_spans(exporter, 3)
    ids = [uuid.UUID(call_id) for call_id in seen]
    assert [str(call_id) for call_id in ids] == seen and len(set(seen)) == 3
    assert all(call_id.version == 4 and call_id.variant == uuid.RFC_4122 for call_id in ids)
