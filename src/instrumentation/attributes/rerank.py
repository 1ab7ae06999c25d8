"""Rerank: the query, the documents offered, how many results were asked for and returned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import semconv
from .fields import as_int, field


def rerank_request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    query = request.get("query")
    if isinstance(query, str):
        attributes[semconv.LLM_REQUEST_QUERY_LENGTH] = len(query)
    documents = request.get("documents")
    if isinstance(documents, (list, tuple)):
        attributes[semconv.LLM_REQUEST_DOCUMENTS_COUNT] = len(documents)
    top_n = as_int(request.get("top_n"))
    if top_n is not None:
        attributes[semconv.LLM_REQUEST_TOP_N] = top_n
    return attributes


def rerank_response_attributes(response: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    response_id = field(response, "id")
    if isinstance(response_id, str) and response_id:
        attributes[semconv.LLM_RESPONSE_ID] = response_id
    results = field(response, "results")
    if isinstance(results, (list, tuple)):
        attributes[semconv.LLM_RESPONSE_RESULTS_COUNT] = len(results)
    return attributes
