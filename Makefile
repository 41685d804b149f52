# Two commands: `make run` serves the demo, `make test` runs the whole suite. Both set up .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app feedback360
STAMP := $(VENV)/.installed
# axe-core for the accessibility tests, pinned in package-lock.json (npm ci installs exactly that).
NPM_STAMP := node_modules/.installed
# Gettext catalogs: the .po files are the source (committed); the .mo files are built from them.
TRANSLATIONS := feedback360/translations

.PHONY: run test install system-check system-packages-test lint db demo bench clean messages translations

# Debian packages first (as root), so a bare machine gets Python's venv, Pango and fonts.
$(BIN)/python:
	@PYTHON=$(PYTHON) sh .ci/system-packages run
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "feedback360 needs Python 3.11 or newer ($(PYTHON) is older)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP)

# Every string marked for translation into messages.pot, then into each language's .po file
# (new strings empty, changed ones fuzzy: tests/test_translations.py fails until translated).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k N_ --add-location=file \
		--sort-by-file --project=feedback360 --copyright-holder="feedback360" \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete

# A language starts with: $(BIN)/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l xx
# Each .mo file missing or older than its .po (feedback360/catalogs.py; tests/conftest.py too).
translations: install
	@$(BIN)/python -m feedback360.catalogs

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

system-check: install
	@PYTHON=$(PYTHON) sh .ci/system-packages run
	@$(BIN)/python -m feedback360.system_check

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo --if-empty

run: system-check translations demo
	@echo ""
	@echo "  feedback360 is running at http://127.0.0.1:5000"
	@echo "  Demo leader: leader@example.com / demo-leader-2026"
	@echo "  Demo coach:  coach@example.com  / demo-coach-2026"
	@echo "  Mail goes to instance/outbox/*.eml unless FLASK_MAIL_SERVER is set."
	@echo ""
	@$(FLASK) send-mail --watch & sender=$$!; \
		trap 'kill $$sender 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .

# Chromium, poppler-utils and npm too, for the browser, PDF and accessibility tests.
system-packages-test:
	@PYTHON=$(PYTHON) sh .ci/system-packages test

test: system-packages-test install $(NPM_STAMP) translations lint
	@$(BIN)/python -m feedback360.system_check --tests
	$(BIN)/python -m pytest

# Every bench/ script in turn; each ends with one JSON line. Needs PostgreSQL and Redis on loopback,
# and wrk (Debian package wrk) for bench/load.py.
bench: install
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/survey_time.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/mail.py
	$(BIN)/python bench/aggregate.py
	$(BIN)/python bench/submit_cost.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
