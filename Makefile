# Vigil: `make run` sets up and starts everything on SQLite with demo data; `make test` runs the
# whole suite on SQLite and again on a throwaway PostgreSQL cluster.
SHELL := /bin/bash
PY := .venv/bin/python
STAMP := .venv/.installed
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-postgres bench lint venv prism contract-tools clean

venv: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: venv
	.venv/bin/flask --app wsgi db upgrade
	.venv/bin/flask --app wsgi demo
	PATH=$(CURDIR)/.venv/bin:$$PATH .venv/bin/honcho start web clock

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
	.venv/bin/ruff check app tests bench

clean:
	rm -rf .venv .cache instance .pytest_cache
