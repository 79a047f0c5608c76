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

.PHONY: run test test-at test-dates audit-deps backup restore install install-test lint format messages check-deploy clean help bench bench-claims bench-surveys bench-load

help:
	@echo "make run   - install, migrate SQLite under var/, seed demo data, serve http://$(HOST):$(PORT)/"
	@echo "make test  - install test tools (Python, axe-core, Chromium) and run ruff + the whole pytest suite"
	@echo "make test-dates - the date-sensitive tests at four awkward dates; make test-at TEST_NOW=2026-12-29 at one"
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

# ruff and pytest both run even when the first fails, so one run shows every problem.
test: install-test
	@status=0; \
	$(VENV)/bin/ruff check . || { status=1; echo "make test: ruff found problems (pytest runs anyway)"; }; \
	$(VENV)/bin/pytest $(PYTEST_ARGS) || status=1; \
	exit $$status

# The suite at another moment (README "Tests at a given date"): the parts whose rules read the
# calendar (claims and their months, application windows, call-center deadlines, campaigns, survey
# windows, report packs, the dashboards, erasure deadlines, the demo seed) with the clock moved to
# TEST_NOW and ticking. `make test-dates` runs them at each of TEST_DATES: the last day of a month
# (a Sunday), the 1st (08:30 in Tokyo, still the day before in UTC), the year-end closure and a
# public-holiday Monday (成人の日).
DATE_SUITE ?= tests/test_campaigns.py tests/test_claim_file.py tests/test_claim_rules.py \
	tests/test_claims_admin.py tests/test_claims_services.py tests/test_claims_settlement.py \
	tests/test_members_claims.py tests/test_members_dashboard.py tests/test_members_application.py \
	tests/test_participants_services.py tests/test_inquiries_admin.py tests/test_inquiries_reports.py \
	tests/test_inquiries_rules.py tests/test_surveys_answering.py tests/test_surveys_builder.py \
	tests/test_surveys_lottery.py tests/test_surveys_results.py tests/test_surveys_links.py \
	tests/test_report_packs.py tests/test_city_dashboard.py tests/test_seed.py tests/test_erasure.py \
	tests/test_formatting.py
TEST_DATES ?= 2027-01-31T16:30+09:00 2027-02-01T08:30+09:00 2026-12-29T10:00+09:00 2027-01-11T09:00+09:00

test-at: install-test
	@test -n "$(TEST_NOW)" || { echo "usage: make test-at TEST_NOW=YYYY-MM-DD[THH:MM[+09:00]]"; exit 2; }
	TEST_NOW="$(TEST_NOW)" $(VENV)/bin/pytest -q $(PYTEST_ARGS) $(DATE_SUITE)

test-dates: install-test
	@status=0; summary=""; \
	for at in $(TEST_DATES); do \
	  echo "== the date-sensitive suite at $$at"; \
	  if TEST_NOW="$$at" $(VENV)/bin/pytest -q $(PYTEST_ARGS) $(DATE_SUITE); then summary="$$summary\n  PASS $$at"; \
	  else status=1; summary="$$summary\n  FAIL $$at"; fi; \
	done; \
	printf "make test-dates:$$summary\n"; \
	exit $$status

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
