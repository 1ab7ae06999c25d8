"""Failed calls over real HTTP: category, status code, span status, and the caller's exception untouched."""

from __future__ import annotations

import socket

import litellm
import pytest
from opentelemetry.trace import StatusCode

from .conftest import API_KEY, MODEL, only_span
from .openai_bodies import error_body
from .openai_server import Scripted

pytestmark = pytest.mark.usefixtures("instrument")

HI = [{"role": "user", "content": "hi"}]

# (scripted answer, exception LiteLLM raises, category, status code)
HTTP_ERRORS = {
    "429": (
        Scripted(status=429, body=error_body("Rate limit reached", "requests", "rate_limit_exceeded")),
        litellm.RateLimitError,
        "rate_limit",
        429,
    ),
    "401": (
        Scripted(
            status=401,
            body=error_body(
                f"Incorrect API key provided: {API_KEY}", "invalid_request_error", "invalid_api_key"
            ),
        ),
        litellm.AuthenticationError,
        "authentication",
        401,
    ),
    "403": (
        Scripted(status=403, body=error_body("Project does not have access", "permission_error")),
        litellm.APIError,
        "permission_denied",
        403,
    ),
    "404": (
        Scripted(status=404, body=error_body("The model does not exist", code="model_not_found")),
        litellm.NotFoundError,
        "not_found",
        404,
    ),
    "400": (
        Scripted(status=400, body=error_body("Invalid value for 'temperature'")),
        litellm.BadRequestError,
        "invalid_request",
        400,
    ),
    "400-context-length": (
        Scripted(
            status=400,
            body=error_body(
                "This model's maximum context length is 8192 tokens. However, your "
                "messages resulted in 9000 tokens.",
                code="context_length_exceeded",
            ),
        ),
        litellm.ContextWindowExceededError,
        "context_window_exceeded",
        400,
    ),
    "400-content-policy": (
        Scripted(status=400, body=error_body("Your request was flagged.", code="content_policy_violation")),
        litellm.BadRequestError,
        "content_policy",
        400,
    ),
    "500": (
        Scripted(status=500, body=error_body("The server had an error", "server_error")),
        litellm.InternalServerError,
        "server_error",
        500,
    ),
    "503": (
        Scripted(status=503, body=error_body("The engine is overloaded", "server_error")),
        litellm.ServiceUnavailableError,
        "service_unavailable",
        503,
    ),
}


@pytest.mark.parametrize("case", HTTP_ERRORS)
def test_http_error(case, openai_server, exporter, call_args):
    answer, error_class, category, status = HTTP_ERRORS[case]
    openai_server.script("/v1/chat/completions", answer)

    with pytest.raises(error_class) as raised:
        litellm.completion(model=MODEL, messages=HI, **call_args)

    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description.startswith(type(raised.value).__name__ + ": ")
    attributes = span.attributes
    assert attributes["llm.error.category"] == category
    assert attributes["llm.error.status_code"] == status
    assert attributes["llm.error.type"] == type(raised.value).__name__
    assert attributes["error.type"] == f"litellm.exceptions.{type(raised.value).__name__}"
    assert attributes["llm.error.provider"] == "openai"
    assert attributes["llm.error.message"] == str(raised.value).replace(API_KEY, "[REDACTED]")
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == f"litellm.exceptions.{type(raised.value).__name__}"
    assert API_KEY not in event.attributes["exception.stacktrace"]
    assert API_KEY not in event.attributes["exception.message"]
    assert "llm.response.id" not in attributes


async def test_async_http_error(openai_server, exporter, call_args):
    openai_server.script("/v1/chat/completions", HTTP_ERRORS["429"][0])

    with pytest.raises(litellm.RateLimitError):
        await litellm.acompletion(model=MODEL, messages=HI, **call_args)

    span = only_span(exporter)
    assert span.attributes["llm.error.category"] == "rate_limit"
    assert span.attributes["llm.error.status_code"] == 429


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_timeout_has_no_status_code(is_async, openai_server, exporter, call_args):
    openai_server.script("/v1/chat/completions", Scripted(delay=1.5))

    with pytest.raises(litellm.Timeout):
        if is_async:
            await litellm.acompletion(model=MODEL, messages=HI, timeout=0.3, **call_args)
        else:
            litellm.completion(model=MODEL, messages=HI, timeout=0.3, **call_args)

    attributes = only_span(exporter).attributes
    assert attributes["llm.error.category"] == "timeout"
    assert "llm.error.status_code" not in attributes
    assert attributes["error.type"] == "litellm.exceptions.Timeout"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_connection_refused_is_a_connection_error(is_async, exporter):
    """LiteLLM reports it as an InternalServerError (500): the cause chain tells the truth."""
    args = {
        "api_base": f"http://127.0.0.1:{_closed_port()}/v1",
        "api_key": API_KEY,
        "max_retries": 0,
        "num_retries": 0,
    }

    with pytest.raises(litellm.InternalServerError):
        if is_async:
            await litellm.acompletion(model=MODEL, messages=HI, **args)
        else:
            litellm.completion(model=MODEL, messages=HI, **args)

    attributes = only_span(exporter).attributes
    assert attributes["llm.error.category"] == "connection"
    assert "llm.error.status_code" not in attributes


def test_caller_gets_the_very_same_exception_object(exporter):
    error = litellm.RateLimitError(message="slow down", llm_provider="openai", model="gpt-4o-mini")

    with pytest.raises(litellm.RateLimitError) as raised:
        litellm.completion(model=MODEL, messages=HI, mock_response=error)

    assert raised.value is error
    attributes = only_span(exporter).attributes
    assert attributes["llm.error.category"] == "rate_limit"
    assert attributes["llm.error.status_code"] == 429


def test_budget_exceeded(exporter, monkeypatch, call_args):
    monkeypatch.setattr(litellm, "max_budget", 0.5)
    monkeypatch.setattr(litellm, "_current_cost", 1.0)

    with pytest.raises(litellm.BudgetExceededError):
        litellm.completion(model=MODEL, messages=HI, **call_args)

    attributes = only_span(exporter).attributes
    assert attributes["llm.error.category"] == "budget_exceeded"
    assert attributes["error.type"] == "litellm.exceptions.BudgetExceededError"
    assert "llm.error.status_code" not in attributes  # raised before any request was sent
