# attrition — developer entry points. Only python3 and make are needed on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install report test lint typecheck unit bench browser clean docs docs-regen-check

install: $(STAMP)  ## create/update .venv with the package, every extra and the dev tools

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[all,dev]'
	@touch $(STAMP)

report: $(STAMP)  ## run the main job: the Bakhmut report on the embedded data
	$(VENV)/bin/attrition report $(REPORT_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks tools
	$(VENV)/bin/ruff format --check src tests benchmarks tools

typecheck: $(STAMP)
	$(VENV)/bin/mypy src

unit: $(STAMP)
	$(VENV)/bin/pytest -q -n 2 -m "not docs_full"

docs-regen-check: $(STAMP)  ## the docs' figures regenerated at their full settings (CI, after test)
	$(VENV)/bin/pytest -q -n 2 -m docs_full

test: lint typecheck docs unit  ## everything CI runs

# docs/api/ is generated (git-ignored); docs/cli.md is committed, so in CI (CI set) it is only
# checked: a stale one fails instead of being rewritten.
docs: $(STAMP)  ## API reference (docs/api/) and CLI reference (docs/cli.md), then the site (site/), strict
	$(PY) tools/docs_site/gen_api.py
	$(PY) tools/docs_site/gen_cli.py $(if $(CI),--check)
	$(VENV)/bin/mkdocs build --strict --quiet

browser:  ## install Debian's chromium for the browser tests (needs root)
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

.PHONY: docs-figures
docs-figures: $(STAMP)  ## regenerate the docs' figures and sidecars (FIGURES_ARGS='--only DOC', '--check')
	$(PY) tools/docs_figures/run.py $(FIGURES_ARGS)

bench: $(STAMP)  ## run the benchmarks and rewrite BENCHMARKS.md
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache reports
