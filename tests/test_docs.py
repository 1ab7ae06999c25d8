"""The README cannot drift from the code: its attribute table is the generated one, and its Configuration
section names every `instrument()` and `init()` argument and every environment variable the package reads."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docs import attribute_table
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor

from instrumentation import bootstrap, config, semconv
from instrumentation.instrumentor import LiteLLMInstrumentor

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "src" / "instrumentation"
ENV_VAR = re.compile(r"\b(?:OTEL|LITELLM)_[A-Z0-9_]*[A-Z0-9]\b")
SPAN_NAME = re.compile(r"(?:llm|gen_ai|server|error)\.[a-z0-9_.]*")


def section(text: str, heading: str) -> str:
    """The body of the Markdown section under `heading`, up to the next heading of its level or above."""
    level = len(heading.split(" ")[0])
    found = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#{{1,{level}}} |\Z)", text, re.DOTALL | re.MULTILINE)
    assert found, f"no section {heading!r}"
    return found.group(1)


def first_column(table_section: str) -> set[str]:
    """The backticked names in the first cell of each row of the section's table."""
    rows = [line for line in table_section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([^`]+)`", row.split(" | ")[0])}


def keywords_read(function: Callable[..., Any]) -> set[str]:
    """The names a function reads from its `**kwargs` (`kwargs.get("name")`, `kwargs.pop("name", …)`)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "kwargs"
        and node.func.attr in ("get", "pop")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


CONFIGURATION = section(README, "## Configuration")


def test_the_readme_table_is_the_generated_one():
    assert attribute_table.region(README) == attribute_table.markdown(), (
        "README.md's attribute table is stale: run `python docs/attribute_table.py --write README.md`"
    )


def test_every_span_name_semconv_defines_is_in_the_table():
    defined = {
        value
        for name, value in vars(semconv).items()
        if name.isupper() and isinstance(value, str) and SPAN_NAME.fullmatch(value)
    }
    shown = set(re.findall(r"`([^`]+)`", attribute_table.markdown()))
    missing = sorted(name for name in defined if name not in shown and f"{name}<key>" not in shown)
    assert missing == []
    assert {"llm.context.tags.<key>", "gen_ai.usage.cache_read.input_tokens", "server.port"} <= shown


def test_the_generator_refuses_an_undescribed_attribute(monkeypatch):
    monkeypatch.setattr(semconv, "LLM_BRAND_NEW", "llm.brand_new", raising=False)
    with pytest.raises(ValueError, match=re.escape("describe ['llm.brand_new'], remove []")):
        attribute_table.markdown()


def test_the_generator_rewrites_only_the_region_between_the_markers(tmp_path, capsys):
    page = tmp_path / "page.md"
    start, end = attribute_table.START_MARKER, attribute_table.END_MARKER
    page.write_text(f"# Title\n\nintro\n{start}\nstale\n{end}\n\nafter\n")

    assert attribute_table.main(["--write", str(page)]) == 0
    expected = f"# Title\n\nintro\n{start}\n{attribute_table.markdown()}\n{end}\n\nafter\n"
    assert page.read_text() == expected
    assert attribute_table.main(["--write", str(page)]) == 0
    assert page.read_text() == expected
    assert (
        capsys.readouterr().out
        == f"{page}: attribute table updated\n{page}: attribute table already up to date\n"
    )


def test_the_generator_runs_as_a_script():
    environment = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    printed = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "attribute_table.py")],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    ).stdout
    assert printed == attribute_table.markdown() + "\n"


def test_every_instrument_argument_is_documented_and_nothing_else():
    accepted = keywords_read(LiteLLMInstrumentor._instrument) | keywords_read(BaseInstrumentor.instrument)
    # The settings are resolved from exactly the keywords `_instrument` passes on.
    settings = set(inspect.signature(config.settings_from).parameters) - {"environ"}
    assert settings <= accepted
    assert first_column(section(CONFIGURATION, "### `instrument()` arguments")) == accepted


def test_every_init_argument_is_documented_and_nothing_else():
    documented = first_column(section(CONFIGURATION, "### `init()` arguments"))
    assert documented == set(inspect.signature(bootstrap.init).parameters)


def test_every_environment_variable_the_package_reads_is_documented():
    read = {
        name for path in PACKAGE.rglob("*.py") for name in ENV_VAR.findall(path.read_text(encoding="utf-8"))
    }
    assert {config.CAPTURE_CONTENT_ENV, config.MAX_CONTENT_LENGTH_ENV, config.SEMCONV_ENV} <= read
    documented = first_column(section(CONFIGURATION, "### Environment variables"))
    assert sorted(read - documented) == []
