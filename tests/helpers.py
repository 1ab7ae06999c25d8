"""What a call should cost, from the providers' published list prices.

The prices are typed out here, not read from LiteLLM's price map (`litellm.model_cost`), which is what
the instrumentation prices with: a cost test must compute its expectation independently of the code and
the data it checks. Should LiteLLM's map ever disagree with these prices, the cost tests fail and say so.
"""

from __future__ import annotations

from typing import Any

# USD per million tokens, (input, output), as OpenAI publishes them.
PER_MILLION_TOKENS = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-3.5-turbo-instruct": (1.50, 2.00),
    "text-embedding-3-small": (0.02, 0.00),
}
# gpt-image-1: USD per million text input tokens and per million image output tokens.
GPT_IMAGE_1_PER_MILLION = (5.00, 40.00)
# whisper-1: USD per minute of audio.
WHISPER_1_PER_MINUTE = 0.006
# tts-1: USD per million characters.
TTS_1_PER_MILLION_CHARACTERS = 15.00
# Cohere rerank-english-v3.0: USD per thousand searches (a search is one query of up to 100 documents).
COHERE_RERANK_V3_PER_THOUSAND_SEARCHES = 2.00


def expected_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """The cost of a token-priced call: tokens times the published per-token prices."""
    input_price, output_price = PER_MILLION_TOKENS[model.removeprefix("openai/")]
    return (prompt_tokens * input_price + completion_tokens * output_price) / 1_000_000


def expected_image_cost(prompt_tokens: int, image_tokens: int) -> float:
    """gpt-image-1: text input tokens plus image output tokens, each at its own price."""
    text_price, image_price = GPT_IMAGE_1_PER_MILLION
    return (prompt_tokens * text_price + image_tokens * image_price) / 1_000_000


def expected_transcription_cost(seconds: float) -> float:
    """whisper-1, billed by the second of audio."""
    return seconds * WHISPER_1_PER_MINUTE / 60


def expected_speech_cost(billed_characters: int) -> float:
    """tts-1, billed by the character."""
    return billed_characters * TTS_1_PER_MILLION_CHARACTERS / 1_000_000


def expected_rerank_cost(searches: int = 1) -> float:
    """Cohere rerank, billed by the search."""
    return searches * COHERE_RERANK_V3_PER_THOUSAND_SEARCHES / 1000


def estimated_usage(model: str, messages: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """The usage attributes of a call whose provider reported none: LiteLLM's tokenizer counts (what an
    estimate is, by definition), flagged, and priced at the published prices."""
    import litellm

    prompt = litellm.token_counter(model=model, messages=messages)
    completion = litellm.token_counter(model=model, text=text, count_response_tokens=True)
    return {
        "llm.usage.estimated": True,
        "llm.usage.prompt_tokens": prompt,
        "llm.usage.completion_tokens": completion,
        "llm.usage.total_tokens": prompt + completion,
        "llm.cost.total_usd": expected_cost(model, prompt, completion),
    }
