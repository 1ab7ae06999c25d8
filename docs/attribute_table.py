"""The README's attribute table, generated from the attribute names in `instrumentation.semconv`.

    python docs/attribute_table.py                    # print the Markdown
    python docs/attribute_table.py --write README.md  # replace it between the README's markers

Names, their `gen_ai.*` twins (what `semconv.gen_ai_attributes` derives from each name), the operation
names and the limits come from the code. What the code does not say (type, meaning, which calls carry
an attribute; for `docs/telemetry.md`, made by `docs/telemetry_doc.py`, also the unit and the exact
definition of a derived value) is in `DESCRIPTIONS`, keyed by the constants themselves: a renamed
constant breaks the import of this module, an added one without a description stops the generator, and
`tests/test_docs.py` fails when the README's copy differs from what this prints.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from instrumentation import semconv
from instrumentation.attributes.completion import MAX_LISTED
from instrumentation.attributes.errors import MAX_MESSAGE_LENGTH
from instrumentation.config import CAPTURE_CONTENT_ENV
from instrumentation.operations import OPERATIONS

START_MARKER = "<!-- attribute-table:start -->"
END_MARKER = "<!-- attribute-table:end -->"

# Handed to `semconv.gen_ai_attributes` as every attribute's value to learn what it derives from the
# name: a URL, since `llm.request.api_base` yields `server.*` only from one.
_PROBE_VALUE = "https://example.com/"


@dataclass(frozen=True)
class Description:
    """What the code cannot tell about an attribute. `unit` and `definition` appear in
    `docs/telemetry.md` only (`docs/telemetry_doc.py`): the unit of a quantity, and the exact rule of a
    derived value, where the table's short `meaning` cannot hold it."""

    type: str
    meaning: str
    carried_by: str
    unit: str = ""
    definition: str = ""


def _operations(*names: str) -> str:
    return ", ".join(f"`{name}`" for name in names)


_EVERY = "every span"
_WHEN_PASSED = "any operation, when passed"
_CHAT_LIKE = _operations(semconv.CHAT, semconv.RESPONSES)
_COMPLETIONS = _operations(semconv.CHAT, semconv.TEXT_COMPLETION, semconv.RESPONSES)
_STREAMS = "streams"
_WRAPPED_STREAMS = "streams the wrappers saw"
_FAILURES = "failed calls"
_CONTEXT = "calls inside `llm_context`"
_PROXIED = "calls through the LiteLLM Proxy that has the value"
_CONTENT = f"{_operations(semconv.CHAT)}, content capture on"
_USAGE = "any operation whose response reports usage; manual calls"
_ALL_OPERATIONS = _operations(*dict.fromkeys(operation.name for operation in OPERATIONS.values()))
_CONTENT_ON_SPAN = f"`capture_content` `True`, `SPAN_ONLY` or `SPAN_AND_EVENT` (or `{CAPTURE_CONTENT_ENV}`)"
_CUT = "the JSON cut to `max_content_length` characters (the cut marked `…`)"

