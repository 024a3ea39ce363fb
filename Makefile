# arcollect — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The tests run on this many pytest-xdist workers (CI has two cores); one file's tests stay on one worker, so a
# module's fixtures (a LibreOffice-saved workbook, a mail server) are built once. WORKERS=0 runs them in-process.
# Files are handed out in collection order, the longest first (tests/conftest.py LONGEST_FIRST), not xdist's default
# of the files with the most tests first, which left the few long files to run last, one worker idle.
WORKERS ?= 2
XDIST := -n $(WORKERS) --dist loadfile --no-loadscope-reorder

FLOORS := .venv-floors
FLOORS_STAMP := $(FLOORS)/.installed

.PHONY: test lint audit floors demo bench clean tools fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools  # the venv seeds an old, vulnerable setuptools

# requirements.lock constrains every package to the audited version, so what is tested is what was audited.
# --no-compile: Python compiles each module on its first import instead of pip compiling every file of every package
# up front (half the install's CPU on a clean clone).
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --no-compile -c requirements.lock -e '.[test]'
	touch $(STAMP)

# The floors: every direct dependency at the lowest version pyproject.toml allows (requirements-floors.lock, written by
# scripts/floors.py), in a venv of their own. It is reused while pyproject.toml and the locks are unchanged; a clean
# clone (CI) builds it, which costs about two minutes of downloads and installs.
$(FLOORS_STAMP): pyproject.toml requirements-floors.lock requirements.lock
	rm -rf $(FLOORS)
	$(PYTHON) -m venv $(FLOORS)
	$(FLOORS)/bin/python -m pip install --quiet -c requirements.lock --upgrade pip setuptools
	$(FLOORS)/bin/python -m pip install --quiet --no-compile -c requirements-floors.lock -e '.[test]'
	touch $(FLOORS_STAMP)

# The unit and security tests (and the engine's docstring examples) on the floors, so every floor we keep is tested.
# Tests marked locked_build are left to the main run: they use the committed workbook/arcollect.xlsx or .xlam, which
# are what the locked releases build (the add-in is refused under another xlwings, by design).
floors: $(FLOORS_STAMP)
	ARCOLLECT_FLOORS=1 $(FLOORS)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) -m "not locked_build" \
	  tests/unit tests/security addin/arcollect/engine addin/arcollect/schema.py addin/arcollect/cell_values.py \
	  addin/arcollect/mail/sandbox.py

lint: $(STAMP)
	$(BIN)/ruff check addin tests benchmarks scripts
	$(BIN)/ruff format --check addin tests benchmarks scripts

# The add-in and dashboard tests open the built files with LibreOffice (and pdftoppm); the PDF statement tests render
# with pdftoppm/pdftotext and need a Unicode and a CJK font (DejaVu Sans, Noto Sans CJK). On Debian/Ubuntu as root
# they are installed here when missing; elsewhere install them once (libreoffice-calc, poppler-utils, the fonts).
FONTS := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
tools:
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null || ! ls $(FONTS) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing LibreOffice (calc, headless) and poppler-utils for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui poppler-utils fonts-noto-cjk fonts-dejavu-core >/dev/null; \
	  else \
	    echo "LibreOffice (soffice), pdftoppm and fonts are needed by the tests: install libreoffice-calc, poppler-utils, fonts-dejavu-core and fonts-noto-cjk"; \
	  fi; \
	fi
	@# The shared-ledger tests start a throwaway PostgreSQL server of their own (tests/servers/postgres.py): they need
	@# its binaries (initdb, pg_ctl) and, as root, the postgres user the package creates (initdb refuses root).
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing the PostgreSQL server for the shared-ledger tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "The shared-ledger tests need the PostgreSQL server binaries: install postgresql"; \
	  fi; \
	fi

# Known vulnerabilities in the locked dependency sets (requirements.lock and the floors; README says how to
# regenerate them): the PyPA advisory snapshot in security/advisories.json always, and pip-audit online where PyPI's
# data answers. It fails when the snapshot is older than a pinned release (security/release-dates.json).
audit: $(STAMP)
	$(BIN)/python scripts/audit.py requirements.lock requirements-floors.lock

test: lint tools audit floors
	$(BIN)/python -m pytest -q $(XDIST) --durations=25

demo: $(STAMP)
	$(BIN)/arcollect demo --dir demo

# The fuzz tests with many more examples than make test runs (tests/fuzz/conftest.py: profiles ci and fuzz);
# about half an hour. FUZZ_ARGS passes pytest options, e.g. FUZZ_ARGS="-k terms".
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/fuzz $(FUZZ_ARGS)

# Issue #8's benchmarks and their table (engine 10k/100k/1M, reading, refresh + LibreOffice formulas, rendering,
# UDFs, memory), then EWS batching. About eight minutes on two cores; figures in docs/BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py
	$(BIN)/python benchmarks/bench_ews.py

clean:
	rm -rf $(VENV) $(FLOORS) .pytest_cache .ruff_cache .hypothesis build *.egg-info addin/*.egg-info
