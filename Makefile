# Vigie — the two commands of the README: `make demo` and `make test`.
# Each creates .venv (Python >= 3.11) and installs the project on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# Debian's Grammalecte (content.french) is pure Python installed for the system's Python: setup
# installs it when it runs as root on Debian/Ubuntu (or prints the command), then makes .venv reach
# that one package through a .pth file naming a folder that holds only a link to it.
GRAMMALECTE := /usr/lib/python3/dist-packages/grammalecte
GRAMMALECTE_INSTALL := apt-get -o DPkg::Lock::Timeout=600 install -y python3-grammalecte

.PHONY: setup demo test lint bench screenshot docs clean grammalecte

setup: $(VENV)/.installed grammalecte

grammalecte: $(VENV)/.installed
	@if [ ! -d $(GRAMMALECTE) ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		$(GRAMMALECTE_INSTALL) >/dev/null 2>&1 || { apt-get update -qq && $(GRAMMALECTE_INSTALL); }; fi
	@if [ -d $(GRAMMALECTE) ]; then \
		mkdir -p $(VENV)/debian-grammalecte && ln -sfn $(GRAMMALECTE) $(VENV)/debian-grammalecte/grammalecte && \
		$(BIN)/python -c 'import pathlib, sys, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "debian-grammalecte.pth").write_text(sys.argv[1] + "\n")' "$(abspath $(VENV))/debian-grammalecte"; \
	else echo "Grammalecte absent: content.french will be non vérifiable. Install it with: sudo $(GRAMMALECTE_INSTALL) && make setup"; fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: setup
	$(BIN)/python run_audit.py --demo

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
