# The README's two commands: `make run` and `make test`. Also `make lint` (ruff, mypy, the import contracts).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-$(shell cat requirements.txt constraints.txt | sha256sum | cut -c1-12)
DEV_STAMP := $(VENV)/.dev-$(shell cat requirements.txt requirements-dev.txt constraints.txt scripts/install-debian-packages.sh | sha256sum | cut -c1-12)

.PHONY: run run-mongo test lint setup worker install install-dev bench artefacts

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): $(PY) requirements.txt constraints.txt
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	rm -f $(VENV)/.runtime-* && touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.txt scripts/install-debian-packages.sh
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	bash scripts/install-debian-packages.sh
	rm -f $(VENV)/.dev-* && touch $@

install: $(RUNTIME_STAMP)
install-dev: $(DEV_STAMP)

setup: install
	$(PY) -m engine setup

## Start the app on http://localhost:8501, one engine worker and the HTTP API on :8503 (Ctrl-C stops all).
run: setup
	bash scripts/run.sh

## The same on MongoDB: a local secantusdb server (data/secantus), the app and a worker on it.
run-mongo: install-dev
	bash scripts/run-mongo.sh

worker: setup
	$(PY) -m engine worker

## Create the environment, install everything the tests need, run the whole suite.
test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## Rebuild the shipped fitted models (providers/ai/data/fitted/) after changing the training data,
## a feature, a learner's settings or an encoder; only the stale files are rebuilt.
artefacts: install
	$(PY) -m providers.ai.artefacts

## Run the four benchmarks (a few minutes) and write their figures into README.md's Performance section.
bench: setup
	$(PY) scripts/bench_readme.py --readme README.md
