"""No secret ever leaves: a canary passed every way LiteLLM accepts one, then every exported byte
(span attributes, events, the OTLP protobuf encoding, metric points) searched for it, with content
capture off and on, through the wrappers and through the callback alone."""

from __future__ import annotations

import litellm
import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from instrumentation import LiteLLMInstrumentor

from .conftest import MODEL, settled_spans
from .openai_bodies import error_body
from .openai_server import Scripted

CANARY = "canary-secret-9f8e7d6c"
HI = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"
UNWRAPPED_COMPLETION = litellm.completion  # Bound before instrument(): seen by the callback only.


def _secret_arguments(base_url: str) -> dict:
    """The canary as an API key, in every credential header, as cloud credentials, in the URL."""
    return {
        "api_base": base_url.replace("http://", f"http://user:{CANARY}@"),
        "api_key": CANARY,
        "extra_headers": {"Authorization": f"Bearer {CANARY}", "api-key": CANARY, "x-api-key": CANARY},
        "aws_access_key_id": CANARY,
        "aws_secret_access_key": CANARY,
        "aws_session_token": CANARY,
        "vertex_credentials": CANARY,
        "max_retries": 0,
        "num_retries": 0,
    }


@pytest.fixture(params=[False, True], ids=["no-content", "content"])
def readers(request, tracer_provider):
    reader = InMemoryMetricReader()
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracer_provider,
        meter_provider=MeterProvider(metric_readers=[reader]),
        capture_content="SPAN_AND_EVENT" if request.param else False,
    )
    yield reader
    instrumentor.uninstrument()


@pytest.mark.parametrize(
    "completion", [litellm.completion, UNWRAPPED_COMPLETION], ids=["wrapped", "callback"]
)
def test_the_canary_never_leaves(completion, readers, openai_server, exporter):
    completion = litellm.completion if completion is litellm.completion else UNWRAPPED_COMPLETION
    echo = f"Incorrect API key provided: {CANARY}. Headers: Bearer {CANARY}"
    openai_server.script(CHAT, Scripted(), Scripted(), Scripted(status=401, body=error_body(echo)))
    arguments = _secret_arguments(openai_server.base_url)

    completion(model=MODEL, messages=HI, **arguments)
    for _ in completion(model=MODEL, messages=HI, stream=True, **arguments):
        pass
    with pytest.raises(litellm.AuthenticationError):
        completion(model=MODEL, messages=HI, **arguments)

    spans = settled_spans(exporter, 3)
    assert len(spans) == 3
    assert openai_server.requests[0].headers["x-api-key"] == CANARY  # It really was sent.
    exported = encode_spans(spans).SerializeToString()
    exported += "".join(span.to_json() for span in spans).encode()
    exported += readers.get_metrics_data().to_json().encode()
    assert CANARY.encode() not in exported
    assert b"user:" not in exported
    failed = [span for span in spans if "llm.error.category" in span.attributes]
    assert len(failed) == 1
    assert "[REDACTED]" in failed[0].attributes["llm.error.message"]
