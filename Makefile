# arcollect — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint demo bench clean tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check addin tests benchmarks scripts
	$(BIN)/ruff format --check addin tests benchmarks scripts

# The add-in and dashboard tests open the built files with LibreOffice (and pdftoppm). On Debian/Ubuntu as root
# they are installed here when missing; elsewhere install them once (libreoffice-calc, poppler-utils).
tools:
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing LibreOffice (calc, headless) and poppler-utils for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui poppler-utils fonts-noto-cjk >/dev/null; \
	  else \
	    echo "LibreOffice (soffice) and pdftoppm are needed by the tests: install libreoffice-calc and poppler-utils"; \
	  fi; \
	fi

test: lint tools
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/arcollect demo --dir demo

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_ews.py
	$(BIN)/python benchmarks/bench_udfs.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info addin/*.egg-info
