"""Many calls at once: exactly one span per call, under its own parent, with its own attributes."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import litellm
import pytest

from .conftest import MODEL, llm_spans

pytestmark = pytest.mark.usefixtures("instrument")
CALLS = 1000


def _messages(index: int) -> list[dict]:
    """Each call's message length is its index + 1: the span says which call it belongs to."""
    return [{"role": "user", "content": "x" * (index + 1)}]


def _check(exporter, parents: dict[int, int]) -> None:
    spans = llm_spans(exporter)
    assert len(spans) == CALLS
    by_call = {span.attributes["llm.request.content_length"] - 1: span for span in spans}
    assert sorted(by_call) == list(range(CALLS))
    for index, span in by_call.items():
        assert span.parent.span_id == parents[index]
        assert span.attributes["llm.request.stream"] is (index % 2 == 1)
        assert span.attributes["llm.usage.total_tokens"] > 0
        if index % 2:
            assert span.attributes["llm.response.stream_completed"] is True
            assert span.attributes["llm.response.chunk_count"] == 7


def test_a_thousand_calls_across_32_threads(tracer_provider, exporter, call_args):
    tracer = tracer_provider.get_tracer("app")

    def call(index: int) -> tuple[int, int]:
        with tracer.start_as_current_span(f"request-{index}") as parent:
            if index % 2:
                for _ in litellm.completion(model=MODEL, messages=_messages(index), stream=True, **call_args):
                    pass
            else:
                litellm.completion(model=MODEL, messages=_messages(index), **call_args)
            return index, parent.get_span_context().span_id

    with ThreadPoolExecutor(32) as pool:
        parents = dict(pool.map(call, range(CALLS)))

    _check(exporter, parents)


async def test_a_thousand_calls_across_gather(tracer_provider, exporter, call_args):
    tracer = tracer_provider.get_tracer("app")
    in_flight = asyncio.Semaphore(100)  # What the loopback server's listen queue takes at once.

    async def call(index: int) -> tuple[int, int]:
        async with in_flight:
            with tracer.start_as_current_span(f"request-{index}") as parent:
                if index % 2:
                    stream = await litellm.acompletion(
                        model=MODEL, messages=_messages(index), stream=True, **call_args
                    )
                    async for _ in stream:
                        pass
                else:
                    await litellm.acompletion(model=MODEL, messages=_messages(index), **call_args)
                return index, parent.get_span_context().span_id

    parents = dict(await asyncio.gather(*(call(index) for index in range(CALLS))))

    _check(exporter, parents)
