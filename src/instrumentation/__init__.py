"""OpenTelemetry instrumentation for LiteLLM. Importing this package does not import LiteLLM."""

from .context import llm_context
from .instrumentor import LiteLLMInstrumentor
from .version import __version__

__all__ = ["LiteLLMInstrumentor", "__version__", "llm_context"]
