"""The examples run as is and print what they promise.

Each runs in its own process, as a reader would run it, from a scratch directory (so nothing lands in
the repository), against the stand-in OpenAI server it starts itself. Their output is compared line for
line, with only durations and times to first token masked. The Jaeger example sends its spans to a
loopback OTLP receiver instead of Jaeger.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from instrumentation.analytics import UsageAnalyzer

from .otlp_receiver import OTLPReceiver

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TIMEOUT = 120  # seconds; an example takes 5-10 s, most of it importing LiteLLM.
VOLATILE = (
    (re.compile(r"\d+\.\d ms\]"), "_ ms]"),
    (re.compile(r"(time_to_first_token = )\S+"), r"\1_"),
)


def run_example(script: str, cwd: Path, *args: str, **env: str) -> str:
    """The example's standard output; it must exit 0 and write nothing to stderr (no warning, no log)."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


def masked(output: str) -> str:
    for pattern, replacement in VOLATILE:
        output = pattern.sub(replacement, output)
    return output


EXPECTED = {
    "streaming.py": """\
read to the end:        Hello from the test server!
read to the end, async: Hello from the test server!
abandoned after its first chunk

chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.response.time_to_first_token = _
    llm.response.chunk_count = 8
    llm.response.stream_completed = True
    llm.response.finish_reason = stop
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 7
chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.response.time_to_first_token = _
    llm.response.chunk_count = 8
    llm.response.stream_completed = True
    llm.response.finish_reason = stop
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 7
chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.response.time_to_first_token = _
    llm.response.chunk_count = 1
    llm.response.stream_completed = False
    llm.usage.prompt_tokens = 9
    llm.usage.completion_tokens = 0
    llm.usage.estimated = True
""",
    "async_gather.py": "5 answers, the first: Hello from the test server!\n\n"
    + "answer-questions  [INTERNAL, UNSET, _ ms]\n"
    + "".join(
        f"""\
    chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
        llm.context.tags.question = {number}
        llm.usage.prompt_tokens = 12
        llm.usage.completion_tokens = 7
"""
        for number in range(1, 6)
    )
    + "\n5 of 5 LLM spans are children of answer-questions, in its trace\n",
    "router_fallbacks.py": """\
answer: Hello from the test server!

chat primary  [CLIENT, UNSET, _ ms]
    llm.router.model_group = primary
    llm.router.deployment = backup-1
    llm.router.fallbacks = 1
    llm.request.attempts = 2
    llm.usage.completion_tokens = 7
    event llm.attempt:
        llm.attempt.index = 0
        llm.router.deployment = primary-1
        llm.error.category = rate_limit
        llm.error.status_code = 429
""",
    "manual_tracking.py": """\
answer: Hello from the test server!

chat gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.vendor = manual
    llm.provider = openai
    llm.api_type = llm
    llm.response.model = gpt-4o-mini
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 7
    llm.cost.total_usd = 0.000006
    llm.context.user_id = u-1
chat gpt-4o-mini  [CLIENT, ERROR, _ ms]
    llm.vendor = manual
    llm.provider = openai
    llm.api_type = llm
    llm.error.category = rate_limit
    llm.error.status_code = 429
    llm.context.user_id = u-1
transcription nova-2  [CLIENT, UNSET, _ ms]
    llm.vendor = manual
    llm.provider = deepgram
    llm.api_type = stt
    llm.usage.completion_tokens = 120
    llm.cost.total_usd = 0.0043
    llm.context.user_id = u-1
""",
    # The caller asked for "gpt-4o-mini": the provider-qualified name shows the span came from the callback.
    "callback_only.py": """\
answer: Hello from the test server!

chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.provider = openai
    llm.request.model = openai/gpt-4o-mini
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 7
    llm.cost.total_usd = 0.000006
chat openai/gpt-4o-mini  [CLIENT, ERROR, _ ms]
    llm.provider = openai
    llm.request.model = openai/gpt-4o-mini
    llm.error.category = authentication
    llm.error.status_code = 401
""",
}


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_prints_its_spans(script, tmp_path):
    assert masked(run_example(script, tmp_path)) == EXPECTED[script]
    assert list(tmp_path.iterdir()) == []  # Nothing written where it ran.


