"""Chat completion spans over real HTTP: every SPEC attribute, exact values."""

from __future__ import annotations

import asyncio
import threading

import litellm
import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from .conftest import ACOMPLETION_FLAG_WORKS, MODEL, TOOLS_WORK, llm_spans, only_span
from .helpers import estimated_usage, expected_cost
from .openai_bodies import chat_completion
from .openai_server import Scripted

pytestmark = pytest.mark.usefixtures("instrument")

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        ],
    },
    {"role": "assistant", "content": "A cat."},
    {"role": "user", "content": "Sure?"},
]
TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
    },
    {
        "type": "function",
        "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
    },
]
TOOL_CALLS = [
    {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    },
    {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
]


@TOOLS_WORK
def test_completion_span_carries_every_request_and_response_attribute(openai_server, exporter, call_args):
    openai_server.script(
        "/v1/chat/completions",
        Scripted(
            body=chat_completion(
                "gpt-4o-mini-2024-07-18",
                None,
                id="chatcmpl-abc",
                finish_reason="tool_calls",
                tool_calls=TOOL_CALLS,
                choices=2,
            )
        ),
    )

    response = litellm.completion(
        model=MODEL,
        messages=MESSAGES,
        temperature=0.3,
        top_p=0.9,
        max_tokens=50,
        n=2,
        seed=7,
        presence_penalty=0.5,
        frequency_penalty=0.25,
        stop=["END"],
        tools=TOOLS,
        tool_choice="auto",
        **call_args,
    )

    assert response.id == "chatcmpl-abc"
    span = only_span(exporter)
    assert span.name == "chat openai/gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    attributes = dict(span.attributes)
    tokens_per_second = attributes.pop("llm.response.tokens_per_second")
    assert tokens_per_second > 0
    cost = attributes.pop("llm.cost.total_usd")
    assert cost == pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)
    assert cost > 0
    port = int(openai_server.base_url.split(":")[2].split("/")[0])
    assert attributes == {
        "llm.vendor": "litellm",
        "llm.provider": "openai",
        "llm.operation": "chat",
        "llm.request.model": "openai/gpt-4o-mini",
        "llm.request.stream": False,
        "llm.request.temperature": 0.3,
        "llm.request.top_p": 0.9,
        "llm.request.max_tokens": 50,
        "llm.request.n": 2,
        "llm.request.seed": 7,
        "llm.request.presence_penalty": 0.5,
        "llm.request.frequency_penalty": 0.25,
        "llm.request.stop": ("END",),
        "llm.request.api_base": openai_server.base_url,
        "llm.request.messages_count": 4,
        "llm.request.message_roles": ("system", "user", "assistant", "user"),
        "llm.request.content_length": len("You are terse.")
        + len("What is in")
        + len("A cat.")
        + len("Sure?"),
        "llm.request.multimodal": True,
        "llm.request.tools_count": 2,
        "llm.request.tool_names": ("get_weather", "get_time"),
        "llm.request.tool_choice": "auto",
        "llm.response.id": "chatcmpl-abc",
        "llm.response.model": "gpt-4o-mini-2024-07-18",
        "llm.response.choices_count": 2,
        "llm.response.finish_reason": "tool_calls",
        "llm.response.finish_reasons": ("tool_calls", "tool_calls"),
        "llm.response.content_length": 0,
        "llm.response.tool_calls_count": 4,
        "llm.response.tool_call_names": ("get_weather", "get_time", "get_weather", "get_time"),
        "llm.usage.prompt_tokens": 12,
        "llm.usage.completion_tokens": 7,
        "llm.usage.total_tokens": 19,
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "openai/gpt-4o-mini",
        "gen_ai.request.stream": False,
        "gen_ai.request.temperature": 0.3,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.request.choice.count": 2,
        "gen_ai.request.seed": 7,
        "gen_ai.request.presence_penalty": 0.5,
        "gen_ai.request.frequency_penalty": 0.25,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.response.id": "chatcmpl-abc",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.finish_reasons": ("tool_calls", "tool_calls"),
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 7,
        "server.address": "127.0.0.1",
        "server.port": port,
    }


def test_response_text_length_and_plain_finish(openai_server, exporter, call_args):
    litellm.completion(model=MODEL, messages=[{"role": "user", "content": "hi"}], **call_args)

    attributes = only_span(exporter).attributes
    assert attributes["llm.response.content_length"] == len("Hello from the test server!")
    assert attributes["llm.response.finish_reason"] == "stop"
    assert attributes["llm.response.tool_calls_count"] == 0
    assert "llm.response.tool_call_names" not in attributes
    assert "llm.request.tools_count" not in attributes
    assert "llm.request.temperature" not in attributes
    assert attributes["llm.request.multimodal"] is False
    assert attributes["llm.usage.total_tokens"] == 19


def test_unpriced_model_has_no_cost(openai_server, exporter, call_args):
    litellm.completion(
        model="openai/my-private-model", messages=[{"role": "user", "content": "hi"}], **call_args
    )

    attributes = only_span(exporter).attributes
    assert attributes["llm.usage.total_tokens"] == 19
    assert "llm.cost.total_usd" not in attributes


