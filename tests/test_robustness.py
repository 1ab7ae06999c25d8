"""Never in the way: odd shapes and huge inputs cost bounded time and attribute size, and a
failure inside any of our stages leaves the caller's result or exception exactly as it was."""

from __future__ import annotations

import json
import logging
import time
from types import SimpleNamespace

import litellm
import pytest
from opentelemetry.trace import StatusCode

from instrumentation import LiteLLMInstrumentor, internal_errors
from instrumentation.attributes import content, streaming
from instrumentation.outcome import Timing, outcome_attributes

from .conftest import DEFAULT_CHUNKS, MODEL, TOOLS_WORK, llm_spans, only_span
from .helpers import expected_cost
from .openai_bodies import error_body
from .openai_server import Scripted

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


def _cut(text: str, limit: int) -> str:
    """What a captured text longer than the limit becomes: its first limit - 1 characters and "…"."""
    assert len(text) > limit
    return text[: limit - 1] + "…"


# List attributes (roles, tool names) keep at most this many entries (SPEC), however many there are.
MAX_LISTED = 1000


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

    # About 0.5 s on an idle machine: a generous bound, which a pass quadratic in the input still exceeds.
    assert time.perf_counter() - started < 10
    span = only_span(exporter)
    attributes = span.attributes
    assert attributes["llm.request.messages_count"] == len(messages)
    assert attributes["llm.request.content_length"] == sum(len(m["content"]) for m in messages)
    assert attributes["llm.request.message_roles"] == tuple(m["role"] for m in messages[:MAX_LISTED])
    assert attributes["llm.request.tools_count"] == 5
    assert attributes["llm.request.tool_names"] == ("tool_0", "tool_1", "tool_2", "tool_3", "tool_4")
    # The captured messages, GenAI-shaped, as JSON cut to max_content_length.
    shaped = [{"role": m["role"], "parts": [{"type": "text", "content": m["content"]}]} for m in messages]
    assert attributes["llm.request.messages"] == _cut(json.dumps(shaped, ensure_ascii=False), 2000)
    assert _attribute_bytes(span) < 20_000


class _CountedList(list):
    """A list that counts the items iterated over."""

    read = 0

    def __iter__(self):
        for item in super().__iter__():
            self.read += 1
            yield item


def test_serializing_huge_content_is_bounded(monkeypatch):
    """The work is bounded by the limit, not by the input: counted, not timed (a timing flakes under load)."""
    message = {"role": "user", "parts": [{"type": "text", "content": "y" * 5_000_000}]}
    messages = _CountedList([message] * 10_000)
    dumped: list[str] = []

    def dumps(value, **options):
        dumped.append(json.dumps(value, **options))
        return dumped[-1]

    monkeypatch.setattr(content, "json", SimpleNamespace(dumps=dumps, loads=json.loads))

    text = content.serialized(messages, 1000)

    assert text == _cut(json.dumps([message], ensure_ascii=False), 1000)
    # One message serialized, its 5 MB text cut to the limit first; the next one read only to stop there.
    cut_message = {"role": "user", "parts": [{"type": "text", "content": "y" * 1000}]}
    assert dumped == [json.dumps(cut_message, ensure_ascii=False)]
    assert messages.read == 2


# Two choices with nothing in them: counted, no text, no tool call, no finish reason.
EMPTY_CHOICES = {
    "llm.response.choices_count": 2,
    "llm.response.content_length": 0,
    "llm.response.tool_calls_count": 0,
}


@pytest.mark.parametrize(
    ("response", "choices", "streamed"),
    [
        (None, {}, {}),
        ({}, {}, {}),
        ({"choices": None}, {}, {}),
        # Streamed, both chunks' choices have index 0 (None reads as 0): one choice.
        (
            {"choices": [None, {"message": None}]},
            EMPTY_CHOICES,
            EMPTY_CHOICES | {"llm.response.choices_count": 1},
        ),
        ({"usage": {"prompt_tokens": "x"}}, {}, {}),
        (object(), {}, {}),
    ],
    ids=["None", "empty", "choices-None", "empty-choices", "non-int-usage", "object"],
)
def test_odd_response_shapes_are_survived(response, choices, streamed):
    """Whatever cannot be read is left out; no usable usage means LiteLLM's estimate, priced."""
    from instrumentation.operations import CHAT as CHAT_OPERATION

    request = {"model": MODEL, "messages": HI}
    attributes = outcome_attributes(request, "openai", CHAT_OPERATION.read(response), Timing(0, 10**9))

    prompt = litellm.token_counter(model=MODEL, messages=HI)
    assert attributes == {
        **choices,
        "llm.usage.prompt_tokens": prompt,
        "llm.usage.completion_tokens": 0,
        "llm.usage.total_tokens": prompt,
        "llm.usage.estimated": True,
        "llm.cost.total_usd": pytest.approx(expected_cost("gpt-4o-mini", prompt, 0), rel=1e-9),
    }
    assert streaming.stream_response_attributes([response, response]) == streamed


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