DESCRIPTIONS: Mapping[str, Description] = {
    semconv.LLM_VENDOR: Description(
        "str", "`litellm`; `manual` for `track_llm_call`/`record_llm_call`", _EVERY
    ),
    semconv.LLM_PROVIDER: Description(
        "str",
        "the provider LiteLLM routes to, by its own resolution (`openai`, `anthropic`, `azure`, "
        "`bedrock`, …); `api_provider` for manual calls",
        "every span whose provider is known",
    ),
    semconv.LLM_OPERATION: Description(
        "str", f"one of {_ALL_OPERATIONS}; `operation` for manual calls (default `{semconv.CHAT}`)", _EVERY
    ),
    semconv.LLM_API_TYPE: Description("str", "kind of API: `llm` (default), `stt`, `ocr`, …", "manual calls"),
    semconv.LLM_REQUEST_MODEL: Description(
        "str",
        "model as the caller passed it (callback-only spans: LiteLLM's provider-qualified name)",
        _EVERY,
    ),
    semconv.LLM_REQUEST_STREAM: Description("bool", "streaming requested", _EVERY),
    semconv.LLM_REQUEST_TEMPERATURE: Description("number", "sampling temperature", _WHEN_PASSED),
    semconv.LLM_REQUEST_TOP_P: Description("number", "nucleus sampling", _WHEN_PASSED),
    semconv.LLM_REQUEST_MAX_TOKENS: Description(
        "int", "`max_tokens`, else `max_completion_tokens`", _WHEN_PASSED, unit="tokens"
    ),
    semconv.LLM_REQUEST_N: Description("int", "choices asked for", _WHEN_PASSED, unit="choices"),
    semconv.LLM_REQUEST_SEED: Description("int", "sampling seed", _WHEN_PASSED),
    semconv.LLM_REQUEST_PRESENCE_PENALTY: Description("number", "presence penalty", _WHEN_PASSED),
    semconv.LLM_REQUEST_FREQUENCY_PENALTY: Description("number", "frequency penalty", _WHEN_PASSED),
    semconv.LLM_REQUEST_STOP: Description(
        "str[]", "stop sequences (a single string becomes a list)", _WHEN_PASSED
    ),
    semconv.LLM_REQUEST_API_BASE: Description(
        "str",
        "`api_base`/`base_url`: scheme, host, port and path only, never user info or query "
        "(callback-only spans: LiteLLM's full endpoint URL)",
        "any operation, when passed",
    ),
    semconv.LLM_ROUTER_MODEL_GROUP: Description(
        "str", "the Router's model group", "calls made by `litellm.Router`"
    ),
    semconv.LLM_ROUTER_DEPLOYMENT: Description(
        "str",
        "the `model_info.id` of the deployment that served (on failure: the last one tried)",
        "calls made by `litellm.Router`",
    ),
    semconv.LLM_ROUTER_FALLBACKS: Description(
        "int",
        "fallbacks the Router took; present when more than zero",
        "calls made by `litellm.Router`",
        unit="fallbacks",
        definition="What the Router reports on the response (`x-litellm-attempted-fallbacks`); for a failed "
        "call or a stream, the model groups its failed attempts left (less the last one, for a failed call).",
    ),
    semconv.LLM_REQUEST_ATTEMPTS: Description(
        "int",
        "provider attempts the call made; present when more than one",
        "calls that retried or fell back",
        unit="attempts",
        definition="The attempts LiteLLM's failure hook reported inside the call, plus the one that served. "
        "A `litellm.Router` call counts every deployment it tried; `num_retries` counts LiteLLM's own "
        "retries, not those the OpenAI client makes inside one attempt (LiteLLM hands them `num_retries` "
        "as `max_retries`, and its hooks never see them).",
    ),
    semconv.LLM_ATTEMPT_EVENT: Description(
        "span event",
        "one per failed attempt of a call that made more than one, at the time it failed",
        "calls that retried or fell back",
    ),
    semconv.LLM_ATTEMPT_INDEX: Description(
        "int", "the attempt's place, from 0", "`llm.attempt` events", unit="attempts"
    ),
    semconv.LLM_ATTEMPT_DURATION: Description(
        "float", "how long the attempt took", "`llm.attempt` events", unit="s"
    ),
    semconv.LLM_REQUEST_MESSAGES_COUNT: Description(
        "int", "messages (input items) sent", _CHAT_LIKE, unit="messages"
    ),
    semconv.LLM_REQUEST_MESSAGE_ROLES: Description(
        "str[]", f"role of each message, in order (at most {MAX_LISTED:,})", _CHAT_LIKE
    ),
    semconv.LLM_REQUEST_CONTENT_LENGTH: Description(
        "int",
        "characters of text over all messages; the prompt's for `text_completion`",
        _COMPLETIONS,
        unit="characters",
    ),
    semconv.LLM_REQUEST_MULTIMODAL: Description(
        "bool", "any message carries non-text parts (images, audio, files)", _CHAT_LIKE
    ),
    semconv.LLM_REQUEST_TOOLS_COUNT: Description(
        "int", "tools (or legacy functions) offered", _CHAT_LIKE, unit="tools"
    ),
    semconv.LLM_REQUEST_TOOL_NAMES: Description("str[]", f"their names (at most {MAX_LISTED:,})", _CHAT_LIKE),
    semconv.LLM_REQUEST_TOOL_CHOICE: Description(
        "str", "`tool_choice` (or `function_call`): the string, or the chosen function's name", _CHAT_LIKE
    ),
    semconv.LLM_RESPONSE_ID: Description(
        "str", "response id", f"{_COMPLETIONS}, {_operations(semconv.RERANK)}"
    ),
    semconv.LLM_RESPONSE_MODEL: Description(
        "str",
        "model that answered, as the provider names it",
        f"{_COMPLETIONS}, {_operations(semconv.EMBEDDINGS)}; manual calls",
    ),
    semconv.LLM_RESPONSE_CHOICES_COUNT: Description(
        "int", "choices returned (`responses`: 1)", _COMPLETIONS, unit="choices"
    ),
    semconv.LLM_RESPONSE_FINISH_REASON: Description(
        "str", "first choice's finish reason (`responses`: the response's status)", _COMPLETIONS
    ),
    semconv.LLM_RESPONSE_FINISH_REASONS: Description(
        "str[]", f"every choice's finish reason (at most {MAX_LISTED:,})", _COMPLETIONS
    ),
    semconv.LLM_RESPONSE_CONTENT_LENGTH: Description(
        "int",
        "characters of returned text, all choices; of the transcript for `transcription`",
        f"{_COMPLETIONS}, {_operations(semconv.TRANSCRIPTION)}",
        unit="characters",
    ),
    semconv.LLM_RESPONSE_TOOL_CALLS_COUNT: Description(
        "int", "tool (function) calls returned", _COMPLETIONS, unit="tool calls"
    ),
    semconv.LLM_RESPONSE_TOOL_CALL_NAMES: Description(
        "str[]", f"their function names (at most {MAX_LISTED:,})", _COMPLETIONS
    ),
    semconv.LLM_RESPONSE_TOKENS_PER_SECOND: Description(
        "float",
        "completion tokens ÷ generation time (streams: from the first output to the last chunk; "
        "otherwise the call)",
        "calls with completion tokens",
        unit="tokens/s",
        definition=f"`{semconv.LLM_USAGE_COMPLETION_TOKENS}` ÷ the generation time, in seconds. The "
        "generation time runs, for a stream the wrappers saw, from the first chunk carrying output (else "
        "the first chunk) to the last chunk; for a stream only the LiteLLM callback saw, from LiteLLM's "
        "reported completion start time to its reported end; for a call that is not streamed (manual "
        "calls included), from the call's start to its end. Absent when there are no completion tokens "
        "or the generation time is not positive.",
    ),
    semconv.LLM_USAGE_PROMPT_TOKENS: Description("int", "input tokens, as reported", _USAGE, unit="tokens"),
    semconv.LLM_USAGE_COMPLETION_TOKENS: Description(
        "int", "output tokens, as reported", _USAGE, unit="tokens"
    ),
    semconv.LLM_USAGE_TOTAL_TOKENS: Description(
        "int", "total tokens, as reported (else the sum)", _USAGE, unit="tokens"
    ),
    semconv.LLM_USAGE_CACHED_TOKENS: Description(
        "int", "input tokens read from the provider's cache; absent when 0", _USAGE, unit="tokens"
    ),
    semconv.LLM_USAGE_REASONING_TOKENS: Description(
        "int", "reasoning output tokens; absent when 0", _USAGE, unit="tokens"
    ),
    semconv.LLM_USAGE_CACHE_CREATION_TOKENS: Description(
        "int",
        "input tokens written to the provider's prompt cache, when reported; absent when 0",
        _USAGE,
        unit="tokens",
    ),
    semconv.LLM_USAGE_ESTIMATED: Description(
        "bool",
        "`true`: the provider reported no usage, the counts are LiteLLM's tokenizer's",
        _operations(semconv.CHAT, semconv.TEXT_COMPLETION),
        definition="Present, and `true`, only when the provider reported no usage (LiteLLM then reports "
        "zeros, which mean unknown) and the token counts are LiteLLM's own: its tokenizer's count of the "
        "request's messages (or prompt) and of the returned text, or, for a stream, the usage LiteLLM "
        "computed itself. Never `false`: a reported count carries no flag.",
    ),
    semconv.LLM_COST_TOTAL_USD: Description(
        "float",
        "US dollars, from LiteLLM's price map (per token, image, second of audio, character, query); "
        "absent for a model it cannot price",
        "any priced call; manual calls",
        unit="USD",
        definition="The cost LiteLLM reported on the response. Else the token counts, as reported or "
        "estimated, priced with LiteLLM's price map under the requested model and the serving provider, "
        "else under the response model. When the tokens were estimated "
        f"(`{semconv.LLM_USAGE_ESTIMATED}` true), the cost is from the estimate (LiteLLM's own figure, "
        "which priced the zero tokens it reported, is not used). Manual calls: the cost given "
        "(`set_cost()`, `cost=`), else their token counts priced under `model` and `api_provider`. "
        "Absent when nothing prices the call.",
    ),
    semconv.LLM_RESPONSE_CACHE_HIT: Description(
        "bool",
        "`true`: LiteLLM answered from its response cache (`litellm.cache`, `caching=True`)",
        "cache hits",
        definition="Present, and `true`, only when LiteLLM answered from its response cache. The "
        "token counts are then the original call's, replayed as the response says; "
        f"`{semconv.LLM_COST_TOTAL_USD}` is `0.0`, no token-usage metric point is recorded and no "
        f"`{semconv.LLM_RESPONSE_TOKENS_PER_SECOND}` is set (nothing was generated).",
    ),
    semconv.LLM_COST_SAVED_USD: Description(
        "float",
        "on a cache hit: what the call would have cost (the replayed usage, priced)",
        "cache hits",
        unit="USD",
        definition="On a cache hit, the replayed token counts priced as "
        f"`{semconv.LLM_COST_TOTAL_USD}` would price them had the provider been called. Absent when "
        "nothing prices the model.",
    ),
    semconv.LLM_REQUEST_INPUT_COUNT: Description(
        "int", "inputs embedded", _operations(semconv.EMBEDDINGS), unit="inputs"
    ),
    semconv.LLM_RESPONSE_EMBEDDING_DIMENSIONS: Description(
        "int", "length of the vectors (never the vectors)", _operations(semconv.EMBEDDINGS), unit="dimensions"
    ),
    semconv.LLM_REQUEST_IMAGE_SIZE: Description(
        "str", "`size` asked for", _operations(semconv.IMAGE_GENERATION)
    ),
    semconv.LLM_REQUEST_IMAGE_QUALITY: Description(
        "str", "`quality` asked for", _operations(semconv.IMAGE_GENERATION)
    ),
    semconv.LLM_RESPONSE_IMAGES_COUNT: Description(
        "int", "images returned", _operations(semconv.IMAGE_GENERATION), unit="images"
    ),
    semconv.LLM_RESPONSE_FLAGGED: Description("bool", "any input flagged", _operations(semconv.MODERATION)),
    semconv.LLM_RESPONSE_FLAGGED_CATEGORIES: Description(
        "str[]", "categories flagged, each once, in the provider's spelling", _operations(semconv.MODERATION)
    ),
    semconv.LLM_REQUEST_AUDIO_BYTES: Description(
        "int",
        "bytes of the uploaded audio (never read or moved)",
        _operations(semconv.TRANSCRIPTION),
        unit="bytes",
    ),
    semconv.LLM_REQUEST_INPUT_CHARACTERS: Description(
        "int", "characters of text to speak", _operations(semconv.SPEECH), unit="characters"
    ),
    semconv.LLM_RESPONSE_AUDIO_BYTES: Description(
        "int", "bytes of audio returned", _operations(semconv.SPEECH), unit="bytes"
    ),
    semconv.LLM_RESPONSE_AUDIO_DURATION: Description(
        "float",
        "seconds of audio, when the provider reports it",
        _operations(semconv.TRANSCRIPTION),
        unit="s",
    ),
    semconv.LLM_REQUEST_QUERY_LENGTH: Description(
        "int", "characters of the query", _operations(semconv.RERANK), unit="characters"
    ),
    semconv.LLM_REQUEST_DOCUMENTS_COUNT: Description(
        "int", "documents offered", _operations(semconv.RERANK), unit="documents"
    ),
    semconv.LLM_REQUEST_TOP_N: Description(
        "int", "results asked for", _operations(semconv.RERANK), unit="results"
    ),
    semconv.LLM_RESPONSE_RESULTS_COUNT: Description(
        "int", "results returned", _operations(semconv.RERANK), unit="results"
    ),
    semconv.LLM_RESPONSE_IS_STREAMING: Description("bool", "`true`", _STREAMS),
    semconv.LLM_RESPONSE_TIME_TO_FIRST_TOKEN: Description(
        "float",
        "seconds from the call's start to the first chunk carrying output (content, tool call or role)",
        _STREAMS,
        unit="s",
        definition="Seconds from the call's start to the first chunk carrying output: a chunk whose first "
        "choice has content, a tool call or a role (Responses API: the first output text, function call "
        "arguments or refusal delta event). For a stream only the LiteLLM callback saw, LiteLLM's "
        "reported completion start time minus its reported start time, absent when it reports none or "
        "one before the start. Absent when no chunk carried output.",
    ),
    semconv.LLM_RESPONSE_CHUNK_COUNT: Description(
        "int", "chunks (events) received", _WRAPPED_STREAMS, unit="chunks"
    ),
    semconv.LLM_RESPONSE_CHUNKS_PER_SECOND: Description(
        "float",
        "chunk count ÷ stream duration",
        _WRAPPED_STREAMS,
        unit="chunks/s",
        definition=f"`{semconv.LLM_RESPONSE_CHUNK_COUNT}` ÷ `{semconv.LLM_RESPONSE_STREAM_DURATION}`; "
        "absent when the duration is 0 or absent.",
    ),
    semconv.LLM_RESPONSE_STREAM_DURATION: Description(
        "float",
        "seconds from the first chunk to the last",
        _WRAPPED_STREAMS,
        unit="s",
        definition="Seconds from the first chunk received (with or without output) to the last one, 0 "
        "for a stream of one chunk; absent when no chunk arrived.",
    ),
    semconv.LLM_RESPONSE_STREAM_COMPLETED: Description(
        "bool", "`false` when the consumer stopped early or the stream failed", _STREAMS
    ),
    semconv.LLM_ERROR_TYPE: Description("str", "the exception's class name", _FAILURES),
    semconv.LLM_ERROR_MESSAGE: Description(
        "str",
        f"the exception's message, every secret of the call replaced by `[REDACTED]`, "
        f"cut to {MAX_MESSAGE_LENGTH:,} characters",
        _FAILURES,
    ),
    semconv.LLM_ERROR_CATEGORY: Description(
        "str", "what went wrong, one of the categories under [Errors](#errors)", _FAILURES
    ),
    semconv.LLM_ERROR_PROVIDER: Description(
        "str", "provider that failed (the exception's `llm_provider`, else the request's)", _FAILURES
    ),
    semconv.LLM_ERROR_STATUS_CODE: Description(
        "int", "HTTP status, only when an HTTP answer came", _FAILURES
    ),
    semconv.ERROR_TYPE: Description(
        "str", "the exception's qualified class name (emitted whatever `semconv` is)", _FAILURES
    ),
    semconv.LLM_CONTEXT_USER_ID: Description(
        "str",
        "`llm_context(user_id=…)`; else, through the LiteLLM Proxy, the end user (the request body's `user`)",
        f"{_CONTEXT}, proxied calls with an end user",
    ),
    semconv.LLM_CONTEXT_SESSION_ID: Description(
        "str",
        "`llm_context(session_id=…)`; else, through the LiteLLM Proxy, the `x-litellm-session-id` header",
        f"{_CONTEXT}, proxied calls with a session",
    ),
    semconv.LLM_CONTEXT_AGENT: Description("str", "`llm_context(agent=…)`", _CONTEXT),
    semconv.LLM_CONTEXT_ACTION: Description("str", "`llm_context(action=…)`", _CONTEXT),
    semconv.LLM_CONTEXT_WORKSPACE: Description("str", "`llm_context(workspace=…)`", _CONTEXT),
    semconv.LLM_CONTEXT_SOURCE_ID: Description("str", "`llm_context(source_id=…)`", _CONTEXT),
    semconv.LLM_CONTEXT_SOURCE_FUNCTION: Description("str", "`llm_context(source_function=…)`", _CONTEXT),
    semconv.LLM_CONTEXT_TAGS_PREFIX: Description(
        "str, bool, int, float",
        "`llm_context(tags={key: value})`, other values as their text; each of the request's "
        "`metadata.tags` (LiteLLM's request tags, the Proxy's too) as `true`",
        f"{_CONTEXT}, calls with request tags",
    ),
    semconv.LLM_CONTEXT_TAGS_DROPPED: Description(
        "int",
        "`llm_context` tags left off the span to stay within the SDK's attribute limit",
        "spans whose tags did not fit",
        unit="tags",
        definition="Present when more than zero. The SDK keeps at most `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` "
        "(else `OTEL_ATTRIBUTE_COUNT_LIMIT`, else 128) attributes and would evict the oldest; the span is "
        "fitted before, keeping room for its outcome: tags give way first (the last in name order first), "
        "then list-valued and other optional attributes. Operation, provider, model, usage, cost, errors and "
        "the context ids always stay.",
    ),
    semconv.LLM_PROXY_KEY_HASH: Description(
        "str", "the Proxy's hash of the virtual key (`user_api_key_hash`), never the key itself", _PROXIED
    ),
    semconv.LLM_PROXY_KEY_ALIAS: Description("str", "the virtual key's alias (`user_api_key_alias`)", _PROXIED),
    semconv.LLM_PROXY_TEAM_ID: Description("str", "the key's team (`user_api_key_team_id`)", _PROXIED),
    semconv.LLM_PROXY_TEAM_ALIAS: Description(
        "str", "the team's alias (`user_api_key_team_alias`)", _PROXIED
    ),
    semconv.LLM_PROXY_ORG_ID: Description("str", "the key's organization (`user_api_key_org_id`)", _PROXIED),
    semconv.LLM_PROXY_USER_ID: Description(
        "str", "the key's internal user (`user_api_key_user_id`)", _PROXIED
    ),
    semconv.LLM_PROXY_ROUTE: Description(
        "str", "the Proxy route called (`user_api_key_request_route`), e.g. `/v1/chat/completions`", _PROXIED
    ),
    semconv.LLM_REQUEST_MESSAGES: Description(
        "str (JSON)",
        f"input messages in the GenAI conventions' shape, {_CUT}; with {_CONTENT_ON_SPAN}",
        _CONTENT,
    ),
    semconv.LLM_RESPONSE_CONTENT: Description(
        "str (JSON)", f"output messages in the GenAI conventions' shape, {_CUT}; as above", _CONTENT
    ),
    semconv.GEN_AI_CONTENT_EVENT: Description(
        "span event",
        f"`{semconv.GEN_AI_INPUT_MESSAGES}` and `{semconv.GEN_AI_OUTPUT_MESSAGES}`, {_CUT}; "
        "with `EVENT_ONLY` or `SPAN_AND_EVENT` (emitted whatever `semconv` is)",
        _CONTENT,
    ),
}


