"""Our handler in LiteLLM's callback lists, and the name "agentops" resolved to it:
the one place that touches LiteLLM's private internals.

LiteLLM has no public registry for callback names. It resolves each string in
`litellm.success_callback`, `failure_callback` and `callbacks` on every call, through the
module global `litellm_logging._init_custom_logger_compatible_class`; wrapping that global
makes "agentops" resolve to our handler, even in lists assigned after `instrument()`, and
never to LiteLLM's built-in AgentOps logger (which calls a remote host and may replace the
global tracer provider). If a LiteLLM release moves it, routing fails soft: one warning, and
the handler, registered as an instance in `litellm.callbacks` anyway, still sees every call.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from opentelemetry.instrumentation.utils import unwrap
from wrapt import wrap_function_wrapper

logger = logging.getLogger(__name__)

ROUTED_NAME = "agentops"
_MODULE = "litellm.litellm_core_utils.litellm_logging"
_RESOLVER = "_init_custom_logger_compatible_class"


def route(handler: Any) -> bool:
    """Make the callback name "agentops" resolve to `handler`; False when LiteLLM changed."""
    try:
        module = importlib.import_module(_MODULE)
        if not callable(getattr(module, _RESOLVER)):
            raise AttributeError(_RESOLVER)
    except (ImportError, AttributeError):
        logger.warning(
            "This LiteLLM version has no %s.%s: the callback name %r is not routed to the "
            "instrumentation (its calls are still traced). Please report it.",
            _MODULE,
            _RESOLVER,
            ROUTED_NAME,
        )
        return False

    def resolve(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        name = args[0] if args else kwargs.get("logging_integration")
        return handler if name == ROUTED_NAME else wrapped(*args, **kwargs)

    wrap_function_wrapper(module, _RESOLVER, resolve)
    return True


def unroute() -> None:
    unwrap(importlib.import_module(_MODULE), _RESOLVER)


# Where LiteLLM files a registered handler (it copies entries of `litellm.callbacks` into the others).
_CALLBACK_LISTS = (
    "callbacks",
    "input_callback",
    "success_callback",
    "failure_callback",
    "_async_input_callback",
    "_async_success_callback",
    "_async_failure_callback",
)


def register(handler: Any) -> None:
    import litellm

    litellm.callbacks.append(handler)


def unregister(handler: Any) -> None:
    """Take `handler` out of every list LiteLLM filed it in, leaving the user's entries alone."""
    import litellm

    for name in _CALLBACK_LISTS:
        entries = getattr(litellm, name, None)
        if isinstance(entries, list):
            entries[:] = [entry for entry in entries if entry is not handler]
