# Misper: `make run` to try it, `make test` to check it. `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
# The DfE's SSDA903 validator (misper/insights): pandas < 2, so Python 3.9 to 3.11, in a
# virtual environment of its own, never in Misper's.
PYTHON_903 ?= $(shell test -x /usr/bin/python3.11 && echo /usr/bin/python3.11 || command -v python3.11 || echo python3.11)
VENV_903 := .venv-903
REQUIREMENTS_903 := src/misper/insights/requirements-903.txt
STAMP_903 := $(VENV_903)/.installed

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Misper needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

.PHONY: install
install: $(STAMP) ## create .venv and install Misper with its development tools

# Without a Python 3.9 to 3.11, the validator's tests skip and say so; in CI (CI=true) that
# is a failure.
$(STAMP_903): $(REQUIREMENTS_903)
	@if ! $(PYTHON_903) -c 'import sys; sys.exit(not (3, 9) <= sys.version_info[:2] < (3, 12))' 2>/dev/null; then \
	  echo "The DfE's SSDA903 validator needs Python 3.9 to 3.11 (set PYTHON_903; found: $$($(PYTHON_903) --version 2>&1)): its tests will skip"; \
	  if [ "$$CI" = "true" ]; then exit 1; fi; \
	else \
	  { test -x $(VENV_903)/bin/python || $(PYTHON_903) -m venv $(VENV_903); } && \
	  $(VENV_903)/bin/python -m pip install --quiet --upgrade pip && \
	  $(VENV_903)/bin/python -m pip install --quiet -r $(REQUIREMENTS_903) && \
	  touch $(STAMP_903); \
	fi

.PHONY: venv-903
venv-903: $(STAMP_903) ## the DfE's SSDA903 validator in .venv-903, a virtual environment of its own

.PHONY: migrate
migrate: $(STAMP) ## create or update the database (SQLite under var/ unless DATABASE_URL is set)
	$(BIN)/misper migrate --no-input -v 0

.PHONY: run
run: export MISPER_DEMO := 1
run: $(STAMP) migrate ## install, migrate, load the demo region, start the web server and the worker
	@$(BIN)/misper demo --quiet
	@bash scripts/run.sh $(HOST) $(PORT)

.PHONY: test
test: $(STAMP) $(STAMP_903) ## the whole suite: policy, SQLite, PostgreSQL and browser tests
	@bash scripts/test.sh

.PHONY: lint
lint: $(STAMP) ## ruff, mypy and the import-layer contract
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src/misper
	$(BIN)/mypy --strict src/misper/policy src/misper/episodes/policy_bridge.py
	$(BIN)/lint-imports

.PHONY: format
format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

.PHONY: fuzz
fuzz: $(STAMP) ## schemathesis against the running API with a token: no 5xx, every status documented
	@bash scripts/api-fuzz.sh

.PHONY: bench
bench: $(STAMP) ## benchmarks (tests/bench); record the figures in docs/benchmarks.md
	MISPER_BENCH=1 $(BIN)/pytest tests/bench -m bench -p no:randomly -q -s

.PHONY: vendor
vendor: ## refresh GOV.UK Frontend and axe-core from the pinned npm packages (needs npm)
	bash scripts/vendor.sh

.PHONY: clean
clean: ## remove the virtual environments and the local database
	rm -rf $(VENV) $(VENV_903) var

.PHONY: openapi
openapi: $(STAMP) ## write the API's OpenAPI document to docs/openapi.json (checked by a test)
	MISPER_TESTING=1 $(BIN)/misper export_openapi > docs/openapi.json
