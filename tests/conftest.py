"""Fixtures: the loopback OpenAI server, the real OTel SDK with in-memory export, a fresh
instrumentation per test."""

from __future__ import annotations

import os

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # Before LiteLLM is imported: no network.

import importlib.metadata
import importlib.util
from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor

from .openai_server import OpenAIServer

litellm.suppress_debug_info = True

LITELLM_VERSION = tuple(int(part) for part in importlib.metadata.version("litellm").split(".")[:3])
# Bugs of the oldest LiteLLM releases we support, which fail with or without instrumentation.
ACOMPLETION_FLAG_WORKS = pytest.mark.skipif(
    LITELLM_VERSION < (1, 109), reason="LiteLLM 1.108.x breaks completion(..., acompletion=True)"
)
TOOLS_WORK = pytest.mark.skipif(
    LITELLM_VERSION < (1, 108, 14) and importlib.util.find_spec("mcp") is None,
    reason="LiteLLM < 1.108.14 needs the optional `mcp` package for any call with tools",
)

API_KEY = "sk-canary-7c1f9e2d4b"  # Must never appear in anything exported.
MODEL = "openai/gpt-4o-mini"


@pytest.fixture(scope="session")
def server() -> Iterator[OpenAIServer]:
    running = OpenAIServer().start()
    yield running
    running.stop()


@pytest.fixture
def openai_server(server: OpenAIServer) -> OpenAIServer:
    server.reset()
    return server


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
def instrument(tracer_provider: TracerProvider) -> Iterator[LiteLLMInstrumentor]:
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    yield instrumentor
    instrumentor.uninstrument()


@pytest.fixture
def call_args(openai_server: OpenAIServer) -> dict[str, Any]:
    """What every call needs to reach the loopback server, with retries off."""
    return {"api_base": openai_server.base_url, "api_key": API_KEY, "max_retries": 0, "num_retries": 0}


def llm_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if "llm.operation" in (span.attributes or {})]


def only_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    spans = llm_spans(exporter)
    assert len(spans) == 1, [span.name for span in spans]
    return spans[0]
