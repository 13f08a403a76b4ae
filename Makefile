# Thin wrappers over the command line and the tools. The quick start is `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: install dev demo test lint types unit bench lock clean

# Two lock files, both compiled from pyproject.toml by `make lock`: requirements.lock is the runtime
# (the demo and production: no pyspark, test or lint tools), requirements-dev.lock adds the dev and
# spark extras. The venv is built from a lock file only, and rebuilt when it or pyproject changes.
install: $(STAMP)

dev: $(DEV_STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src
	rm -f $(DEV_STAMP)
	touch $(STAMP)

# The development set is a superset of the runtime, so it also counts as installed for `make demo`.
$(DEV_STAMP): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src
	touch $(DEV_STAMP) $(STAMP)

demo: install
	$(BIN)/safeguarding demo

lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: dev
	$(BIN)/mypy

unit: dev
	$(BIN)/pytest -m "not browser and not slow"

test: lint types
	$(BIN)/pytest

bench: dev
	$(BIN)/python bench/run.py

# Re-resolve both lock files from pyproject.toml (needs the registry). The runtime lock is constrained
# by the development one, so a package has the same version in both.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 --no-header \
		-o requirements-dev.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --no-header -c requirements-dev.lock \
		-o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