def attribute_names() -> list[str]:
    """Every name `semconv` defines for spans (attributes, the content event), in definition order: the
    dotted string constants (operation names have no dot)."""
    return [
        value
        for name, value in vars(semconv).items()
        if name.isupper() and isinstance(value, str) and "." in value
    ]


def gen_ai_twins(name: str) -> list[str]:
    """The `gen_ai.*` (and `server.*`) attributes the instrumentation derives from `name`."""
    return sorted(semconv.gen_ai_attributes({name: _PROBE_VALUE}))


def documented_rows() -> list[str]:
    """The names that get a row: all but those shown as another name's twin. ValueError when a name has
    no description, or a description names no row."""
    names = attribute_names()
    twins = {twin for name in names for twin in gen_ai_twins(name)}
    rows = [name for name in names if name not in twins]
    undescribed = [name for name in rows if name not in DESCRIPTIONS]
    stale = [name for name in DESCRIPTIONS if name not in rows]
    if undescribed or stale:
        raise ValueError(
            f"docs/attribute_table.py DESCRIPTIONS is out of date: describe {undescribed}, remove {stale}"
        )
    return rows


def shown(name: str) -> str:
    """A name as the tables show it: a prefix (`llm.context.tags.`) as `name<key>`."""
    return f"`{name}<key>`" if name.endswith(".") else f"`{name}`"


