"""Never in the way: odd shapes and huge inputs cost bounded time and attribute size, and a
failure inside any of our stages leaves the caller's result or exception exactly as it was."""

from __future__ import annotations

import json
import logging
import time

import litellm
import pytest

from instrumentation import LiteLLMInstrumentor, internal_errors
from instrumentation.attributes import completion, content, streaming

from .conftest import MODEL, TOOLS_WORK, llm_spans, only_span
from .openai_server import Scripted, error_body

HI = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"
UNWRAPPED_COMPLETION = litellm.completion


@pytest.fixture
def capture(tracer_provider):
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, capture_content=True, max_content_length=2000)
    yield
    instrumentor.uninstrument()


def _attribute_bytes(span) -> int:
    return sum(
        len(json.dumps(value if not isinstance(value, tuple) else list(value)))
        for value in span.attributes.values()
    )


@TOOLS_WORK
@pytest.mark.usefixtures("capture")
@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "x" * 5_000_000}],
        [{"role": "user" if i % 2 else "assistant", "content": f"message {i}"} for i in range(10_000)],
    ],
    ids=["5MB-message", "10000-messages"],
)
def test_huge_inputs_cost_bounded_time_and_size(messages, exporter, call_args):
    nested: dict = {"type": "string"}
    for _ in range(200):
        nested = {"type": "object", "properties": {"child": nested}}
    tools = [{"type": "function", "function": {"name": f"tool_{i}", "parameters": nested}} for i in range(5)]
    started = time.perf_counter()

    litellm.completion(model=MODEL, messages=messages, tools=tools, **call_args)

    assert time.perf_counter() - started < 10
    span = only_span(exporter)
    assert span.attributes["llm.request.messages_count"] == len(messages)
    assert span.attributes["llm.request.content_length"] == sum(len(m["content"]) for m in messages)
    assert len(span.attributes["llm.request.message_roles"]) == min(len(messages), completion.MAX_LISTED)
    assert len(span.attributes["llm.request.messages"]) == 2000
    assert _attribute_bytes(span) < 20_000


def test_serializing_huge_content_is_bounded():
    messages = [{"role": "user", "parts": [{"type": "text", "content": "y" * 5_000_000}]}] * 10_000
    started = time.perf_counter()

    text = content.serialized(messages, 1000)

    assert time.perf_counter() - started < 0.1
    assert len(text) == 1000 and text.endswith("…")


@pytest.mark.parametrize(
    "response",
    [
        None,
        {},
        {"choices": None},
        {"choices": [None, {"message": None}]},
        {"usage": {"prompt_tokens": "x"}},
        object(),
    ],
)
def test_odd_response_shapes_are_survived(response):
    from instrumentation.operations import CHAT as CHAT_OPERATION

    attributes = CHAT_OPERATION.read(response).attributes

    assert isinstance(attributes, dict)
    assert streaming.stream_response_attributes([response, response]) is not None


# --- Faults injected into every stage ---------------------------------------------------------------------

STAGES = {
    "request": "instrumentation.operations.messages_attributes",
    "response": "instrumentation.attributes.completion.response_identity",
    "error": "instrumentation.call.error_attributes",
    "span-end": "instrumentation.call.LLMCall._content_event",
    "metrics": "instrumentation.metrics.Metrics.record",
    "stream-chunk": "instrumentation.stream.StreamState.on_chunk",
    "stream-end": "instrumentation.attributes.streaming.stream_usage_attributes",
}


def _break(monkeypatch, stage: str) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError(f"injected fault in {stage}")

    monkeypatch.setattr(STAGES[stage], broken)


def _outcome(kind: str, call_args: dict, server):
    """What the caller sees: the response text, the streamed text, or the exception's type and text."""
    if kind == "error":
        server.script(CHAT, Scripted(status=429, body=error_body("slow down")))
    try:
        if kind == "plain":
            return litellm.completion(model=MODEL, messages=HI, **call_args).choices[0].message.content
        if kind == "stream":
            pieces = litellm.completion(model=MODEL, messages=HI, stream=True, **call_args)
            return "".join(chunk.choices[0].delta.content or "" for chunk in pieces)
        litellm.completion(model=MODEL, messages=HI, **call_args)
    except litellm.RateLimitError as error:
        return (type(error), str(error))
    raise AssertionError("the scripted error was not raised")


@pytest.fixture(scope="module")
def uninstrumented(server):
    """What each kind of call gives the caller with no instrumentation at all."""
    args = {"api_base": server.base_url, "api_key": "sk-test", "max_retries": 0, "num_retries": 0}
    server.reset()
    outcomes = {kind: _outcome(kind, args, server) for kind in ("plain", "stream", "error")}
    time.sleep(0.5)  # LiteLLM's logging thread finishes with these before anything is instrumented.
    return outcomes


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("kind", ["plain", "stream", "error"])
def test_a_fault_in_any_stage_never_reaches_the_caller(
    stage, kind, uninstrumented, monkeypatch, caplog, tracer_provider, exporter, openai_server, call_args
):
    monkeypatch.setattr(internal_errors, "_reported", set())
    _break(monkeypatch, stage)
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    try:
        with caplog.at_level(logging.DEBUG, logger="instrumentation"):
            outcomes = [_outcome(kind, call_args, openai_server) for _ in range(3)]
    finally:
        instrumentor.uninstrument()

    assert outcomes == [uninstrumented[kind]] * 3
    assert len(llm_spans(exporter)) == 3  # Every call keeps its one span.
    warnings = [r for r in caplog.records if r.name == "instrumentation" and r.levelno >= logging.WARNING]
    injected = [r for r in caplog.records if f"injected fault in {stage}" in (r.exc_text or "")]
    assert len(warnings) <= 1
    if injected:
        assert len(warnings) == 1


@pytest.mark.usefixtures("instrument")
def test_a_fault_in_the_callback_never_reaches_the_caller(monkeypatch, caplog, exporter, call_args):
    def broken(*args, **kwargs):
        raise RuntimeError("injected fault in the callback")

    monkeypatch.setattr(internal_errors, "_reported", set())
    monkeypatch.setattr("instrumentation.callback.callback_request", broken)
    with caplog.at_level(logging.DEBUG, logger="instrumentation"):
        response = UNWRAPPED_COMPLETION(model=MODEL, messages=HI, **call_args)
        time.sleep(0.5)

    assert response.choices[0].message.content == "Hello from the test server!"
    assert [
        r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and r.name == "instrumentation"
    ] == ["LiteLLM instrumentation failed in the LiteLLM callback; the LLM call itself is unaffected"]