def test_missing_usage_is_estimated_not_zero(openai_server, exporter, call_args):
    openai_server.script(
        "/v1/chat/completions",
        Scripted(body=chat_completion("gpt-4o-mini", "four words right here", usage=None)),
    )
    messages = [{"role": "user", "content": "hi"}]

    litellm.completion(model=MODEL, messages=messages, **call_args)

    attributes = only_span(exporter).attributes
    expected = estimated_usage("gpt-4o-mini", messages, "four words right here")
    expected["llm.cost.total_usd"] = pytest.approx(expected["llm.cost.total_usd"], rel=1e-9)
    assert {name: attributes.get(name) for name in expected} == expected


def test_reported_usage_is_not_marked_estimated(openai_server, exporter, call_args):
    litellm.completion(model=MODEL, messages=[{"role": "user", "content": "hi"}], **call_args)

    assert "llm.usage.estimated" not in only_span(exporter).attributes


def test_unknown_provider_falls_back_to_what_litellm_used(openai_server, exporter, call_args):
    """`get_llm_provider` raises for an unprefixed unknown name; the response says who served it."""
    litellm.completion(
        model="my-private-model",
        custom_llm_provider="openai",
        messages=[{"role": "user", "content": "hi"}],
        **call_args,
    )

    attributes = only_span(exporter).attributes
    assert attributes["llm.provider"] == "openai"
    assert attributes["gen_ai.provider.name"] == "openai"


async def test_acompletion_makes_exactly_one_span(openai_server, exporter, call_args):
    response = await litellm.acompletion(
        model=MODEL, messages=[{"role": "user", "content": "hi"}], temperature=0, **call_args
    )

    assert response.choices[0].message.content == "Hello from the test server!"
    span = only_span(exporter)
    assert span.name == "chat openai/gpt-4o-mini"
    assert span.attributes["llm.request.temperature"] == 0
    assert span.attributes["llm.usage.prompt_tokens"] == 12
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(
        expected_cost("gpt-4o-mini", 12, 7), rel=1e-9
    )


@ACOMPLETION_FLAG_WORKS
async def test_completion_with_acompletion_flag_returns_a_coroutine_with_one_span(
    openai_server, exporter, call_args
):
    coroutine = litellm.completion(
        model=MODEL, messages=[{"role": "user", "content": "hi"}], acompletion=True, **call_args
    )
    assert llm_spans(exporter) == []

    response = await coroutine

    assert response.choices[0].message.content == "Hello from the test server!"
    assert only_span(exporter).attributes["llm.usage.completion_tokens"] == 7


def test_positional_model_and_messages_are_read(openai_server, exporter, call_args):
    litellm.completion(MODEL, [{"role": "user", "content": "hello"}], **call_args)

    attributes = only_span(exporter).attributes
    assert attributes["llm.request.model"] == MODEL
    assert attributes["llm.request.content_length"] == 5


def test_parent_is_the_current_span(openai_server, exporter, tracer_provider, call_args):
    tracer = tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("app") as parent:
        litellm.completion(model=MODEL, messages=[{"role": "user", "content": "hi"}], **call_args)

    span = only_span(exporter)
    assert span.parent.span_id == parent.get_span_context().span_id
    assert span.context.trace_id == parent.get_span_context().trace_id


def test_parent_in_threads(openai_server, exporter, tracer_provider, call_args):
    tracer = tracer_provider.get_tracer("app")
    parents: dict[str, int] = {}

    def work(name: str) -> None:
        with tracer.start_as_current_span(name) as parent:
            parents[name] = parent.get_span_context().span_id
            litellm.completion(model=MODEL, messages=[{"role": "user", "content": name}], **call_args)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    spans = llm_spans(exporter)
    assert len(spans) == 4
    by_parent = {span.parent.span_id: span for span in spans}
    assert set(by_parent) == set(parents.values())
    for name, parent_id in parents.items():
        assert by_parent[parent_id].attributes["llm.request.content_length"] == len(name)


async def test_parent_across_gather(openai_server, exporter, tracer_provider, call_args):
    tracer = tracer_provider.get_tracer("app")

    async def work(name: str) -> int:
        with tracer.start_as_current_span(name) as parent:
            await litellm.acompletion(model=MODEL, messages=[{"role": "user", "content": name}], **call_args)
            return parent.get_span_context().span_id

    parent_ids = await asyncio.gather(*(work("x" * (i + 1)) for i in range(5)))

    spans = llm_spans(exporter)
    assert len(spans) == 5
    for length, parent_id in enumerate(parent_ids, start=1):
        (span,) = [span for span in spans if span.parent.span_id == parent_id]
        assert span.attributes["llm.request.content_length"] == length


def test_the_span_is_current_during_the_call_and_not_after(openai_server, exporter, call_args):
    seen: list[trace.Span] = []

    class Probe(litellm.integrations.custom_logger.CustomLogger):
        def log_pre_api_call(self, model, messages, kwargs):
            seen.append(trace.get_current_span())

    probe = Probe()
    litellm.callbacks = [probe]
    try:
        litellm.completion(model=MODEL, messages=[{"role": "user", "content": "hi"}], **call_args)
    finally:
        litellm.callbacks = []

    span = only_span(exporter)
    assert [s.get_span_context().span_id for s in seen] == [span.context.span_id]
    assert trace.get_current_span() is trace.INVALID_SPAN
