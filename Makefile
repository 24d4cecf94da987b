# The single entry point. `make demo` runs the pipeline; `make test` runs the tests.
# Both install uv and the locked environment first, on a machine with nothing but Python.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
export JCW_DATA_DIR ?= $(CURDIR)/data

PERIODS ?=
# Test processes: one per core (pytest-xdist); the tests of one file stay on one worker.
PYTEST_WORKERS ?= auto

.PHONY: setup chromium demo test lint format airflow bench mutants docs rebuild clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

setup: $(VENV)/.synced chromium ## Install uv, the locked environment and Chromium (for the PDF)

# Chromium prints the report's PDF. Debian's package is installed when it is missing and this
# is root on a Debian machine; otherwise one line says how to get it (JCW_CHROMIUM may name
# another binary).
chromium:
	@if [ -n "$$JCW_CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make setup: installing Chromium (Debian package) for the PDF"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "make setup: Chromium fehlt, das PDF wird übersprungen (sudo apt-get install chromium oder JCW_CHROMIUM=/pfad/zu/chromium)"; \
	fi

demo: setup ## Run the pipeline through Airflow against the simulator and print the national table
	$(PY) scripts/demo.py $(if $(PERIODS),--periods $(PERIODS))

test: setup lint ## Lint, then run every test
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: setup ## ruff (with Airflow AIR rules), the import contracts, SQLFluff (dbt templater, DuckDB dialect)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	cd dbt_project && $(VENV)/bin/sqlfluff lint models

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	cd dbt_project && $(VENV)/bin/sqlfluff fix models

airflow: setup ## Start the Airflow UI on the demo's data
	$(PY) scripts/airflow_local.py ui

bench: setup ## Benchmarks: prints a table, writes bench/results/*.json
	$(PY) -m bench $(BENCH_ARGS)

# Not in CI and not in `make test`: minutes per target (bench/mutants.py).
mutants: setup ## Mutation check of the rules, timeliness and KPI SQL: prints survivors, writes bench/results/mutants.json
	$(PY) -m bench.mutants $(MUTANTS_ARGS)

rebuild: setup ## Delete the warehouse and rebuild it from the files under data/
	$(VENV)/bin/jcw rebuild

clean:
	rm -rf data .venv .tools
