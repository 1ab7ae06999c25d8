"""Send LLM spans to Jaeger (or any OTLP backend) with `instrumentation.init()`.

    docker compose -f examples/otlp_jaeger/docker-compose.yml up -d
    LITELLM_LOCAL_MODEL_COST_MAP=True python examples/otlp_jaeger/send_spans.py
    # then open http://localhost:16686 (see README.md beside this file for what to click)

`init()` adds the OTLP/HTTP exporter because OTEL_EXPORTER_OTLP_ENDPOINT is set; it defaults here to
Jaeger's http://localhost:4318, and OTEL_SERVICE_NAME to litellm-example. The script makes one trace: an
"answer-question" span holding four LLM calls (a chat, a streamed chat, an embedding and a rate-limited
chat that fails).

No API key and no outside server but Jaeger: the calls go to a stand-in OpenAI server on 127.0.0.1 (see
../_standin.py). For a real provider, set OPENAI_API_KEY and drop `**args` from the calls.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.
os.environ.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")
os.environ.setdefault("OTEL_SERVICE_NAME", "litellm-example")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/, for _standin
from _standin import Scripted, call_args, openai_standin

import instrumentation
from instrumentation import llm_context

HELLO = [{"role": "user", "content": "Say hello"}]


def main() -> None:
    provider = instrumentation.init(store=None)  # OTLP only: no local store for this example.
    tracer = provider.get_tracer("send_spans example")

    import litellm

    litellm.suppress_debug_info = True
    with (
        openai_standin() as server,
        tracer.start_as_current_span("answer-question") as root,
        llm_context(user_id="jaeger-user", session_id="jaeger-session"),
    ):
        args = call_args(server)
        litellm.completion(model="openai/gpt-4o-mini", messages=HELLO, **args)
        for _ in litellm.completion(model="openai/gpt-4o-mini", messages=HELLO, stream=True, **args):
            pass
        litellm.embedding(model="openai/text-embedding-3-small", input=["hello", "world"], **args)
        server.script("/v1/chat/completions", Scripted(status=429))
        with contextlib.suppress(litellm.RateLimitError):
            litellm.completion(model="openai/gpt-4o-mini", messages=HELLO, **args)
    provider.force_flush()

    trace_id = format(root.get_span_context().trace_id, "032x")
    endpoint, service = os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"], os.environ["OTEL_SERVICE_NAME"]
    print(f"trace {trace_id}: answer-question and its 4 LLM spans")
    print(f"exported over OTLP/HTTP to {endpoint} as service {service} (a failure is logged above)")
    print("see it at http://localhost:16686 (README.md beside this script says what to click)")


if __name__ == "__main__":
    main()
