# Vigie — the two commands of the README: `make demo` and `make test`.
# Each creates .venv (Python >= 3.11) and installs the project on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup demo demo-xlsx test lint bench screenshot docs clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: setup
	$(BIN)/python run_audit.py --demo $(ARGS)

# The same demo with the registry kept as a spreadsheet: a copy of config/ whose registry.yaml
# is exported to registre.xlsx (the bundled config/ keeps YAML).
demo-xlsx: setup
	rm -rf var/config-xlsx && mkdir -p var/config-xlsx
	cp -r config/settings.yaml config/logos var/config-xlsx/
	$(BIN)/python run_audit.py registry export --xlsx var/config-xlsx/registre.xlsx
	$(BIN)/python run_audit.py --demo --config var/config-xlsx

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python benchmarks/bench_scale.py --accounts 10000 --latency 0.05 $(ARGS)

screenshot: setup
	$(BIN)/python tools/screenshot_report.py

docs: setup
	$(BIN)/python -m scanner.docs_gen

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
