"""Overhead of the instrumentation against bare LiteLLM.

Bare and instrumented LiteLLM run in separate worker processes (so neither inherits the
other's warm-up or garbage), in interleaved rounds (bare, instrumented, bare, …) so that drift
of the machine hits both alike, against the loopback OpenAI-compatible server running in this
process (its CPU is not counted). Each worker measures, per call and per streamed chunk:

- caller-thread CPU (`time.thread_time`): what the application's own thread pays;
- whole-process CPU (`time.process_time`): that plus LiteLLM's logging threads, our callback,
  the span processor's export thread and the metrics SDK.

Scenarios: non-streamed and streamed chat completion, sync and async, and embedding. Spans go
through a BatchSpanProcessor to an exporter that drops them and metrics to an SDK meter
provider, as in production minus the network. Two more figures isolate our own code: the
wrapper and the stream proxy around prebuilt LiteLLM objects, and the callback's cost for a
call a wrapper already traced.

Run: `make bench`, or `python benchmarks/overhead.py --rounds 5 --calls 300`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests import openai_server  # noqa: E402  (the loopback stand-in for OpenAI)

SCENARIOS = ("completion", "acompletion", "stream", "astream", "embedding")
MESSAGES = [{"role": "user", "content": "Say hello"}]
# The request our code alone is measured on: what the end-to-end scenarios pass, minus the key.
PREBUILT_REQUEST = {
    "model": "openai/gpt-4o-mini",
    "messages": MESSAGES,
    "api_base": "http://127.0.0.1:8000/v1",
}


class DroppingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


# --- Worker: one process, bare or instrumented, every scenario ----------------------------------------------


def worker(base_url: str, instrumented: bool, calls: int) -> dict[str, dict[str, float]]:
    import litellm

    litellm.suppress_debug_info = True
    if instrumented:
        from instrumentation import LiteLLMInstrumentor

        LiteLLMInstrumentor().instrument(**instrumented_provider())
    args = {"api_base": base_url, "api_key": "sk-bench", "max_retries": 0, "num_retries": 0}
    model = "openai/gpt-4o-mini"

    def completion() -> int:
        for _ in range(calls):
            litellm.completion(model=model, messages=MESSAGES, **args)
        return calls

    def acompletion() -> int:
        async def run() -> None:
            for _ in range(calls):
                await litellm.acompletion(model=model, messages=MESSAGES, **args)

        asyncio.run(run())
        return calls

    def stream() -> int:
        received = 0
        for _ in range(calls // 20):
            for _chunk in litellm.completion(model=model, messages=MESSAGES, stream=True, **args):
                received += 1
        return received

    def astream() -> int:
        async def run() -> int:
            received = 0
            for _ in range(calls // 20):
                async for _chunk in await litellm.acompletion(
                    model=model, messages=MESSAGES, stream=True, **args
                ):
                    received += 1
            return received

        return asyncio.run(run())

    def embedding() -> int:
        for _ in range(calls):
            litellm.embedding(model="openai/text-embedding-3-small", input=["hello", "world"], **args)
        return calls

    results = {}
    for name, work in zip(SCENARIOS, (completion, acompletion, stream, astream, embedding), strict=True):
        work()  # Warm-up: LiteLLM's first calls of each kind are slow.
        thread_cpu, process_cpu = time.thread_time(), time.process_time()
        units = work()
        results[name] = {
            "thread_us": (time.thread_time() - thread_cpu) / units * 1e6,
            "process_us": (time.process_time() - process_cpu) / units * 1e6,
        }
    return results


# --- Our own code alone -------------------------------------------------------------------------------


def instrumented_provider() -> dict[str, Any]:
    """What the instrumentor gets, as in production minus the network: spans through a
    BatchSpanProcessor to an exporter that drops them, metrics into an SDK meter provider."""
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DroppingExporter(), max_queue_size=65536))
    meters = MeterProvider(metric_readers=[InMemoryMetricReader()])
    return {"tracer_provider": provider, "meter_provider": meters}


def chat_wrapper(tracer_provider: Any, meter_provider: Any) -> Any:
    """Our real chat wrapper, as `instrument()` builds it, on these providers."""
    from instrumentation.config import Settings
    from instrumentation.metrics import Metrics
    from instrumentation.operations import CHAT
    from instrumentation.telemetry import Telemetry
    from instrumentation.wrappers import sync_wrapper

    tracer, meter = tracer_provider.get_tracer("bench"), meter_provider.get_meter("bench")
    return sync_wrapper(Telemetry(tracer, Settings(), Metrics(meter)), CHAT)


def prebuilt_response(litellm: Any) -> Any:
    """A real LiteLLM chat response, made without HTTP."""
    return litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, mock_response="Hello there")


def prebuilt_calls(litellm: Any) -> tuple[Callable[[int], None], Callable[[], int]]:
    """The real wrapper around functions returning prebuilt LiteLLM objects, LiteLLM and HTTP taken
    out: (run `count` non-streamed calls, run one stream of 500 chunks and return its length)."""
    response = prebuilt_response(litellm)
    text = "".join(f"w{i} " for i in range(500))
    chunks = list(
        litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, stream=True, mock_response=text)
    )
    wrapper = chat_wrapper(**instrumented_provider())

    def calls(count: int) -> None:
        for _ in range(count):
            wrapper(lambda **kwargs: response, None, (), dict(PREBUILT_REQUEST))

    def stream() -> int:
        received = 0
        for _chunk in wrapper(lambda **kwargs: iter(chunks), None, (), PREBUILT_REQUEST | {"stream": True}):
            received += 1
        return received

    return calls, stream


def ours_alone(repeats: int) -> tuple[float, float, int]:
    """(µs per call, µs per chunk, chunks) that the instrumentation itself costs around prebuilt
    LiteLLM objects (the loop's own fraction of a µs included). Best of `repeats`."""
    import litellm

    calls, stream = prebuilt_calls(litellm)
    per_call, per_chunk = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        calls(1000)
        per_call.append((time.perf_counter() - start) / 1000)
        start = time.perf_counter()
        chunks = stream()
        per_chunk.append((time.perf_counter() - start) / chunks)
    return min(per_call) * 1e6, min(per_chunk) * 1e6, chunks


def sdk_share(repeats: int) -> tuple[float, int]:
    """(µs per call, attributes) of the OpenTelemetry SDK's part in a traced call: a span started
    with the attributes a real wrapped call carries, ended, and the same four metric points
    recorded, without any extraction of ours. Best of `repeats`."""
    import litellm
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from instrumentation.metrics import Metrics

    response = prebuilt_response(litellm)
    capture, captured = TracerProvider(), InMemorySpanExporter()
    capture.add_span_processor(SimpleSpanProcessor(captured))
    chat_wrapper(capture, MeterProvider())(lambda **kwargs: response, None, (), dict(PREBUILT_REQUEST))
    (span,) = captured.get_finished_spans()
    attributes = dict(span.attributes)
    providers = instrumented_provider()
    tracer = providers["tracer_provider"].get_tracer("bench")
    metrics = Metrics(providers["meter_provider"].get_meter("bench"))
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(1000):
            tracer.start_span(span.name, kind=span.kind, attributes=attributes).end()
            metrics.record("chat", "openai", "openai/gpt-4o-mini", 0.5, attributes)
        timings.append((time.perf_counter() - start) / 1000)
    return min(timings) * 1e6, len(attributes)


def callback_when_wrapped(repeats: int) -> float:
    """µs our LiteLLM success hook costs for a call a wrapper already traced (the both-active case):
    the wrapper's claim of the call id and the hook's lookup of it. Best of `repeats`."""
    from instrumentation.callback import CallbackHandler
    from instrumentation.claims import CALLS

    handler = CallbackHandler(telemetry=None)  # Never reached for a claimed call.
    details = {"litellm_call_id": "bench-call", "call_type": "completion"}
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(10_000):
            CALLS.claimed.put("bench-call")
            handler.log_success_event(details, None, None, None)
        timings.append((time.perf_counter() - start) / 10_000)
    return min(timings) * 1e6


# --- Orchestration -----------------------------------------------------------------------------------


def run_worker(base_url: str, instrumented: bool, options: argparse.Namespace) -> dict[str, dict[str, float]]:
    command = [sys.executable, __file__, "--worker", base_url, "--calls", str(options.calls)]
    if instrumented:
        command.append("--instrumented")
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300, help="calls per scenario and worker")
    parser.add_argument("--chunks", type=int, default=200, help="content chunks per streamed answer")
    parser.add_argument("--worker", metavar="BASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--instrumented", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(worker(options.worker, options.instrumented, options.calls)))
        return

    # Every streamed answer carries `--chunks` pieces.
    openai_server.DEFAULT_STREAM_PIECES = [f"w{i} " for i in range(options.chunks)]
    server = openai_server.OpenAIServer().start()
    samples: dict[tuple[str, bool], list[dict[str, float]]] = {}
    try:
        for _ in range(options.rounds):
            for instrumented in (False, True):
                for name, row in run_worker(server.base_url, instrumented, options).items():
                    samples.setdefault((name, instrumented), []).append(row)
    finally:
        server.stop()

    import importlib.metadata

    version = importlib.metadata.version("litellm")
    print(f"litellm {version}: {options.rounds} rounds of {options.calls} calls, medians")
    print(f"{'scenario':<12} {'unit':<6} {'caller CPU: bare -> instrumented':>36} {'whole process':>36}")
    for name in SCENARIOS:
        unit = "chunk" if "stream" in name else "call"
        row = []
        for measure in ("thread_us", "process_us"):
            bare = statistics.median(sample[measure] for sample in samples[(name, False)])
            instrumented = statistics.median(sample[measure] for sample in samples[(name, True)])
            added, ratio = instrumented - bare, instrumented / bare
            row.append(f"{bare:7.1f} -> {instrumented:7.1f} µs (+{added:6.1f}, x{ratio:.3f})")
        print(f"{name:<12} {unit:<6} {row[0]:>36} {row[1]:>36}")
    call_us, chunk_us, chunks = ours_alone(repeats=20)
    print(f"instrumentation alone: {call_us:.1f} µs per call, {chunk_us:.2f} µs per chunk ({chunks} chunks)")
    sdk_us, attributes = sdk_share(repeats=20)
    share = f"{sdk_us:.1f} µs (a span, {attributes} attributes, 4 metric points)"
    print(f"  of which the OpenTelemetry SDK: {share}")
    print(f"callback for a call already wrapped: {callback_when_wrapped(repeats=5):.2f} µs per call")


if __name__ == "__main__":
    main()
