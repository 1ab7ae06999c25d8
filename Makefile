# The two set-up commands of the README. Both work on a fresh machine: they make the
# virtual environment, install the project into it, and need no API key and no server.
# .venv holds the latest pinned set (requirements/latest.txt, as constraints); .venv-oldest, for
# `make test-oldest`, the oldest (requirements/oldest.txt: every dependency at its declared floor).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OLDEST_BIN := .venv-oldest/bin
PYTEST := python -m pytest -q
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: quickstart test test-oldest lint bench requirements

$(BIN)/activate: pyproject.toml requirements/latest.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/latest.txt -e ".[dev]"
	$(BIN)/pip check
	touch $(BIN)/activate

$(OLDEST_BIN)/activate: pyproject.toml requirements/oldest.txt
	$(PYTHON) -m venv .venv-oldest
	$(OLDEST_BIN)/pip install --quiet --upgrade pip
	$(OLDEST_BIN)/python requirements/refresh.py --check
	$(OLDEST_BIN)/pip install --quiet -c requirements/oldest.txt -e ".[dev]"
	$(OLDEST_BIN)/pip check
	touch $(OLDEST_BIN)/activate

quickstart: $(BIN)/activate
	$(BIN)/python examples/quickstart.py

test: $(BIN)/activate
	$(BIN)/$(PYTEST)

test-oldest: $(OLDEST_BIN)/activate
	$(OLDEST_BIN)/$(PYTEST)

lint: $(BIN)/activate
	$(BIN)/ruff check src tests examples benchmarks docs requirements
	$(BIN)/ruff format --check src tests examples benchmarks docs requirements

bench: $(BIN)/activate
	$(BIN)/python benchmarks/overhead.py

# Resolve both pinned sets anew (newest releases; floors from pyproject.toml) and rewrite the files.
requirements: $(BIN)/activate
	$(BIN)/python requirements/refresh.py
