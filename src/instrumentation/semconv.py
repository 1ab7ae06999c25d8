"""Every attribute name this package emits, and how `llm.*` maps onto `gen_ai.*`.

The `llm.*` names are ours (see docs/telemetry.md); the `gen_ai.*` names come from the pinned
`opentelemetry-semantic-conventions` release, never typed by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import error_attributes, server_attributes

from .config import Semconv

# Operations (docs/telemetry.md "Operations"), the `llm.operation` values and span name prefixes.
_OPERATIONS = gen_ai.GenAiOperationNameValues
CHAT = _OPERATIONS.CHAT.value
TEXT_COMPLETION = _OPERATIONS.TEXT_COMPLETION.value
EMBEDDINGS = _OPERATIONS.EMBEDDINGS.value
IMAGE_GENERATION = "image_generation"
MODERATION = "moderation"
TRANSCRIPTION = "transcription"
SPEECH = "speech"
RERANK = "rerank"
RESPONSES = "responses"

# `llm.operation` -> `gen_ai.operation.name`: the convention's value where one applies (the
# Responses API is chat; an image is generated content), our own name where none does.
GEN_AI_OPERATION_VALUES: Mapping[str, str] = {
    RESPONSES: CHAT,
    IMAGE_GENERATION: _OPERATIONS.GENERATE_CONTENT.value,
}

# Common
LLM_VENDOR = "llm.vendor"
LLM_PROVIDER = "llm.provider"
LLM_OPERATION = "llm.operation"
LLM_API_TYPE = "llm.api_type"  # Manual tracking: the kind of API (llm, stt, ocr, translation, …).
LLM_REQUEST_MODEL = "llm.request.model"
LLM_REQUEST_STREAM = "llm.request.stream"
LLM_REQUEST_TEMPERATURE = "llm.request.temperature"
LLM_REQUEST_TOP_P = "llm.request.top_p"
LLM_REQUEST_MAX_TOKENS = "llm.request.max_tokens"
LLM_REQUEST_N = "llm.request.n"
LLM_REQUEST_SEED = "llm.request.seed"
LLM_REQUEST_PRESENCE_PENALTY = "llm.request.presence_penalty"
LLM_REQUEST_FREQUENCY_PENALTY = "llm.request.frequency_penalty"
LLM_REQUEST_STOP = "llm.request.stop"
LLM_REQUEST_API_BASE = "llm.request.api_base"

# Router (LiteLLM's Router passes these in the call's metadata)
LLM_ROUTER_MODEL_GROUP = "llm.router.model_group"
LLM_ROUTER_DEPLOYMENT = "llm.router.deployment"
LLM_ROUTER_FALLBACKS = "llm.router.fallbacks"
LLM_REQUEST_ATTEMPTS = "llm.request.attempts"
# One event per failed attempt of a call that made more than one.
LLM_ATTEMPT_EVENT = "llm.attempt"
LLM_ATTEMPT_INDEX = "llm.attempt.index"
LLM_ATTEMPT_DURATION = "llm.attempt.duration"

# Completion request
LLM_REQUEST_MESSAGES_COUNT = "llm.request.messages_count"
LLM_REQUEST_MESSAGE_ROLES = "llm.request.message_roles"
LLM_REQUEST_CONTENT_LENGTH = "llm.request.content_length"
LLM_REQUEST_MULTIMODAL = "llm.request.multimodal"
LLM_REQUEST_TOOLS_COUNT = "llm.request.tools_count"
LLM_REQUEST_TOOL_NAMES = "llm.request.tool_names"
LLM_REQUEST_TOOL_CHOICE = "llm.request.tool_choice"

# Completion response
LLM_RESPONSE_ID = "llm.response.id"
LLM_RESPONSE_MODEL = "llm.response.model"
LLM_RESPONSE_CHOICES_COUNT = "llm.response.choices_count"
LLM_RESPONSE_FINISH_REASON = "llm.response.finish_reason"
LLM_RESPONSE_FINISH_REASONS = "llm.response.finish_reasons"
LLM_RESPONSE_CONTENT_LENGTH = "llm.response.content_length"
LLM_RESPONSE_TOOL_CALLS_COUNT = "llm.response.tool_calls_count"
LLM_RESPONSE_TOOL_CALL_NAMES = "llm.response.tool_call_names"
LLM_RESPONSE_TOKENS_PER_SECOND = "llm.response.tokens_per_second"
LLM_USAGE_PROMPT_TOKENS = "llm.usage.prompt_tokens"
LLM_USAGE_COMPLETION_TOKENS = "llm.usage.completion_tokens"
LLM_USAGE_TOTAL_TOKENS = "llm.usage.total_tokens"
LLM_USAGE_CACHED_TOKENS = "llm.usage.cached_tokens"
LLM_USAGE_REASONING_TOKENS = "llm.usage.reasoning_tokens"
LLM_USAGE_CACHE_CREATION_TOKENS = "llm.usage.cache_creation_tokens"
LLM_USAGE_ESTIMATED = "llm.usage.estimated"
LLM_COST_TOTAL_USD = "llm.cost.total_usd"
LLM_RESPONSE_CACHE_HIT = "llm.response.cache_hit"
LLM_COST_SAVED_USD = "llm.cost.saved_usd"

# Other operations
LLM_REQUEST_INPUT_COUNT = "llm.request.input_count"
LLM_RESPONSE_EMBEDDING_DIMENSIONS = "llm.response.embedding_dimensions"
LLM_REQUEST_IMAGE_SIZE = "llm.request.image_size"
LLM_REQUEST_IMAGE_QUALITY = "llm.request.image_quality"
LLM_RESPONSE_IMAGES_COUNT = "llm.response.images_count"
LLM_RESPONSE_FLAGGED = "llm.response.flagged"
LLM_RESPONSE_FLAGGED_CATEGORIES = "llm.response.flagged_categories"
LLM_REQUEST_AUDIO_BYTES = "llm.request.audio_bytes"
LLM_REQUEST_INPUT_CHARACTERS = "llm.request.input_characters"
LLM_RESPONSE_AUDIO_BYTES = "llm.response.audio_bytes"
LLM_RESPONSE_AUDIO_DURATION = "llm.response.audio_duration"
LLM_REQUEST_QUERY_LENGTH = "llm.request.query_length"
LLM_REQUEST_DOCUMENTS_COUNT = "llm.request.documents_count"
LLM_REQUEST_TOP_N = "llm.request.top_n"
LLM_RESPONSE_RESULTS_COUNT = "llm.response.results_count"

# Streaming
LLM_RESPONSE_IS_STREAMING = "llm.response.is_streaming"
LLM_RESPONSE_TIME_TO_FIRST_TOKEN = "llm.response.time_to_first_token"
LLM_RESPONSE_CHUNK_COUNT = "llm.response.chunk_count"
LLM_RESPONSE_CHUNKS_PER_SECOND = "llm.response.chunks_per_second"
LLM_RESPONSE_STREAM_DURATION = "llm.response.stream_duration"
LLM_RESPONSE_STREAM_COMPLETED = "llm.response.stream_completed"

# Errors
LLM_ERROR_TYPE = "llm.error.type"
LLM_ERROR_MESSAGE = "llm.error.message"
LLM_ERROR_CATEGORY = "llm.error.category"
LLM_ERROR_PROVIDER = "llm.error.provider"
LLM_ERROR_STATUS_CODE = "llm.error.status_code"
ERROR_TYPE = error_attributes.ERROR_TYPE

# Context (llm_context)
LLM_CONTEXT_USER_ID = "llm.context.user_id"
LLM_CONTEXT_SESSION_ID = "llm.context.session_id"
LLM_CONTEXT_AGENT = "llm.context.agent"
LLM_CONTEXT_ACTION = "llm.context.action"
LLM_CONTEXT_WORKSPACE = "llm.context.workspace"
LLM_CONTEXT_SOURCE_ID = "llm.context.source_id"
LLM_CONTEXT_SOURCE_FUNCTION = "llm.context.source_function"
LLM_CONTEXT_TAGS_PREFIX = "llm.context.tags."
LLM_CONTEXT_TAGS_DROPPED = "llm.context.tags_dropped"

# LiteLLM Proxy: who a proxied call is for, from the Proxy's request metadata (never the key itself)
LLM_PROXY_KEY_HASH = "llm.proxy.key_hash"
LLM_PROXY_KEY_ALIAS = "llm.proxy.key_alias"
LLM_PROXY_TEAM_ID = "llm.proxy.team_id"
LLM_PROXY_TEAM_ALIAS = "llm.proxy.team_alias"
LLM_PROXY_ORG_ID = "llm.proxy.org_id"
LLM_PROXY_USER_ID = "llm.proxy.user_id"
LLM_PROXY_ROUTE = "llm.proxy.route"

# Content (opt-in)
LLM_REQUEST_MESSAGES = "llm.request.messages"
LLM_RESPONSE_CONTENT = "llm.response.content"

# GenAI names that have no `llm.*` twin to be derived from.
GEN_AI_OPERATION_NAME = gen_ai.GEN_AI_OPERATION_NAME
GEN_AI_INPUT_MESSAGES = gen_ai.GEN_AI_INPUT_MESSAGES
GEN_AI_OUTPUT_MESSAGES = gen_ai.GEN_AI_OUTPUT_MESSAGES
# The GenAI conventions' event for captured content (no constant for it in the semconv package).
GEN_AI_CONTENT_EVENT = "gen_ai.client.inference.operation.details"
GEN_AI_PROVIDER_NAME = gen_ai.GEN_AI_PROVIDER_NAME
SERVER_ADDRESS = server_attributes.SERVER_ADDRESS
SERVER_PORT = server_attributes.SERVER_PORT

# `llm.*` name -> the `gen_ai.*` name carrying the same value.
GEN_AI_EQUIVALENTS: Mapping[str, str] = {
    LLM_OPERATION: gen_ai.GEN_AI_OPERATION_NAME,
    LLM_REQUEST_MODEL: gen_ai.GEN_AI_REQUEST_MODEL,
    LLM_REQUEST_STREAM: gen_ai.GEN_AI_REQUEST_STREAM,
    LLM_REQUEST_TEMPERATURE: gen_ai.GEN_AI_REQUEST_TEMPERATURE,
    LLM_REQUEST_TOP_P: gen_ai.GEN_AI_REQUEST_TOP_P,
    LLM_REQUEST_MAX_TOKENS: gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
    LLM_REQUEST_N: gen_ai.GEN_AI_REQUEST_CHOICE_COUNT,
    LLM_REQUEST_SEED: gen_ai.GEN_AI_REQUEST_SEED,
    LLM_REQUEST_PRESENCE_PENALTY: gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY,
    LLM_REQUEST_FREQUENCY_PENALTY: gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY,
    LLM_REQUEST_STOP: gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES,
    LLM_RESPONSE_ID: gen_ai.GEN_AI_RESPONSE_ID,
    LLM_RESPONSE_MODEL: gen_ai.GEN_AI_RESPONSE_MODEL,
    LLM_RESPONSE_FINISH_REASONS: gen_ai.GEN_AI_RESPONSE_FINISH_REASONS,
    LLM_USAGE_PROMPT_TOKENS: gen_ai.GEN_AI_USAGE_INPUT_TOKENS,
    LLM_USAGE_COMPLETION_TOKENS: gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS,
    LLM_USAGE_CACHED_TOKENS: gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    LLM_USAGE_REASONING_TOKENS: gen_ai.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    LLM_USAGE_CACHE_CREATION_TOKENS: gen_ai.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    LLM_RESPONSE_TIME_TO_FIRST_TOKEN: gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
    LLM_RESPONSE_EMBEDDING_DIMENSIONS: gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
    LLM_REQUEST_MESSAGES: GEN_AI_INPUT_MESSAGES,
    LLM_RESPONSE_CONTENT: GEN_AI_OUTPUT_MESSAGES,
}

_PROVIDERS = gen_ai.GenAiProviderNameValues
# LiteLLM provider name -> `gen_ai.provider.name` value; unlisted names pass through unchanged.
GEN_AI_PROVIDER_VALUES: Mapping[str, str] = {
    "openai": _PROVIDERS.OPENAI.value,
    "text-completion-openai": _PROVIDERS.OPENAI.value,
    "anthropic": _PROVIDERS.ANTHROPIC.value,
    "azure": _PROVIDERS.AZURE_AI_OPENAI.value,
    "azure_text": _PROVIDERS.AZURE_AI_OPENAI.value,
    "azure_ai": _PROVIDERS.AZURE_AI_INFERENCE.value,
    "bedrock": _PROVIDERS.AWS_BEDROCK.value,
    "vertex_ai": _PROVIDERS.GCP_VERTEX_AI.value,
    "vertex_ai_beta": _PROVIDERS.GCP_VERTEX_AI.value,
    "gemini": _PROVIDERS.GCP_GEMINI.value,
    "cohere": _PROVIDERS.COHERE.value,
    "cohere_chat": _PROVIDERS.COHERE.value,
    "watsonx": _PROVIDERS.IBM_WATSONX_AI.value,
    "perplexity": _PROVIDERS.PERPLEXITY.value,
    "xai": _PROVIDERS.X_AI.value,
    "deepseek": _PROVIDERS.DEEPSEEK.value,
    "groq": _PROVIDERS.GROQ.value,
    "mistral": _PROVIDERS.MISTRAL_AI.value,
}


def gen_ai_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The `gen_ai.*` (and `server.*`) attributes equivalent to the given `llm.*` ones."""
    derived = {
        GEN_AI_EQUIVALENTS[name]: value for name, value in attributes.items() if name in GEN_AI_EQUIVALENTS
    }
    operation = attributes.get(LLM_OPERATION)
    if operation in GEN_AI_OPERATION_VALUES:
        derived[GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_VALUES[operation]
    provider = attributes.get(LLM_PROVIDER)
    if provider is not None:
        derived[GEN_AI_PROVIDER_NAME] = GEN_AI_PROVIDER_VALUES.get(provider, provider)
    api_base = attributes.get(LLM_REQUEST_API_BASE)
    if api_base:
        derived.update(server_attributes_of(api_base))
    return derived


def server_attributes_of(api_base: str) -> dict[str, Any]:
    """`server.address` and `server.port` of a URL (the port implied by the scheme when absent)."""
    host, port = _server_of(api_base)
    found: dict[str, Any] = {}
    if host:
        found[SERVER_ADDRESS] = host
    if port:
        found[SERVER_PORT] = port
    return found


@functools.lru_cache(maxsize=256)
def _server_of(api_base: str) -> tuple[str | None, int | None]:
    """Remembered: an application calls a handful of endpoints, and parsing one costs microseconds."""
    try:
        parts = urlsplit(api_base)
        return parts.hostname, parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return None, None


def in_families(attributes: Mapping[str, Any], families: Semconv) -> dict[str, Any]:
    """The attributes of the families a span carries: the `llm.*` ones, their `gen_ai.*` twins, or both."""
    if families is Semconv.BOTH:
        return {**attributes, **gen_ai_attributes(attributes)}
    selected = {
        name: value
        for name, value in attributes.items()
        if (families.llm or not name.startswith("llm."))
        and (families.gen_ai or not name.startswith("gen_ai."))
    }
    if families.gen_ai:
        selected.update(gen_ai_attributes(attributes))
    return selected
