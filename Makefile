VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test lint bench-tm
install:            ## create .venv and install adaptmt with the dev tools
	scripts/install.sh

test:               ## the whole test suite
	$(BIN)/pytest

lint:               ## ruff and mypy
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench-tm:           ## translation-memory benchmark (1M units; several minutes)
	$(BIN)/python -m benchmarks.tm_fuzzy
