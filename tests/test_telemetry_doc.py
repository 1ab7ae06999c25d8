"""docs/telemetry.md, the telemetry contract, cannot drift from the code.

Each check reads the document as text and compares it with the code directly (not only with what
`docs/telemetry_doc.py` prints): attribute names both ways, metrics, stored columns, error categories,
context keywords and entry points; and the generated parts must be what the generator prints. Each
check is also shown to fail, on a document or a code that disagree.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from docs import attribute_table, telemetry_doc

from instrumentation import context, metrics, operations, semconv
from instrumentation.attributes import errors
from instrumentation.store import schema

ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = ROOT / "docs" / "telemetry.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
# A dotted name of ours or OpenTelemetry's, anywhere in the text; a prefix as `llm.context.tags.<key>`.
NAME = re.compile(r"(?<![\w.])(?:llm|gen_ai|server|error|exception)(?:\.[a-z0-9_]+)+(?:\.(?=<))?")
_PROBE_URL = "https://example.com/"


def section(text: str, heading: str) -> str:
    """The body under `heading`, up to the next heading of its level or above."""
    level = len(heading.split(" ")[0])
    found = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#{{1,{level}}} |\Z)", text, re.S | re.M)
    assert found, f"no section {heading!r}"
    return found.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The cells of every body row of the tables in `text` (header and separator rows left out)."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    headers = {index - 1 for index, line in enumerate(lines) if line.startswith("|---")}
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")]
        for index, line in enumerate(lines)
        if index not in headers and not line.startswith("|---")
    ]


def backticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def names_in(text: str) -> set[str]:
    return set(NAME.findall(text))


# --- the checks: each returns what disagrees, empty when nothing does ---------------------------


def missing_names(text: str) -> list[str]:
    """Names `semconv` defines (and the twins it derives) that the document never mentions."""
    defined = [
        value
        for name, value in vars(semconv).items()
        if name.isupper() and isinstance(value, str) and NAME.fullmatch(value)
    ]
    derived = {twin for name in defined for twin in semconv.gen_ai_attributes({name: _PROBE_URL})}
    return sorted((set(defined) | derived) - names_in(text))


def unknown_names(text: str) -> list[str]:
    """Names the document mentions that the code does not emit."""
    return sorted(names_in(text) - telemetry_doc.known_names())


def metric_problems(text: str) -> list[str]:
    """Instruments the document lists with another kind, unit, bucket boundaries or dimensions than
    `metrics.Metrics` records, and instruments missing on either side."""
    rows = {backticked(cells[0])[0]: cells for cells in table_rows(section(text, "## Metrics"))}
    problems = []
    for metric in telemetry_doc.recorded_metrics():
        cells = rows.pop(metric.name, None)
        if cells is None:
            problems.append(f"{metric.name}: not listed")
            continue
        _, kind, unit, buckets, dimensions = cells[:5]
        listed_buckets = () if buckets == "—" else tuple(float(bound) for bound in buckets.split(", "))
        expected = {
            "kind": (kind, telemetry_doc.metric_kind(metric)),
            "unit": (unit, f"`{metric.unit}`"),
            "buckets": (
                listed_buckets,
                tuple(float(bound) for bound in telemetry_doc.metric_buckets(metric)),
            ),
            "dimensions": (names_in(dimensions), set(telemetry_doc.metric_dimensions(metric))),
        }
        problems += [
            f"{metric.name}: {what} {listed!r}, the code's {actual!r}"
            for what, (listed, actual) in expected.items()
            if listed != actual
        ]
    return problems + [f"{name}: the code records no such instrument" for name in rows]


def column_problems(text: str) -> list[str]:
    """Columns of `schema.COLUMNS` missing from the document or listed with another kind, schema version
    or index; columns listed that the schema does not have."""
    stored = section(text, "## Stored rows")
    rows = {backticked(cells[0])[0]: cells for cells in table_rows(stored)}
    problems = []
    if f"schema version {schema.SCHEMA_VERSION}." not in stored:
        problems.append(f"the schema version is {schema.SCHEMA_VERSION}")
    for column in schema.COLUMNS:
        cells = rows.pop(column.name, None)
        if cells is None:
            problems.append(f"{column.name}: not listed")
            continue
        listed = (cells[1], cells[2], cells[3])
        actual = (column.kind, str(column.added_in), "yes" if column.indexed else "no")
        if listed != actual:
            problems.append(f"{column.name}: kind, version, indexed {listed}, the schema's {actual}")
    return problems + [f"{name}: no such column" for name in rows]


def category_problems(text: str) -> list[str]:
    """Error categories of `attributes.errors` missing from the Errors table, or listed but not there."""
    listed = {backticked(cells[0])[0] for cells in table_rows(section(text, "## Errors"))}
    defined = {value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)}
    return [f"missing {name}" for name in sorted(defined - listed)] + [
        f"not a category: {name}" for name in sorted(listed - defined)
    ]


def listing_problems(text: str) -> list[str]:
    """`llm_context` keywords and LiteLLM entry points the document does not list."""
    keywords = {backticked(cells[0])[0] for cells in table_rows(section(text, "## Context ids"))}
    entries = {name for cells in table_rows(section(text, "### Operations")) for name in backticked(cells[0])}
    return [f"llm_context keyword {name}" for name in context.CONTEXT_ATTRIBUTES if name not in keywords] + [
        f"entry point {name}" for name in operations.OPERATIONS if name not in entries
    ]


CHECKS: dict[str, Callable[[str], list[str]]] = {
    "generated parts": telemetry_doc.stale_parts,
    "names semconv defines": missing_names,
    "names the code emits": unknown_names,
    "metrics": metric_problems,
    "stored columns": column_problems,
    "error categories": category_problems,
    "context keywords and entry points": listing_problems,
}


# --- the document agrees with the code -----------------------------------------------------------


@pytest.mark.parametrize("check", CHECKS, ids=list(CHECKS))
def test_the_document_agrees_with_the_code(check):
    assert CHECKS[check](DOC) == [], (
        f"docs/telemetry.md disagrees with the code ({check}): change the prose, or run "
        "`python docs/telemetry_doc.py --write docs/telemetry.md`"
    )


def test_the_checks_see_the_names_that_matter():
    shown = names_in(DOC)
    assert {
        semconv.LLM_RESPONSE_TOKENS_PER_SECOND,
        semconv.LLM_CONTEXT_TAGS_PREFIX,
        semconv.GEN_AI_CONTENT_EVENT,
        semconv.SERVER_PORT,
        metrics.COST_COUNTER,
        "gen_ai.client.token.usage",
        "gen_ai.token.type",
        "exception.stacktrace",
    } <= shown
    assert len(table_rows(section(DOC, "## Stored rows"))) == len(schema.COLUMNS)
    assert len(telemetry_doc.recorded_metrics()) == 4


def test_every_attribute_row_has_its_type_and_unit_from_the_descriptions():
    rows = {
        backticked(cells[0])[0]: cells
        for cells in table_rows(section(DOC, "## Attributes"))
        if len(cells) == 7
    }
    for name in attribute_table.documented_rows():
        described = attribute_table.DESCRIPTIONS[name]
        if described.type == "span event":
            assert name in names_in(section(DOC, "## Events"))
            continue
        cells = rows[attribute_table.shown(name).strip("`")]
        assert (cells[1], cells[2]) == (described.type, described.unit or "—"), name


def test_the_exact_definitions_are_the_contracts():
    definitions = section(DOC, "### Exact definitions")
    tokens_per_second = next(line for line in definitions.splitlines() if "tokens_per_second`**" in line)
    for rule in (
        "from the first chunk carrying output (else the first chunk) to the last chunk",
        "from LiteLLM's reported completion start time to its reported end",
        "from the call's start to its end",
        "manual calls included",
        "Absent when there are no completion tokens or the generation time is not positive",
    ):
        assert rule in tokens_per_second
    cost = next(line for line in definitions.splitlines() if "cost.total_usd`**" in line)
    for rule in (
        "The cost LiteLLM reported on the response",
        "priced with LiteLLM's price map under the requested model and the serving provider, else under "
        "the response model",
        "(`llm.usage.estimated` true), the cost is from the estimate",
    ):
        assert rule in cost


def test_the_readme_points_to_the_contract():
    attributes = section(README, "### Attributes")
    assert "[docs/telemetry.md](docs/telemetry.md)" in attributes.split("<!-- attribute-table:start -->")[0]
    assert "SPEC.md" not in README


def test_the_generator_runs_as_a_script(tmp_path):
    environment = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    script = [sys.executable, str(ROOT / "docs" / "telemetry_doc.py")]
    run = subprocess.run(script, capture_output=True, text=True, env=environment, check=True)
    assert run.stdout.startswith("<!-- generated:operations -->\n")
    assert telemetry_doc.parts_of(run.stdout) == telemetry_doc.generated()

    assert subprocess.run([*script, "--check", str(DOC_PATH)], env=environment).returncode == 0
    stale = tmp_path / "telemetry.md"
    stale.write_text(DOC.replace("| `llm.client.cost` | counter |", "| `llm.client.cost` | gauge |"))
    checked = subprocess.run(
        [*script, "--check", str(stale)], capture_output=True, text=True, env=environment
    )
    assert (checked.returncode, checked.stdout) == (1, f"{stale}: stale parts metrics\n")


def test_the_generator_rewrites_only_the_generated_parts(tmp_path, capsys):
    page = tmp_path / "telemetry.md"
    prose = DOC.replace("Off by default.", "Off, by default.")
    page.write_text(
        re.sub(
            r"(<!-- generated:(\w+) -->\n).*?\n(<!-- /generated:\2 -->)", r"\1stale\n\3", prose, flags=re.S
        )
    )

    assert telemetry_doc.main(["--write", str(page)]) == 0
    assert page.read_text() == prose
    assert telemetry_doc.main(["--write", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.endswith(f"{page}: already up to date\n") and f"{page}: updated operations, attributes" in out


def test_the_generator_refuses_a_document_without_every_part():
    with pytest.raises(ValueError, match=re.escape("markers for ['columns']")):
        telemetry_doc.parts_of(DOC.replace("<!-- generated:columns -->", ""))


# --- and each check fails when they disagree ------------------------------------------------------


def _without_row(text: str, first_cell: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(f"| {first_cell} |"))


@pytest.mark.parametrize(
    ("check", "broken", "problem"),
    [
        ("generated parts", lambda doc: doc.replace("| `id` | id | 1 |", "| `id` | text | 1 |"), "columns"),
        (
            "generated parts",
            lambda doc: doc.replace("`chat` | `chat` |", "`chat` | `chats` |", 1),
            "operations",
        ),
        ("names semconv defines", lambda doc: doc.replace("llm.request.seed", "seed"), "llm.request.seed"),
        ("names semconv defines", lambda doc: doc.replace("`server.port`", "port"), "server.port"),
        ("names the code emits", lambda doc: doc + "\n`llm.request.made_up`\n", "llm.request.made_up"),
        ("names the code emits", lambda doc: doc.replace("gen_ai.token.type", "gen_ai.token.kind"), "kind"),
        ("metrics", lambda doc: doc.replace("| `{token}` |", "| `{tokens}` |"), "unit"),
        ("metrics", lambda doc: doc.replace("40.96, 81.92 |", "40.96 |", 1), "buckets"),
        ("metrics", lambda doc: doc.replace("`gen_ai.token.type` (`input`, `output`), ", ""), "dimensions"),
        (
            "metrics",
            lambda doc: doc.replace("| `llm.client.cost` | counter |", "| `llm.client.cost` | gauge |"),
            "kind",
        ),
        ("metrics", lambda doc: _without_row(doc, "`llm.client.cost`"), "llm.client.cost: not listed"),
        (
            "stored columns",
            lambda doc: doc.replace("| `cost_usd` | float |", "| `cost_usd` | int |"),
            "cost_usd",
        ),
        (
            "stored columns",
            lambda doc: doc.replace("| `extras` | json | 2 |", "| `extras` | json | 1 |"),
            "extras",
        ),
        ("stored columns", lambda doc: _without_row(doc, "`agent`"), "agent: not listed"),
        (
            "stored columns",
            lambda doc: doc.replace("| `model` | text |", "| `model_name` | text |"),
            "model_name",
        ),
        ("error categories", lambda doc: _without_row(doc, "`budget_exceeded`"), "missing budget_exceeded"),
        ("context keywords and entry points", lambda doc: _without_row(doc, "`workspace`"), "workspace"),
        (
            "context keywords and entry points",
            lambda doc: doc.replace("`arerank`", "`rerank_async`"),
            "arerank",
        ),
    ],
)
def test_each_check_fails_on_a_document_that_disagrees(check, broken, problem):
    text = broken(DOC)
    assert text != DOC
    found = CHECKS[check](text)
    assert found and any(problem in line for line in found), found


def test_the_checks_fail_when_the_code_changes(monkeypatch):
    """The same document, against code that changed: each check that reads that code fails."""
    columns = tuple(
        replace(column, kind="text") if column.name == "cost_usd" else column for column in schema.COLUMNS
    )
    monkeypatch.setattr(schema, "COLUMNS", (*columns, schema.Column("region", "text", added_in=4)))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 4)
    assert column_problems(DOC) == [
        "the schema version is 4",
        "cost_usd: kind, version, indexed ('float', '1', 'no'), the schema's ('text', '1', 'no')",
        "region: not listed",
    ]

    monkeypatch.setattr(metrics, "DURATION_BUCKETS", (0.5, 1.0))
    assert [problem.split(":")[0] + " buckets" for problem in metric_problems(DOC)] == [
        "gen_ai.client.operation.duration buckets",
        "gen_ai.client.operation.time_to_first_chunk buckets",
    ]

    monkeypatch.setattr(errors, "QUOTA_EXCEEDED", "quota_exceeded", raising=False)
    assert category_problems(DOC) == ["missing quota_exceeded"]

    monkeypatch.setattr(semconv, "LLM_BRAND_NEW", "llm.brand_new", raising=False)
    assert missing_names(DOC) == ["llm.brand_new"]
    with pytest.raises(ValueError, match=re.escape("describe ['llm.brand_new']")):
        telemetry_doc.generated()


def test_the_generated_parts_follow_the_code(monkeypatch):
    monkeypatch.setattr(metrics, "TOKEN_BUCKETS", (1, 10, 100))
    monkeypatch.setattr(errors, "QUOTA_EXCEEDED", "quota_exceeded", raising=False)
    assert telemetry_doc.stale_parts(DOC) == ["errors", "metrics"]


def test_the_generator_refuses_words_for_what_the_code_lacks(monkeypatch):
    monkeypatch.setitem(telemetry_doc.COLUMN_SOURCES, "region", "the cloud region")
    with pytest.raises(ValueError, match=re.escape("remove ['region']")):
        telemetry_doc.columns_table()
    monkeypatch.setitem(telemetry_doc.METRIC_RECORDS, "llm.client.latency", "…")
    with pytest.raises(ValueError, match="METRIC_RECORDS must describe exactly"):
        telemetry_doc.metrics_table()
