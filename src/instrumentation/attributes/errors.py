"""Error attributes and the category vocabulary of docs/telemetry.md.

Categories come from the exception's class hierarchy (LiteLLM's, OpenAI's, httpx's and the
builtins, matched by class name along the MRO so nothing has to be imported) and from the
HTTP status code, never from the message text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import semconv
from .fields import as_int

MAX_MESSAGE_LENGTH = 1000

RATE_LIMIT = "rate_limit"
AUTHENTICATION = "authentication"
PERMISSION_DENIED = "permission_denied"
NOT_FOUND = "not_found"
INVALID_REQUEST = "invalid_request"
CONTEXT_WINDOW_EXCEEDED = "context_window_exceeded"
CONTENT_POLICY = "content_policy"
TIMEOUT = "timeout"
CONNECTION = "connection"
SERVER_ERROR = "server_error"
SERVICE_UNAVAILABLE = "service_unavailable"
BUDGET_EXCEEDED = "budget_exceeded"
UNKNOWN = "unknown"

# Failures of the transport itself: no HTTP exchange completed, so there is no status code.
_TRANSPORT_CLASSES = {
    "APITimeoutError": TIMEOUT,  # openai (LiteLLM's Timeout derives from it)
    "TimeoutException": TIMEOUT,  # httpx
    "TimeoutError": TIMEOUT,  # builtin, asyncio
    "APIConnectionError": CONNECTION,  # openai and LiteLLM
    "TransportError": CONNECTION,  # httpx
    "ConnectionError": CONNECTION,  # builtin
}

# LiteLLM classes raised before a request is sent: their `status_code` is made up.
_RAISED_BEFORE_ANY_REQUEST = {"BudgetExceededError"}

_CLASSES = {
    "ContextWindowExceededError": CONTEXT_WINDOW_EXCEEDED,
    "ContentPolicyViolationError": CONTENT_POLICY,
    "BudgetExceededError": BUDGET_EXCEEDED,
    "RateLimitError": RATE_LIMIT,
    "AuthenticationError": AUTHENTICATION,
    "PermissionDeniedError": PERMISSION_DENIED,
    "NotFoundError": NOT_FOUND,
    "Timeout": TIMEOUT,
    "ServiceUnavailableError": SERVICE_UNAVAILABLE,
    "InternalServerError": SERVER_ERROR,
    "BadGatewayError": SERVER_ERROR,
    "BadRequestError": INVALID_REQUEST,
    "UnprocessableEntityError": INVALID_REQUEST,
    "UnsupportedParamsError": INVALID_REQUEST,
    "JSONSchemaValidationError": INVALID_REQUEST,
}

# The machine-readable `error.code` of OpenAI-style error bodies (openai's APIStatusError.code).
_CODES = {
    "context_length_exceeded": CONTEXT_WINDOW_EXCEEDED,
    "content_policy_violation": CONTENT_POLICY,
    "content_filter": CONTENT_POLICY,
}

_STATUSES = {
    400: INVALID_REQUEST,
    401: AUTHENTICATION,
    403: PERMISSION_DENIED,
    404: NOT_FOUND,
    408: TIMEOUT,
    413: CONTEXT_WINDOW_EXCEEDED,
    422: INVALID_REQUEST,
    429: RATE_LIMIT,
    503: SERVICE_UNAVAILABLE,
}


def error_attributes(
    error: BaseException, provider: str | None, secrets: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every error attribute of docs/telemetry.md, with any known secret blanked out of the message."""
    error_class = type(error)
    attributes: dict[str, Any] = {
        semconv.LLM_ERROR_TYPE: error_class.__name__,
        semconv.LLM_ERROR_MESSAGE: error_message(error, secrets),
        semconv.LLM_ERROR_CATEGORY: error_category(error),
        semconv.ERROR_TYPE: qualified_name(error_class),
    }
    failed_provider = getattr(error, "llm_provider", None) or provider
    if isinstance(failed_provider, str) and failed_provider:
        attributes[semconv.LLM_ERROR_PROVIDER] = failed_provider
    status = status_code(error)
    if status is not None:
        attributes[semconv.LLM_ERROR_STATUS_CODE] = status
    return attributes


def error_category(error: BaseException) -> str:
    """The category: a transport failure anywhere in the chain wins (LiteLLM reports a
    refused connection as a 500), then the provider's error code, the class, the status."""
    transport = _transport_category(error)
    if transport:
        return transport
    for link in _cause_chain(error):
        code = getattr(link, "code", None)
        if isinstance(code, str) and code in _CODES:
            return _CODES[code]
    for cls in type(error).__mro__:
        category = _CLASSES.get(cls.__name__)
        if category:
            return category
    status = _raw_status(error)
    if status is None:
        return UNKNOWN
    return _STATUSES.get(status) or (SERVER_ERROR if status >= 500 else UNKNOWN)


def status_code(error: BaseException) -> int | None:
    """The HTTP status of the failed exchange; None when the transport failed before one."""
    if _transport_category(error) or type(error).__name__ in _RAISED_BEFORE_ANY_REQUEST:
        return None
    return _raw_status(error)


def error_message(error: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """The exception's message, secrets blanked out, truncated."""
    message = redact(str(error), secrets)
    if len(message) > MAX_MESSAGE_LENGTH:
        message = message[: MAX_MESSAGE_LENGTH - 1] + "…"
    return message


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    return text


def qualified_name(cls: type) -> str:
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _raw_status(error: BaseException) -> int | None:
    status = as_int(getattr(error, "status_code", None))
    if status is None:
        status = as_int(getattr(getattr(error, "response", None), "status_code", None))
    return status if status is not None and 100 <= status <= 599 else None


def _transport_category(error: BaseException) -> str | None:
    # LiteLLM's own classes say what LiteLLM concluded (a server's 504 becomes its Timeout);
    # only the underlying client's exceptions tell that no HTTP answer came at all.
    for link in _cause_chain(error):
        if type(link).__module__.startswith("litellm"):
            continue
        for cls in type(link).__mro__:
            category = _TRANSPORT_CLASSES.get(cls.__name__)
            if category:
                return category
    return None


def _cause_chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        # Python's own rule for what led to an exception: the explicit cause, else the
        # exception being handled, unless the raiser suppressed it.
        link = (
            link.__cause__
            if link.__cause__ is not None
            else None
            if link.__suppress_context__
            else link.__context__
        )