def twin_cell(name: str) -> str:
    """The `gen_ai.*` twin column of `name`'s row."""
    twins = gen_ai_twins(name)
    if name == semconv.LLM_OPERATION:
        renamed = ", ".join(
            f"`{ours}` → `{theirs}`" for ours, theirs in semconv.GEN_AI_OPERATION_VALUES.items()
        )
        return f"`{twins[0]}` ({renamed})"
    if name == semconv.LLM_PROVIDER:
        return f"`{twins[0]}` (the conventions' values, [below](#provider-names))"
    return ", ".join(f"`{twin}`" for twin in twins) or "—"


def provider_names() -> str:
    """LiteLLM provider names grouped under the `gen_ai.provider.name` value they map to."""
    grouped: dict[str, list[str]] = {}
    for litellm_name, convention_name in semconv.GEN_AI_PROVIDER_VALUES.items():
        grouped.setdefault(convention_name, []).append(litellm_name)
    pairs = "; ".join(
        f"`{value}` ← {', '.join(f'`{name}`' for name in names)}" for value, names in grouped.items()
    )
    return (
        f'<a id="provider-names"></a>`{semconv.GEN_AI_PROVIDER_NAME}` from `{semconv.LLM_PROVIDER}`: '
        f"{pairs}; any other LiteLLM provider name is passed through unchanged."
    )


