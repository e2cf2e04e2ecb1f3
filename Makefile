# cctv-vms: `make up` runs the whole system on this machine, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= uv
PYTEST := $(UV) run --frozen pytest
DATA_DIR ?= var

.PHONY: help deps web web-test up test unit integration security faults e2e infra lint bench bench-smoke clean synth deploy

help:
	@echo "make up      install what is missing, then run the demo system (viewer on :5000)"
	@echo "make test    install what is missing, then run lint + every test suite"
	@echo "make unit | integration | security | faults | e2e | infra | web-test | lint | bench | bench-smoke"
	@echo "make web     build the viewer (web/dist) when its sources changed"
	@echo "make synth | deploy CONFIG=site.yaml   the AWS deployment (infra/cdk)"

# Every run checks the system packages (dpkg lookups, ~0.2 s) and syncs the venv
# from the lock file (a no-op when it is current), so a clean clone just works.
deps:
	@bash scripts/install-deps.sh
	@$(UV) sync --frozen --quiet

up: deps web
	$(UV) run --frozen vms up --data-dir $(DATA_DIR)

# The viewer: npm ci when the lock file is newer than node_modules, a build when
# any source is newer than web/dist (both are no-ops otherwise).
WEB_SOURCES := $(shell find web/src web/public web/index.html web/package.json web/tsconfig.json web/vite.config.ts -type f 2>/dev/null)
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build --silent
web: web/dist/index.html

web-test: web/node_modules/.package-lock.json
	cd web && npm test --silent

test: deps lint web web-test
	$(PYTEST) tests/unit tests/integration tests/security tests/faults tests/e2e tests/infra tests/bench_smoke

unit: deps
	$(PYTEST) tests/unit

integration: deps
	$(PYTEST) tests/integration

security: deps
	$(PYTEST) tests/security

faults: deps
	$(PYTEST) tests/faults

e2e: deps web
	$(PYTEST) tests/e2e

infra: deps
	$(PYTEST) tests/infra

# The AWS deployment (README "Deploy to AWS"). CONFIG is the sites/cameras YAML.
CONFIG ?= infra/cdk/example-config.yaml
CDK := cd infra/cdk && JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 npx --yes aws-cdk@2
synth: deps
	$(CDK) synth --all -c config=$(abspath $(CONFIG))

deploy: deps
	$(CDK) deploy --all -c config=$(abspath $(CONFIG))

lint: deps
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

bench: deps
	$(UV) run --frozen python bench/run_all.py

# Every bench/ script in its --smoke mode (seconds each; part of make test).
bench-smoke: deps web
	$(PYTEST) tests/bench_smoke

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