KINDS = ("plain", "stream", "error")
# Where `report_internal_error` says each injected fault happened, per kind of call; None: that kind of
# call never runs the stage.
OUTCOME = "recording the outcome of chat"
REPORTED_AS = {
    "request": dict.fromkeys(KINDS, "reading the request of chat"),
    "response": {"plain": OUTCOME, "stream": None, "error": None},
    "error": {"plain": None, "stream": None, "error": OUTCOME},
    "span-end": dict.fromkeys(KINDS, OUTCOME),
    "metrics": dict.fromkeys(KINDS, "ending a call"),
    "stream-chunk": {"plain": None, "stream": "observing a chunk", "error": None},
    "stream-end": {"plain": None, "stream": OUTCOME, "error": None},
}


def _reports_per_call(stage: str, kind: str) -> int:
    """How often one call runs into the fault."""
    if REPORTED_AS[stage][kind] is None:
        return 0
    if stage == "stream-chunk":
        return DEFAULT_CHUNKS  # Once per chunk.
    return 1


def _our_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "instrumentation"]


def _wait_for_records(caplog, count: int, timeout: float = 5.0) -> None:
    """Until `count` of our log records are there: LiteLLM runs some hooks on its logging thread."""
    deadline = time.monotonic() + timeout
    while len(_our_records(caplog)) < count and time.monotonic() < deadline:
        time.sleep(0.01)


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
    outcomes = {kind: _outcome(kind, args, server) for kind in KINDS}
    time.sleep(0.5)  # LiteLLM's logging thread finishes with these before anything is instrumented.
    return outcomes


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_fault_in_any_stage_never_reaches_the_caller(
    stage, kind, uninstrumented, monkeypatch, caplog, tracer_provider, exporter, openai_server, call_args
):
    monkeypatch.setattr(internal_errors, "_reported", set())
    _break(monkeypatch, stage)
    reports = 3 * _reports_per_call(stage, kind)
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    try:
        with caplog.at_level(logging.DEBUG, logger="instrumentation"):
            outcomes = [_outcome(kind, call_args, openai_server) for _ in range(3)]
            _wait_for_records(caplog, reports)
    finally:
        instrumentor.uninstrument()

    assert outcomes == [uninstrumented[kind]] * 3
    spans = llm_spans(exporter)
    assert len(spans) == 3  # Every call keeps its one span, whatever failed.
    # A failed error extractor takes the span's error status with it (it is set after the attributes).
    status = StatusCode.ERROR if kind == "error" and stage != "error" else StatusCode.UNSET
    assert [span.status.status_code for span in spans] == [status] * len(spans)
    # The first failure is one warning, every repeat a debug line, each with the injected fault.
    where = REPORTED_AS[stage][kind]
    records = _our_records(caplog)
    warning = ("WARNING", f"LiteLLM instrumentation failed in {where}; the LLM call itself is unaffected")
    repeat = ("DEBUG", f"LiteLLM instrumentation failed again in {where}")
    expected = [warning] + [repeat] * (reports - 1) if reports else []
    assert sorted((r.levelname, r.getMessage()) for r in records) == sorted(expected)
    assert [f"injected fault in {stage}" in (r.exc_text or "") for r in records] == [True] * reports


@pytest.mark.usefixtures("instrument")
def test_a_fault_in_the_callback_never_reaches_the_caller(monkeypatch, caplog, exporter, call_args):
    def broken(*args, **kwargs):
        raise RuntimeError("injected fault in the callback")

    monkeypatch.setattr(internal_errors, "_reported", set())
    monkeypatch.setattr("instrumentation.callback.callback_request", broken)
    with caplog.at_level(logging.DEBUG, logger="instrumentation"):
        response = UNWRAPPED_COMPLETION(model=MODEL, messages=HI, **call_args)
        _wait_for_records(caplog, 1)  # The hook runs on LiteLLM's logging thread.
        time.sleep(0.3)  # Time for a second report, if the hook ran twice.

    assert response.choices[0].message.content == "Hello from the test server!"
    records = _our_records(caplog)
    assert [(r.levelname, r.getMessage()) for r in records] == [
        (
            "WARNING",
            "LiteLLM instrumentation failed in the LiteLLM callback's request; the LLM call itself is "
            "unaffected",
        )
    ]
    assert "injected fault in the callback" in records[0].exc_text
    (span,) = llm_spans(exporter)  # The call keeps its span, with what could be read.
    assert span.name == f"chat {MODEL}"
    assert span.attributes["llm.usage.total_tokens"] == 19