def markdown() -> str:
    """The table and the provider-name map, as the README shows them."""
    lines = [
        "| attribute | type | unit / meaning | `gen_ai.*` twin | carried by |",
        "|---|---|---|---|---|",
    ]
    for name in documented_rows():
        described = DESCRIPTIONS[name]
        cells = (shown(name), described.type, described.meaning, twin_cell(name), described.carried_by)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", provider_names()])


def _region_bounds(text: str) -> tuple[int, int]:
    """Where the generated text starts and ends in `text`: between the two markers."""
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError(f"no {START_MARKER} … {END_MARKER} region found")
    return start + len(START_MARKER), end


def region(text: str) -> str:
    """What stands between the two markers of `text`, without the surrounding newlines."""
    start, end = _region_bounds(text)
    return text[start:end].strip("\n")


def replace_region(text: str, generated: str) -> str:
    """`text` with everything between the two markers replaced by `generated`."""
    start, end = _region_bounds(text)
    return f"{text[:start]}\n{generated}\n{text[end:]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--write", metavar="FILE", type=Path, help="replace the table between the markers of FILE"
    )
    options = parser.parse_args(argv)
    generated = markdown()
    if options.write is None:
        print(generated)
        return 0
    text = options.write.read_text(encoding="utf-8")
    updated = replace_region(text, generated)
    if updated != text:
        options.write.write_text(updated, encoding="utf-8")
    print(f"{options.write}: attribute table {'updated' if updated != text else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
