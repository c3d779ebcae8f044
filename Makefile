# Thin targets: every rule is a line or two; the logic lives in lib/calsync/cli.py and pytest.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --no-header

.PHONY: setup test lint typecheck pytest demo dev bench lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

demo: setup
	$(BIN)/calsync demo

dev: setup
	$(BIN)/calsync dev

bench: setup
	$(BIN)/calsync bench

lock: setup
	$(UV_COMPILE) --extra dev --generate-hashes -o requirements.lock
	$(UV_COMPILE) --no-annotate -c requirements.lock -o functions/requirements.txt

clean:
	rm -rf $(VENV) .calsync .mypy_cache .pytest_cache .ruff_cache .hypothesis bench/results.json
