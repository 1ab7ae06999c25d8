"""An application set up with `instrumentation.init()` alone, run in its own process by
test_bootstrap.py (init sets the global tracer provider, which a process can do only once).

Usage: init_app.py BASE_URL STORE_URL [--twice]. Makes one chat call and one stream inside an
llm_context, then exits without flushing anything itself: rows must land by the SDK's exit hook.
"""

from __future__ import annotations

import os
import sys

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

import instrumentation

provider = instrumentation.init(store=sys.argv[2], service_name="init-test")
if "--twice" in sys.argv:
    assert instrumentation.init(store=sys.argv[2]) is provider

import litellm  # noqa: E402  (after init, as an application would)

litellm.suppress_debug_info = True
args = {"api_base": sys.argv[1], "api_key": "sk-test", "max_retries": 0, "num_retries": 0}
with instrumentation.llm_context(user_id="u-init", session_id="s-init"):
    litellm.completion(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], **args)
    for _ in litellm.completion(
        model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True, **args
    ):
        pass
print("done")
