"""The LiteLLM versions this package instruments (1.107.x was a compromised release)."""

_instruments = ("litellm >= 1.108, < 2",)
