# The two set-up commands of the README. Both work on a fresh machine: they make the
# virtual environment, install the project into it, and need no API key and no server.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: quickstart test lint bench

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/activate

quickstart: $(BIN)/activate
	$(BIN)/python examples/quickstart.py

test: $(BIN)/activate
	$(BIN)/python -m pytest -q

lint: $(BIN)/activate
	$(BIN)/ruff check src tests examples benchmarks docs
	$(BIN)/ruff format --check src tests examples benchmarks docs

bench: $(BIN)/activate
	$(BIN)/python benchmarks/overhead.py
