# salesorg: every command a developer runs. Needs only Python 3.11, git and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT ?= out
PYTEST_ARGS ?=

.PHONY: help venv demo test test-fast lint format bench clean system-deps

help:
	@echo "make demo   build the demo company, write the review pack and scenario comparison to ./$(OUT)"
	@echo "make test   install what tests need (incl. Debian chromium) and run the whole suite"
	@echo "make lint   ruff + mypy"
	@echo "make bench  performance suite (writes benchmarks/RESULTS.md; not part of make test)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

# Stamp files record which extras are installed; they are rebuilt when pyproject.toml changes.
$(VENV)/.installed-web: $(VENV)/bin/python pyproject.toml
	$(PIP) install -e '.[web]'
	@touch $@

$(VENV)/.installed-all: $(VENV)/bin/python pyproject.toml
	$(PIP) install -e '.[web,spark,postgres,dev]'
	@touch $@ $(VENV)/.installed-web

venv: $(VENV)/.installed-web

demo: $(VENV)/.installed-web
	$(VENV)/bin/salesorg demo --out $(OUT)

# System packages the tests drive for real: Chromium (browser tests), poppler (PDF pages to PNG),
# PostgreSQL (backend-equality tests), Java (Spark). Installed only when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

test: system-deps $(VENV)/.installed-all
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

test-fast: $(VENV)/.installed-all
	$(PY) -m pytest -n 2 -m "not slow and not browser and not spark and not postgres" $(PYTEST_ARGS)

lint: $(VENV)/.installed-all
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy src/salesorg

format: $(VENV)/.installed-all
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

bench: system-deps $(VENV)/.installed-all
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) $(OUT) salesorg.duckdb salesorg.duckdb.wal .pytest_cache .ruff_cache .mypy_cache
