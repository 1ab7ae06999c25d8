"""Attributes every operation shares: vendor, provider, operation, model and sampling parameters."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .. import semconv
from .fields import field

_NUMERIC_PARAMETERS = {
    "temperature": semconv.LLM_REQUEST_TEMPERATURE,
    "top_p": semconv.LLM_REQUEST_TOP_P,
    "max_tokens": semconv.LLM_REQUEST_MAX_TOKENS,
    "n": semconv.LLM_REQUEST_N,
    "seed": semconv.LLM_REQUEST_SEED,
    "presence_penalty": semconv.LLM_REQUEST_PRESENCE_PENALTY,
    "frequency_penalty": semconv.LLM_REQUEST_FREQUENCY_PENALTY,
}


def request_attributes(operation: str, kwargs: Mapping[str, Any], provider: str | None) -> dict[str, Any]:
    """What any call says about itself before it runs."""
    attributes: dict[str, Any] = {
        semconv.LLM_VENDOR: "litellm",
        semconv.LLM_OPERATION: operation,
        semconv.LLM_REQUEST_STREAM: bool(kwargs.get("stream")),
    }
    model = kwargs.get("model")
    if isinstance(model, str) and model:
        attributes[semconv.LLM_REQUEST_MODEL] = model
    if provider:
        attributes[semconv.LLM_PROVIDER] = provider
    for parameter, name in _NUMERIC_PARAMETERS.items():
        value = kwargs.get(parameter)
        if value is None:
            if parameter != "max_tokens":
                continue  # Most calls pass few of them: skip the type checks.
            value = kwargs.get("max_completion_tokens")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attributes[name] = value
    stop = kwargs.get("stop")
    if isinstance(stop, str):
        attributes[semconv.LLM_REQUEST_STOP] = [stop]
    elif isinstance(stop, (list, tuple)) and stop and all(isinstance(item, str) for item in stop):
        attributes[semconv.LLM_REQUEST_STOP] = list(stop)
    api_base = safe_url(kwargs.get("api_base") or kwargs.get("base_url"))
    if api_base:
        attributes[semconv.LLM_REQUEST_API_BASE] = api_base
    attributes.update(router_attributes(kwargs.get("metadata")))
    return attributes


def router_attributes(metadata: Any) -> dict[str, Any]:
    """Model group and deployment of a call made by LiteLLM's Router."""
    if not isinstance(metadata, Mapping):
        return {}
    attributes: dict[str, Any] = {}
    group = metadata.get("model_group")
    if isinstance(group, str) and group:
        attributes[semconv.LLM_ROUTER_MODEL_GROUP] = group
    deployment = field(metadata.get("model_info"), "id")
    if isinstance(deployment, str) and deployment:
        attributes[semconv.LLM_ROUTER_DEPLOYMENT] = deployment
    return attributes


def safe_url(url: Any) -> str | None:
    """Scheme, host, port and path of a URL: never its user info, query or fragment."""
    if not isinstance(url, str) or not url:
        return None
    return _safe_url(url)


@functools.lru_cache(maxsize=256)
def _safe_url(url: str) -> str | None:
    """Remembered: an application calls a handful of endpoints, and parsing one costs microseconds."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
