"""Every `gen_ai.*` name we emit exists in the pinned semantic-conventions release, and none of
them is deprecated in favour of another name."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics

from instrumentation import metrics, semconv


def _documented_constants(module) -> dict[str, str]:
    """Name -> docstring of each module-level constant of a semconv module (docstrings of
    constants are only in the source)."""
    tree = ast.parse(Path(inspect.getsourcefile(module)).read_text())
    docs: dict[str, str] = {}
    body = tree.body
    for node, following in zip(body, [*body[1:], None], strict=True):
        if isinstance(node, ast.AnnAssign | ast.Assign) and isinstance(following, ast.Expr):
            value = getattr(node, "value", None)
            if isinstance(value, ast.Constant) and isinstance(following.value, ast.Constant):
                docs[value.value] = str(following.value.value)
    return docs


ATTRIBUTE_DOCS = _documented_constants(gen_ai_attributes)
METRIC_DOCS = _documented_constants(gen_ai_metrics)

EMITTED_ATTRIBUTES = sorted(
    {*semconv.GEN_AI_EQUIVALENTS.values(), semconv.GEN_AI_PROVIDER_NAME, semconv.GEN_AI_OPERATION_NAME}
    | {
        value
        for name, value in vars(semconv).items()
        if name.startswith("GEN_AI_") and isinstance(value, str)
    }
    - {semconv.GEN_AI_CONTENT_EVENT}
)
EMITTED_METRICS = sorted(
    instrument.name
    for instrument in vars(metrics.Metrics(MeterProvider().get_meter("semconv-test"))).values()
    if instrument.name.startswith("gen_ai.")
)


@pytest.mark.parametrize("name", EMITTED_ATTRIBUTES)
def test_attribute_name_is_in_the_pinned_conventions(name):
    assert name in ATTRIBUTE_DOCS, f"{name} is not defined by opentelemetry-semantic-conventions"
    assert "Replaced by" not in ATTRIBUTE_DOCS[name], ATTRIBUTE_DOCS[name]


@pytest.mark.parametrize("name", EMITTED_METRICS)
def test_metric_name_is_in_the_pinned_conventions(name):
    assert name in METRIC_DOCS
    assert "Replaced by" not in METRIC_DOCS[name]


def test_the_names_are_all_checked():
    assert len(EMITTED_ATTRIBUTES) >= 20
    assert EMITTED_METRICS == [
        "gen_ai.client.operation.duration",
        "gen_ai.client.operation.time_to_first_chunk",
        "gen_ai.client.token.usage",
    ]


def test_provider_and_operation_values_are_the_conventions():
    providers = {member.value for member in gen_ai_attributes.GenAiProviderNameValues}
    assert set(semconv.GEN_AI_PROVIDER_VALUES.values()) <= providers
    operations = {member.value for member in gen_ai_attributes.GenAiOperationNameValues}
    assert set(semconv.GEN_AI_OPERATION_VALUES.values()) <= operations
    assert {semconv.CHAT, semconv.TEXT_COMPLETION, semconv.EMBEDDINGS} <= operations
