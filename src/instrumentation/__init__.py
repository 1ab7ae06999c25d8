"""OpenTelemetry instrumentation for LiteLLM. Importing this package does not import LiteLLM."""

from .instrumentor import LiteLLMInstrumentor
from .version import __version__

__all__ = ["LiteLLMInstrumentor", "__version__"]
