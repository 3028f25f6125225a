# ChorusWatch — `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
MODEL_STAMP := $(VENV)/.model-built

.DEFAULT_GOAL := help

help: ## list every target
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[embedded,dev,onnx]'
	touch $(STAMP)

$(MODEL_STAMP): $(STAMP) streams/e5_convert.py streams/onnx_export.py
	$(BIN)/choruswatch model build
	touch $(MODEL_STAMP)

venv: $(STAMP) $(MODEL_STAMP) ## create .venv, install ChorusWatch (embedded stack, ONNX, dev tools), build the default model

model: venv ## (re)build the default multilingual model and its int8 export in the model cache
	$(BIN)/choruswatch model build

# --no-install-recommends: on a minimal Debian 12, `prometheus` alone pulls 77 packages with its
# recommends (node exporter, its collectors, smartmontools, ipmitool, perl, python3) and 14 without
# (itself and the JavaScript of its web UI); the tests need only promtool and the server. kcat, nodejs
# and npm: 384 packages instead of 658 (npm's recommends are the native-addon toolchain; KafkaJS is
# plain JavaScript). Counted with `apt-get -s` against a Debian 12 status of only its required and
# important packages. apt's own output stays visible: it is what to read when an install fails.
system-deps: ## install the tests' outside peers when missing: kcat, promtool, node + KafkaJS (tools/kafkajs)
	@pkgs=""; \
	command -v kcat >/dev/null || pkgs="$$pkgs kcat"; \
	command -v promtool >/dev/null || pkgs="$$pkgs prometheus"; \
	command -v npm >/dev/null || pkgs="$$pkgs nodejs npm"; \
	if [ -n "$$pkgs" ]; then \
	  echo "system-deps: apt-get install --no-install-recommends$$pkgs"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$pkgs; \
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

bench: venv ## benchmarks that print their figures (core, campaign level, quality beside CooRTweet, pipeline, embedding)
	$(PY) -m bench.core
	$(PY) -m bench.campaigns
	$(PY) -m bench.quality --seed 7 --seed 1 --seed 2
	$(PY) -m bench.pipeline
	$(PY) -m bench.backfill
	$(PY) -m bench.embedding

HELDOUT_ARGS ?=
bench-heldout: venv ## held-out scenarios (bench.worlds) through detect + evaluate; HELDOUT_ARGS="--mentions 30000" etc.
	$(PY) -m bench.heldout $(HELDOUT_ARGS)

clean: ## remove caches (keeps .venv)
	rm -rf .pytest_cache .mypy_cache .ruff_cache build *.egg-info

.PHONY: help venv model system-deps demo test test-unit test-integration lint format bench bench-heldout clean
