"""llm_context: ids stamped on every LLM span started inside, across await, gather and threads."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

import litellm
import pytest

from instrumentation import llm_context

from .conftest import MODEL, llm_spans, only_span, settled_spans

pytestmark = pytest.mark.usefixtures("instrument")
HI = [{"role": "user", "content": "hi"}]
UNWRAPPED_COMPLETION = litellm.completion


def _context_of(span) -> dict:
    return {name: value for name, value in span.attributes.items() if name.startswith("llm.context.")}


def test_ids_and_tags_are_stamped(exporter, call_args):
    with llm_context(
        user_id="u-1",
        session_id="s-1",
        agent="planner",
        action="plan",
        workspace="w",
        source_id="doc-7",
        source_function="plan_trip",
        tags={"tier": "pro", "attempt": 2},
    ):
        litellm.completion(model=MODEL, messages=HI, **call_args)
    litellm.completion(model=MODEL, messages=HI, **call_args)

    inside, outside = llm_spans(exporter)
    assert _context_of(inside) == {
        "llm.context.user_id": "u-1",
        "llm.context.session_id": "s-1",
        "llm.context.agent": "planner",
        "llm.context.action": "plan",
        "llm.context.workspace": "w",
        "llm.context.source_id": "doc-7",
        "llm.context.source_function": "plan_trip",
        "llm.context.tags.tier": "pro",
        "llm.context.tags.attempt": 2,
    }
    assert _context_of(outside) == {}


def test_nested_contexts_merge_inner_wins(exporter, call_args):
    with llm_context(user_id="u-1", session_id="s-1"), llm_context(session_id="s-2", agent="a"):
        litellm.completion(model=MODEL, messages=HI, **call_args)

    assert _context_of(only_span(exporter)) == {
        "llm.context.user_id": "u-1",
        "llm.context.session_id": "s-2",
        "llm.context.agent": "a",
    }


async def test_context_crosses_gather(exporter, call_args):
    async def call(user: str) -> None:
        async with llm_context(user_id=user):
            await asyncio.sleep(0.01)
            await litellm.acompletion(model=MODEL, messages=[{"role": "user", "content": user}], **call_args)

    await asyncio.gather(*(call(f"user-{i}") for i in range(10)))

    spans = llm_spans(exporter)
    assert len(spans) == 10
    users = sorted(span.attributes["llm.context.user_id"] for span in spans)
    assert users == sorted(f"user-{i}" for i in range(10))
    for span in spans:  # Each call carries its own user: the message it sent was the user id.
        assert len(span.attributes["llm.context.user_id"]) == span.attributes["llm.request.content_length"]


def test_context_crosses_a_context_aware_thread_pool(exporter, call_args):
    with llm_context(workspace="ws-1"), ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(
                contextvars.copy_context().run, litellm.completion, model=MODEL, messages=HI, **call_args
            )
            for _ in range(4)
        ]
        for future in futures:
            future.result()

    assert [span.attributes["llm.context.workspace"] for span in llm_spans(exporter)] == ["ws-1"] * 4


def test_callback_only_spans_get_the_callers_context(exporter, call_args):
    with llm_context(user_id="u-cb"):
        UNWRAPPED_COMPLETION(model=MODEL, messages=HI, **call_args)
    (span,) = settled_spans(exporter, 1)
    assert span.attributes["llm.context.user_id"] == "u-cb"


def test_unknown_ids_are_refused():
    with pytest.raises(TypeError, match=r"unknown ids \['user'\]"):
        llm_context(user="u-1")
