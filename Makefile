VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test lint serve bench-tm bench-service
install:            ## create .venv and install adaptmt with the dev tools
	scripts/install.sh

test:               ## the whole test suite
	$(BIN)/pytest

lint:               ## ruff and mypy
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

serve:              ## the HTTP API on its embedded defaults (127.0.0.1:8080, SQLite)
	$(BIN)/adaptmt serve

bench-tm:           ## translation-memory benchmark (1M units; several minutes)
	$(BIN)/python -m benchmarks.tm_fuzzy

bench-service:      ## pipeline overhead on a 1M memory + throughput through the stand-in
	$(BIN)/python -m benchmarks.service_overhead
	$(BIN)/python -m benchmarks.service_throughput
