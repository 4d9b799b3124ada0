# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install web browser wrk worker migrate demo serve lint lint-imports typecheck openapi openapi-check \
        migration bench fuzz verify-audit clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.installed $(shell find web/src web/index.html web/vite.config.ts -type f 2>/dev/null) openapi/v1.json
	cd web && npm run -s gen:api && npm run -s build

web: web/dist/index.html

# Debian's chromium (and a CJK font for screenshots) for the browser tests; never a browser download.
browser:
	@{ command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi wenquanyi; } || { \
	  [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
	  || echo "chromium is not installed: browser tests will be skipped (apt-get install chromium)"; }

# wrk, the load generator of `make bench` (a Python client would be slower than the server it measures).
wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
	  { echo "make bench needs wrk: apt-get install wrk"; exit 1; }

# Notification delivery and the periodic jobs (make run on SQLite runs them inside the API process).
worker: install
	$(BIN)/python -m api.cli worker

migrate: install
	@mkdir -p var
	$(BIN)/python -m api.cli migrate

demo: migrate
	$(BIN)/python -m api.cli demo

run: install web demo
	@echo
	@echo "  政务门户 is serving on http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@echo "  Demo accounts: admin security auditor editor reviewer secrecy handler handler2 handler3 leader citizen"
	@echo "  Demo password: Demo@2026"
	@echo
	$(BIN)/uvicorn api.main:app --host $(HOST) --port $(PORT) --proxy-headers

test: install web browser
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check api tests migrations

# The kernel/domain boundaries written as import-linter contracts in pyproject.toml.
lint-imports: install
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy api

openapi: install
	$(BIN)/python -m api.cli openapi openapi/v1.json

openapi-check: install
	@$(BIN)/python -m api.cli openapi var/openapi-check.json && \
	  cmp -s var/openapi-check.json openapi/v1.json || { echo "openapi/v1.json is stale: run 'make openapi'"; exit 1; }

# make migration m="add complaints"
migration: install
	$(BIN)/alembic revision --autogenerate -m "$(m)"

verify-audit: install
	$(BIN)/python -m api.cli verify-audit $(if $(CHECKPOINT),--checkpoint $(CHECKPOINT))

# Disclosure reads on SQLite (one worker), then application submissions on PostgreSQL (two workers);
# each beside a hello-endpoint baseline measured in the same run.
# `make bench PG=postgresql+asyncpg://postgres@127.0.0.1:5432/bench` runs the reads on a scratch PostgreSQL database.
bench: install wrk
	$(BIN)/python -m bench $(if $(PG),--pg $(PG)) $(BENCH_ARGS)
	$(BIN)/python -m bench.applications $(BENCH_APPLICATIONS_ARGS)

# schemathesis against the running app on SQLite and PostgreSQL, anonymous and with staff tokens; fails on any 5xx,
# undocumented status, schema violation or content-type mismatch. FUZZ_SECONDS: total budget (CI runs a short pass).
FUZZ_SECONDS ?= 600
FUZZ_MAX_EXAMPLES ?= 100
fuzz: install
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) $(BIN)/python -m fuzz $(FUZZ_ARGS)

clean:
	rm -rf var/portal.db* web/dist
