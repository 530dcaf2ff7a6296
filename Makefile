# Vigil: `make run` sets up and starts everything on SQLite with demo data (runtime requirements
# only); `make test` runs the whole suite on SQLite and again on a throwaway PostgreSQL cluster.
SHELL := /bin/bash
PY := .venv/bin/python
STAMP := .venv/.installed
RUNTIME_STAMP := .venv/.runtime-installed
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-postgres bench lint venv prism contract-tools clean

venv: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# What running needs and no more: requirements.txt (the test tools stay in requirements-dev.txt).
$(RUNTIME_STAMP): requirements.txt
	@test -x $(PY) || python3 -m venv .venv
	@set -o pipefail; $(PY) -m pip install --disable-pip-version-check -r requirements.txt \
		| sed -u '/^Requirement already satisfied/d'
	@touch $@

run:
	@echo "== 1/4 Python environment: .venv with the runtime requirements (requirements.txt)"
	@$(MAKE) -s --no-print-directory $(RUNTIME_STAMP)
	@echo "== 2/4 Database: applying the migrations"
	@.venv/bin/flask --app wsgi db upgrade
	@echo "== 3/4 Demo centre, staff, patients and reports"
	@.venv/bin/flask --app wsgi demo
	@echo "== 4/4 Starting the web and clock processes (Ctrl-C stops both)"
	@echo
	@.venv/bin/flask --app wsgi welcome
	@echo
	@PATH=$(CURDIR)/.venv/bin:$$PATH .venv/bin/honcho start web clock

prism:
	scripts/install-prism.sh >/dev/null

# Redocly, openapi-typescript/openapi-fetch/tsc, FHIR.js and openapi-python-client for tests/contract.
contract-tools:
	scripts/install-contract-tools.sh >/dev/null

test: venv prism contract-tools
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: venv
	@echo "== test suite on SQLite"
	.venv/bin/pytest -q $(PYTEST_ARGS)

test-postgres: venv
	@echo "== test suite on PostgreSQL"
	scripts/with-postgres.sh .venv/bin/pytest -q $(PYTEST_ARGS)

bench: venv prism
	$(PY) bench/run_all.py

lint: venv
	.venv/bin/ruff format --check app tests bench config.py wsgi.py
	.venv/bin/ruff check app tests bench config.py wsgi.py
	.venv/bin/mypy

clean:
	rm -rf .venv .cache instance .pytest_cache
