"""Content capture: off by default, on by argument or environment, GenAI-shaped, cut, no base64."""

from __future__ import annotations

import json
import logging

import litellm
import pytest

from instrumentation import LiteLLMInstrumentor
from instrumentation.config import CAPTURE_CONTENT_ENV

from .conftest import MODEL, only_span
from .openai_bodies import chat_completion, stream_chunks
from .openai_server import Scripted

IMAGE_BASE64 = "iVBORw0KGgo" + "A" * 400 + "=="
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{IMAGE_BASE64}"}},
            {"type": "image_url", "image_url": {"url": "https://img.example/cat.png?sig=secret-token"}},
        ],
    },
]
EXPECTED_INPUT = [
    {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
    {
        "role": "user",
        "parts": [
            {"type": "text", "content": "What is this?"},
            {
                "type": "blob",
                "modality": "image",
                "mime_type": "image/png",
                "size": len(IMAGE_BASE64) * 3 // 4 - 2,
            },
            {"type": "uri", "modality": "image", "uri": "https://img.example/cat.png"},
        ],
    },
]
EXPECTED_OUTPUT = [
    {
        "role": "assistant",
        "parts": [{"type": "text", "content": "Hello from the test server!"}],
        "finish_reason": "stop",
    }
]
CONTENT_NAMES = (
    "llm.request.messages",
    "llm.response.content",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
)


@pytest.fixture
def instrumentor(tracer_provider):
    instrumentor = LiteLLMInstrumentor()
    yield lambda **kwargs: instrumentor.instrument(tracer_provider=tracer_provider, **kwargs)
    instrumentor.uninstrument()


def test_content_is_off_by_default(instrumentor, exporter, call_args, monkeypatch):
    monkeypatch.delenv(CAPTURE_CONTENT_ENV, raising=False)
    instrumentor()

    litellm.completion(model=MODEL, messages=MESSAGES, **call_args)

    span = only_span(exporter)
    assert not [name for name in CONTENT_NAMES if name in span.attributes]
    assert span.events == ()


def test_captured_content_on_the_span(instrumentor, exporter, call_args):
    instrumentor(capture_content=True)

    litellm.completion(model=MODEL, messages=MESSAGES, **call_args)

    attributes = only_span(exporter).attributes
    assert json.loads(attributes["llm.request.messages"]) == EXPECTED_INPUT
    assert json.loads(attributes["llm.response.content"]) == EXPECTED_OUTPUT
    assert attributes["gen_ai.input.messages"] == attributes["llm.request.messages"]
    assert attributes["gen_ai.output.messages"] == attributes["llm.response.content"]
    assert IMAGE_BASE64[:40] not in attributes["llm.request.messages"]
    assert "secret-token" not in attributes["llm.request.messages"]


def test_tool_calls_and_tool_results_are_captured(instrumentor, openai_server, exporter, call_args):
    call = {"id": "call_9", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
    openai_server.script(
        "/v1/chat/completions",
        Scripted(body=chat_completion("gpt-4o-mini", None, tool_calls=[call], finish_reason="tool_calls")),
    )
    instrumentor(capture_content=True)
    messages = [
        {"role": "user", "content": "find x"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_9", "content": "found"},
    ]

    litellm.completion(model=MODEL, messages=messages, **call_args)

    attributes = only_span(exporter).attributes
    assert json.loads(attributes["llm.request.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "find x"}]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "call_9", "name": "lookup", "arguments": {"q": "x"}}],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_9", "response": "found"}]},
    ]
    assert json.loads(attributes["llm.response.content"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "call_9", "name": "lookup", "arguments": {"q": "x"}}],
            "finish_reason": "tool_calls",
        }
    ]


def test_content_is_cut_to_the_maximum_length(instrumentor, exporter, call_args):
    instrumentor(capture_content=True, max_content_length=40)

    litellm.completion(model=MODEL, messages=[{"role": "user", "content": "x" * 500}], **call_args)

    captured = only_span(exporter).attributes["llm.request.messages"]
    assert len(captured) == 40
    assert captured.endswith("…")
    assert captured.startswith('[{"role": "user", "parts": [{"type":')


@pytest.mark.parametrize(
    ("mode", "on_span", "in_event"),
    [
        ("SPAN_ONLY", True, False),
        ("EVENT_ONLY", False, True),
        ("SPAN_AND_EVENT", True, True),
        ("NO_CONTENT", False, False),
    ],
)
def test_environment_picks_where_content_goes(
    mode, on_span, in_event, instrumentor, exporter, call_args, monkeypatch
):
    monkeypatch.setenv(CAPTURE_CONTENT_ENV, mode)
    instrumentor()

    litellm.completion(model=MODEL, messages=MESSAGES, **call_args)

    span = only_span(exporter)
    assert ("llm.request.messages" in span.attributes) is on_span
    assert ("gen_ai.output.messages" in span.attributes) is on_span
    events = [event for event in span.events if event.name == "gen_ai.client.inference.operation.details"]
    assert len(events) == (1 if in_event else 0)
    if in_event:
        assert json.loads(events[0].attributes["gen_ai.input.messages"]) == EXPECTED_INPUT
        assert json.loads(events[0].attributes["gen_ai.output.messages"]) == EXPECTED_OUTPUT


def test_unknown_environment_value_warns_once_and_means_off(
    instrumentor, exporter, call_args, monkeypatch, caplog
):
    monkeypatch.setenv(CAPTURE_CONTENT_ENV, "EVERYTHING")
    with caplog.at_level(logging.WARNING, logger="instrumentation"):
        instrumentor()

    litellm.completion(model=MODEL, messages=MESSAGES, **call_args)

    assert [
        record.getMessage() for record in caplog.records if CAPTURE_CONTENT_ENV in record.getMessage()
    ] == [
        f"Ignoring {CAPTURE_CONTENT_ENV}: capture_content must be a bool or one of NO_CONTENT, SPAN_ONLY, "
        "EVENT_ONLY, SPAN_AND_EVENT; got 'EVERYTHING'. Using the default, NO_CONTENT."
    ]
    assert "llm.request.messages" not in only_span(exporter).attributes


async def test_streamed_content_is_assembled(instrumentor, openai_server, exporter, call_args):
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "lookup", "arguments": '{"query": "cats"}'},
    }
    openai_server.script(
        "/v1/chat/completions",
        Scripted(
            chunks=stream_chunks(
                "gpt-4o-mini", ["Let me ", "check."], tool_calls=[call], finish_reason="tool_calls"
            )
        ),
    )
    instrumentor(capture_content="SPAN_ONLY")

    stream = await litellm.acompletion(
        model=MODEL, messages=[{"role": "user", "content": "cats?"}], stream=True, **call_args
    )
    async for _ in stream:
        pass

    assert json.loads(only_span(exporter).attributes["llm.response.content"]) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "Let me check."},
                {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {"query": "cats"}},
            ],
            "finish_reason": "tool_calls",
        }
    ]