QUICKSTART_SPANS = """\
chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.provider = openai
    llm.response.model = gpt-4o-mini
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 7
    llm.cost.total_usd = 0.000006
chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.provider = openai
    llm.response.model = gpt-4o-mini
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 7
    llm.cost.total_usd = 0.000006
chat openai/gpt-4o-mini  [CLIENT, UNSET, _ ms]
    llm.provider = openai
    llm.response.model = gpt-4o-mini
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 7
    llm.cost.total_usd = 0.000006
    llm.response.time_to_first_token = _
    llm.response.chunk_count = 8
embeddings openai/text-embedding-3-small  [CLIENT, UNSET, _ ms]
    llm.provider = openai
    llm.response.model = text-embedding-3-small
    llm.usage.prompt_tokens = 5
    llm.usage.completion_tokens = 0
    llm.cost.total_usd = 0.0000001
    llm.request.input_count = 2
    llm.response.embedding_dimensions = 8
image_generation openai/gpt-image-1  [CLIENT, UNSET, _ ms]
    llm.provider = openai
    llm.usage.prompt_tokens = 12
    llm.usage.completion_tokens = 1056
    llm.cost.total_usd = 0.0423
    llm.response.images_count = 1
moderation openai/omni-moderation-latest  [CLIENT, UNSET, _ ms]
    llm.provider = openai
    llm.response.flagged = True
    llm.response.flagged_categories = harassment, violence
chat openai/no-such-model  [CLIENT, ERROR, _ ms]
    llm.provider = openai
    llm.error.category = not_found
    llm.error.status_code = 404

7 calls stored in sqlite:///usage.db. What `llm-usage --store sqlite:///usage.db summary` says:

"""
# Lines of `llm-usage summary` that do not depend on timing: 12+12+12+5+12 input tokens,
# 7+7+7+1056 output tokens, three gpt-4o-mini calls at $0.000006 and the image at $0.0423.
QUICKSTART_SUMMARY_LINES = (
    ("calls", "7"),
    ("successful", "6"),
    ("failed", "1"),
    ("input tokens", "53"),
    ("output tokens", "1,077"),
    ("total tokens", "1,130"),
    ("cost (USD)", "0.042318"),
    ("users / sessions / sources", "1 / 1 / 0"),
    ("not_found", "1"),
    ("openai/gpt-4o-mini", "3     36      21            57    0.000018"),
    ("openai/gpt-image-1", "1     12   1,056         1,068    0.042300"),
    ("quickstart-user", "7     53   1,077         1,130    0.042318"),
)


def test_quickstart_prints_its_spans_and_the_summary_of_its_store(tmp_path):
    output = masked(run_example("quickstart.py", tmp_path, "sqlite:///usage.db"))

    assert output.startswith(QUICKSTART_SPANS), output
    summary = output.removeprefix(QUICKSTART_SPANS)
    for label, value in QUICKSTART_SUMMARY_LINES:
        assert re.search(rf"^{re.escape(label)} +{re.escape(value)}$", summary, re.MULTILINE), (
            label,
            summary,
        )
    stored = UsageAnalyzer(f"sqlite:///{tmp_path / 'usage.db'}").get_stats()
    assert (stored.total_calls, stored.failed_calls, stored.total_tokens) == (7, 1, 1130)
    assert not (tmp_path / "llm_usage.db").exists()


def test_send_spans_sends_one_trace_of_four_llm_calls_over_otlp(tmp_path):
    with OTLPReceiver() as receiver:
        output = run_example(
            "otlp_jaeger/send_spans.py", tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.http_endpoint
        )
        spans = receiver.spans

    (trace_id,) = re.findall(r"^trace ([0-9a-f]{32}): answer-question and its 4 LLM spans$", output, re.M)
    assert output.splitlines()[1:] == [
        f"exported over OTLP/HTTP to {receiver.http_endpoint} as service litellm-example"
        " (a failure is logged above)",
        "see it at http://localhost:16686 (README.md beside this script says what to click)",
    ]
    (root,) = [span for span in spans if span.name == "answer-question"]
    calls = [span for span in spans if span is not root]  # In the order they ended.
    assert [span.name for span in calls] == [
        "chat openai/gpt-4o-mini",
        "chat openai/gpt-4o-mini",
        "embeddings openai/text-embedding-3-small",
        "chat openai/gpt-4o-mini",
    ]
    assert {span.trace_id for span in spans} == {trace_id}
    assert {span.parent_span_id for span in calls} == {root.span_id}
    assert {span.resource["service.name"] for span in spans} == {("string_value", "litellm-example")}
    assert [span.status_code for span in calls] == ["STATUS_CODE_UNSET"] * 3 + ["STATUS_CODE_ERROR"]
    chat, stream, embedding, failed = (span.attributes for span in calls)
    assert (chat["llm.usage.prompt_tokens"], chat["llm.usage.completion_tokens"]) == (
        ("int_value", 12),
        ("int_value", 7),
    )
    assert chat["llm.context.user_id"] == ("string_value", "jaeger-user")
    assert stream["llm.response.stream_completed"] == ("bool_value", True)
    assert stream["llm.usage.estimated"] == ("bool_value", True)
    assert embedding["llm.request.input_count"] == ("int_value", 2)
    assert embedding["llm.response.embedding_dimensions"] == ("int_value", 8)
    assert failed["llm.error.category"] == ("string_value", "rate_limit")
    assert failed["llm.error.status_code"] == ("int_value", 429)
    assert list(tmp_path.iterdir()) == []  # store=None: no llm_usage.db.


def test_jaeger_compose_file_runs_all_in_one_with_otlp_and_the_ui():
    compose = yaml.safe_load((EXAMPLES / "otlp_jaeger" / "docker-compose.yml").read_text())

    (jaeger,) = compose["services"].values()
    assert jaeger["image"].startswith("jaegertracing/all-in-one:")
    assert "COLLECTOR_OTLP_ENABLED=true" in jaeger["environment"]
    assert jaeger["ports"] == ["4317:4317", "4318:4318", "16686:16686"]


def test_every_example_is_run_here():
    scripts = {
        path.relative_to(EXAMPLES).as_posix()
        for path in EXAMPLES.rglob("*.py")
        if not path.name.startswith("_")
    }
    assert scripts == {*EXPECTED, "quickstart.py", "otlp_jaeger/send_spans.py"}
