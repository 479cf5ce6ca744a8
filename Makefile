# ctdsm -- developer and user entry points. `make demo` and `make test` work on a fresh
# Debian/Ubuntu machine: they install what is missing (OS packages via apt-get when run as
# root or with sudo, Python packages into .venv) and then run.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out
# OS packages: python venv support now; ngspice, its shared library and OpenBLAS (for the
# PyDSM benchmark peer) for the spice and bench targets.
APT_PKGS ?= python3-venv python3-dev build-essential ngspice libngspice0-dev libopenblas-dev
# Headless Chromium for the report's browser test (tests/reporting/test_report_browser.py).
APT_PKGS += chromium
# Seed designs whose reports are committed under reports/ (make reports).
REPORT_DESIGNS ?= multibit singlebit

.PHONY: help system-deps setup demo test test-all lint format bench clean reports netlists

help:
	@echo "make demo      set up, synthesize, simulate and report the embedded default design into $(OUT)/demo"
	@echo "make test      set up and run the tests (fast tier, as CI does)"
	@echo "make test-all  also the slow, spice and bench-marked tests"
	@echo "make lint      ruff check + format check + mypy"
	@echo "make bench     benchmarks (results in benchmarks/results.json)"
	@echo "make reports   regenerate reports/<design>/ (report.html, figures, metrics.json) and reports/README.md"
	@echo "make netlists  regenerate the committed ngspice netlists of the seed designs"

system-deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	    echo "missing OS packages:$$missing (install them as root)"; exit 0; fi; \
	  echo "installing OS packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# constraints.txt pins every Python package to the versions the golden tests and the
# committed netlists were made with (a new numpy/scipy moves results in their last digits).
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,bench]'
	@touch $@

setup: system-deps $(VENV)/.installed

demo: setup
	$(BIN)/ctdsm synth -o $(OUT)/demo
	$(BIN)/ctdsm simulate -o $(OUT)/demo
	$(BIN)/ctdsm report -o $(OUT)/demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check ctdsm tests
	$(BIN)/mypy

test: setup lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_sweep.py

test-all: setup
	$(BIN)/python -m pytest -m ''

format: setup
	$(BIN)/ruff format ctdsm tests
	$(BIN)/ruff check --fix ctdsm tests

reports: setup
	@for d in $(REPORT_DESIGNS); do \
	  $(BIN)/python -m ctdsm report designs/$$d.yaml -o reports/$$d || exit $$?; done
	$(BIN)/python -c "from ctdsm.reporting import write_index; print('wrote', write_index('reports'))"

clean:
	rm -rf $(OUT) .pytest_cache .ruff_cache .hypothesis build *.egg-info

# The committed ngspice netlists of the seed designs (CI fails when they are stale).
netlists: setup
	rm -rf netlists/multibit netlists/singlebit
	$(BIN)/python -m ctdsm netlist designs/multibit.yaml -o netlists/multibit -q
	$(BIN)/python -m ctdsm netlist designs/singlebit.yaml -o netlists/singlebit -q
