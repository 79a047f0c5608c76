# The two commands a newcomer needs:
#   make run    install everything, migrate a SQLite database under var/, load demo data, serve :8000
#   make test   install everything the tests need (Python, axe-core, Chromium) and run the whole suite
# The test suite uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sendai_stay).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test audit-deps backup restore install install-test lint format messages check-deploy clean help bench bench-claims bench-surveys bench-load

help:
	@echo "make run   - install, migrate SQLite under var/, seed demo data, serve http://$(HOST):$(PORT)/"
	@echo "make test  - install test tools (Python, axe-core, Chromium) and run ruff + the whole pytest suite"
	@echo "make backup   - database + media into var/backups/<UTC stamp>/ (or BACKUP_DIR=...), see README"
	@echo "make restore FROM=var/backups/<stamp> [TARGET_DATABASE_URL=...] [FORCE=1] [YES=1] - verify, restore"
	@echo "make bench-load - launch-day load test: wrk against gunicorn (production settings), table vs. the floor"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[test]"
	touch $@

install: $(VENV)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-test: install node_modules/.installed
	scripts/install-system-packages.sh

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@# The background worker (exports, PDFs, e-mails) runs next to the server and stops with it (Ctrl-C).
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Backups (README "Backups and restore"): the database, public media and private uploads, with a
# manifest of SHA-256s. Reads DATABASE_URL like the app; TARGET_DATABASE_URL, FORCE and YES reach
# restore_db through the environment, so a password never appears in a command line.
backup: install
	$(PY) manage.py backup_db

restore: install
	@test -n "$(FROM)" || { echo "usage: make restore FROM=var/backups/<stamp> [TARGET_DATABASE_URL=...] [FORCE=1] [YES=1]"; exit 2; }
	$(PY) manage.py restore_db "$(FROM)"

# Known vulnerabilities in the pinned Python dependencies (pip-audit; needs pypi.org's advisory data).
audit-deps: install
	scripts/audit-deps.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Update the English catalogue after changing UI strings, then translate locale/en/LC_MESSAGES/django.po.
messages: install
	$(PY) manage.py makemessages --locale en --ignore ".venv/*" --ignore "node_modules/*" --ignore "var/*"
	$(PY) manage.py compilemessages --locale en --ignore ".venv/*"

check-deploy: install
	SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-but-long-enough-for-the-check \
	ALLOWED_HOSTS=campaign.example.jp $(PY) manage.py check --deploy --fail-level WARNING \
	--settings=config.settings.production

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache

# Benchmarks, each on its own PostgreSQL database (see bench/README.md): the public facility guide,
# the money path (claim file, concurrent approvals, claim-row export) and the survey results
# (aggregation, cross-tab, answers Excel, PDF report).
bench: install
	$(PY) bench/guide.py

bench-claims: install
	$(PY) bench/claims.py

bench-surveys: install
	$(PY) bench/surveys.py

# Launch-day load test (bench/README.md): wrk (installed if missing) drives the production server
# command on its own database and Redis db 7. BENCH_LOAD_ARGS, e.g. "--duration 30 --keep".
bench-load: install
	$(PY) bench/load.py $(BENCH_LOAD_ARGS)
