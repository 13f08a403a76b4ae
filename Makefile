# Thin wrappers over the command line and the tools. The quick start is `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

.PHONY: install demo test lint types unit bench lock clean

install: $(STAMP)

# The venv is built from the lock file only; it is rebuilt when the lock file or pyproject changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: install
	$(BIN)/safeguarding demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -m "not browser and not slow"

test: lint types
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run.py

# Re-resolve the lock file from pyproject.toml (needs the registry).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
