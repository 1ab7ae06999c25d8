"""The instrumentor's contract: wrap and unwrap exactly, idempotence, suppression, entry point,
settings errors, no secrets out, and our own failures never reaching the caller."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import subprocess
import sys
import time

import litellm
import pytest
from opentelemetry.instrumentation.utils import suppress_instrumentation

from instrumentation import LiteLLMInstrumentor, internal_errors, operations
from instrumentation.attributes import completion

from .conftest import MODEL, llm_spans, only_span
from .openai_bodies import error_body
from .openai_server import Scripted

HI = [{"role": "user", "content": "hi"}]


def test_uninstrument_restores_the_exact_original_functions(tracer_provider, exporter, call_args):
    wrapped = [
        *((litellm, name) for name in (*operations.OPERATIONS, *operations.RETRIES)),
        *((litellm.Router, name) for name in operations.ROUTER_OPERATIONS),
    ]
    # Every entry point this LiteLLM release has (1.108 has no `Router.amoderation`).
    originals = {(owner, name): getattr(owner, name) for owner, name in wrapped if hasattr(owner, name)}
    assert len(originals) >= len(operations.OPERATIONS) + 10
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    assert all(getattr(*key) is not original for key, original in originals.items())

    instrumentor.uninstrument()

    assert all(getattr(*key) is original for key, original in originals.items())
    litellm.completion(model=MODEL, messages=HI, **call_args)
    # LiteLLM's logging thread reports the call later: let it, before a later test instruments again
    # (it reads the callback lists when it runs, and would hand that test a call it did not make).
    time.sleep(0.5)
    assert llm_spans(exporter) == []


def test_instrument_twice_still_makes_one_span(tracer_provider, exporter, call_args):
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    instrumentor.instrument(tracer_provider=tracer_provider)
    try:
        litellm.completion(model=MODEL, messages=HI, **call_args)
    finally:
        instrumentor.uninstrument()

    only_span(exporter)


@pytest.mark.usefixtures("instrument")
async def test_suppressed_calls_make_no_span(exporter, call_args):
    with suppress_instrumentation():
        litellm.completion(model=MODEL, messages=HI, **call_args)
        await litellm.acompletion(model=MODEL, messages=HI, **call_args)

    assert llm_spans(exporter) == []


def test_entry_point_loads_the_instrumentor():
    (entry_point,) = [
        ep
        for ep in importlib.metadata.entry_points(group="opentelemetry_instrumentor")
        if ep.name == "litellm"
    ]
    assert entry_point.load() is LiteLLMInstrumentor
    assert LiteLLMInstrumentor().instrumentation_dependencies() == ("litellm >= 1.108, < 2",)


def test_importing_the_package_does_not_import_litellm():
    code = "import sys, instrumentation; print(json.dumps('litellm' in sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True
    )
    assert json.loads(output.stdout) is False


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ({"capture_content": "SOMETIMES"}, "capture_content must be a bool or one of NO_CONTENT"),
        ({"semconv": "otel"}, "semconv must be one of llm, gen_ai, both"),
        ({"max_content_length": 0}, "max_content_length must be a positive integer"),
    ],
)
def test_bad_settings_are_refused_clearly(argument, message, tracer_provider):
    instrumentor = LiteLLMInstrumentor()
    with pytest.raises(ValueError, match=message):
        instrumentor.instrument(tracer_provider=tracer_provider, **argument)
    assert not instrumentor.is_instrumented_by_opentelemetry


def test_gen_ai_only_and_llm_only(tracer_provider, exporter, call_args):
    instrumentor = LiteLLMInstrumentor()
    for family in ("gen_ai", "llm"):
        instrumentor.instrument(tracer_provider=tracer_provider, semconv=family)
        try:
            litellm.completion(model=MODEL, messages=HI, **call_args)
        finally:
            instrumentor.uninstrument()
    gen_ai_span, llm_span = exporter.get_finished_spans()

    assert not [name for name in gen_ai_span.attributes if name.startswith("llm.")]
    assert gen_ai_span.attributes["gen_ai.usage.output_tokens"] == 7
    assert not [name for name in llm_span.attributes if name.startswith("gen_ai.")]
    assert llm_span.attributes["llm.usage.completion_tokens"] == 7


@pytest.mark.usefixtures("instrument")
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_failing_extractor_never_reaches_the_caller(
    is_async, monkeypatch, caplog, exporter, call_args
):
    def broken(*args, **kwargs):
        raise RuntimeError("extractor bug")

    monkeypatch.setattr(completion, "response_identity", broken)  # Inside the chat response extractor.
    monkeypatch.setattr(internal_errors, "_reported", set())
    with caplog.at_level(logging.DEBUG, logger="instrumentation"):
        for _ in range(3):
            if is_async:
                response = await litellm.acompletion(model=MODEL, messages=HI, **call_args)
            else:
                response = litellm.completion(model=MODEL, messages=HI, **call_args)
            assert response.choices[0].message.content == "Hello from the test server!"

    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "extractor bug" in (r.exc_text or "")
    ]
    assert len(warnings) == 1
    assert "the LLM call itself is unaffected" in warnings[0].getMessage()
    assert len(llm_spans(exporter)) == 3


@pytest.mark.usefixtures("instrument")
def test_a_failing_request_extractor_still_gives_the_call_its_span(monkeypatch, exporter, call_args):
    def broken(*args, **kwargs):
        raise RuntimeError("request extractor bug")

    monkeypatch.setattr(operations, "messages_attributes", broken)

    response = litellm.completion(model=MODEL, messages=HI, **call_args)

    assert response.usage.total_tokens == 19
    span = only_span(exporter)
    assert span.name == f"chat {MODEL}"
    attributes = span.attributes
    assert (attributes["llm.vendor"], attributes["llm.operation"], attributes["llm.request.model"]) == (
        "litellm",
        "chat",
        MODEL,
    )
    assert "llm.request.messages_count" not in attributes  # What the broken extractor reads is left out.
    assert attributes["llm.usage.total_tokens"] == 19  # The outcome is still recorded.


@pytest.mark.usefixtures("instrument")
def test_a_failing_error_extractor_still_raises_the_callers_exception(
    monkeypatch, openai_server, exporter, call_args
):
    import instrumentation.call as call_module

    def broken(*args, **kwargs):
        raise RuntimeError("error extractor bug")

    monkeypatch.setattr(call_module, "error_attributes", broken)
    openai_server.script("/v1/chat/completions", Scripted(status=429, body=error_body("slow down")))

    with pytest.raises(litellm.RateLimitError):
        litellm.completion(model=MODEL, messages=HI, **call_args)

    assert len(llm_spans(exporter)) == 1
