"""Callback only: `litellm.success_callback = ["agentops"]`, and `completion` imported before instrumenting.

`from litellm import completion` at the top of a module binds LiteLLM's own function, which
`instrument()` cannot wrap afterwards. Those calls are still traced, by the LiteLLM callback that
`instrument()` registers (the name "agentops" resolves to it, never to LiteLLM's AgentOps logger, which
would call a remote host). A callback span carries LiteLLM's provider-qualified model name.

    LITELLM_LOCAL_MODEL_COST_MAP=True python examples/callback_only.py

No API key and no outside server: the calls go to a stand-in OpenAI server on 127.0.0.1 (see
_standin.py). For a real provider, set OPENAI_API_KEY and drop `**args` from the calls.
"""

from __future__ import annotations

import contextlib
import os
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # No price-map download at import.

import litellm
from _spans import show
from _standin import Scripted, call_args, openai_standin
from litellm import completion  # Imported early, as many applications do: never wrapped.
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor

SHOWN = (
    "llm.provider",
    "llm.request.model",
    "llm.usage.prompt_tokens",
    "llm.usage.completion_tokens",
    "llm.cost.total_usd",
    "llm.error.category",
    "llm.error.status_code",
)
HELLO = [{"role": "user", "content": "Say hello"}]


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    LiteLLMInstrumentor().instrument(tracer_provider=provider)
    litellm.suppress_debug_info = True
    litellm.success_callback = ["agentops"]
    litellm.failure_callback = ["agentops"]

    with openai_standin() as server:
        args = call_args(server)
        print("answer:", completion(model="gpt-4o-mini", messages=HELLO, **args).choices[0].message.content)
        with contextlib.suppress(litellm.AuthenticationError):
            server.script("/v1/chat/completions", Scripted(status=401))
            completion(model="gpt-4o-mini", messages=HELLO, **args)
        wait_for_spans(exporter, 2)
    print()
    show(sorted(exporter.get_finished_spans(), key=lambda span: span.start_time or 0), SHOWN)


def wait_for_spans(exporter: InMemorySpanExporter, count: int, timeout: float = 10.0) -> None:
    """LiteLLM runs success callbacks on a background thread, a moment after the call returns."""
    deadline = time.monotonic() + timeout
    while len(exporter.get_finished_spans()) < count and time.monotonic() < deadline:
        time.sleep(0.01)


if __name__ == "__main__":
    main()
