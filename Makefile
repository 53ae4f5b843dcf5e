# Micro-aggression portal: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) assets ## Create .venv and install the project and its pinned dependencies

assets: ## Build front-end assets (NHS.UK frontend) into services/intake/static/vendor
	bash scripts/build_assets.sh

run: install ## Run everything on this machine (embedded Redis, SQLite): one command
	$(BIN)/portal-run

demo-data: ## Send a few hundred synthetic reports through the running pipeline; make one staff account per role
	$(BIN)/python -m portal_ops.demo_data --count 300
	$(BIN)/python -m portal_ops.admin demo-accounts

migrate: install ## Apply every service's migrations
	$(BIN)/portal-migrate

test: install ## The whole suite against real Redis, PostgreSQL and SQLite, browser included (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/mypy libs/portal_common services portal_ops
	$(BIN)/lint-imports --no-cache
	bash scripts/ensure_services.sh
	bash scripts/ensure_browser.sh
	bash scripts/ensure_promtool.sh
	$(BIN)/python -m pytest -p no:cacheprovider

test-fast: install ## Unit tests only: nothing needs to be running (no database server, Redis, worker or browser)
	$(BIN)/python -m pytest -p no:cacheprovider -m unit

lint: install ## ruff over everything, mypy over the service code, the import-layer contracts
	$(BIN)/ruff check .
	$(BIN)/mypy libs/portal_common services portal_ops
	$(BIN)/lint-imports --no-cache

reference: install ## Regenerate README.md's event catalogue and configuration reference from the code
	$(BIN)/python -m portal_ops.reference --write

bench: install ## Redaction quality and speed, side by side with Presidio (prints a table)
	$(BIN)/pip install --quiet presidio-analyzer==2.2.366
	$(BIN)/python bench/redaction_bench.py

bench-hub: install ## The hub at scale on PostgreSQL: 10,000 learners, 100,000 choices; page p95 and statistics time
	$(BIN)/python bench/hub_scale.py

bench-analytics: install ## Analytics at scale on PostgreSQL: pages vs naive GROUP BY, a quarter's rebuild, events/s (ARGS="--reports 20000" for a quick check)
	nice $(BIN)/python bench/analytics_scale.py $(ARGS)

train-risk: install ## Retrain the residual-risk scorer on synthetic reports (writes services/redactor/data/risk_model.json)
	PYTHONPATH=.:libs $(BIN)/python bench/train_risk.py

lock: ## Re-resolve requirements.lock (with hashes) from pyproject.toml; needs PyPI
	$(BIN)/pip install --quiet uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml --extra test --extra browser --generate-hashes \
		--python-version 3.11 --no-header -o requirements.lock

.PHONY: help install assets run demo-data migrate test test-fast lint reference bench bench-hub bench-analytics train-risk lock
