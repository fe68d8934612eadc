# The two commands in the README: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STATIC := marac/static
# The papers' font (DejaVu Sans), read by marac/services/pdf/layout.py and not served.
PDF_FONTS := marac/services/pdf/fonts
export FLASK_APP := wsgi:app

.PHONY: run test install install-dev assets migrate seed lint clean

run: install assets
	MARAC_CONFIG=development $(BIN)/flask db upgrade
	MARAC_CONFIG=development $(BIN)/flask marac seed-demo
	@echo
	@echo "MARAC is running at http://127.0.0.1:$(PORT)/  (Ctrl+C stops it)"
	MARAC_CONFIG=development SCHEDULER_IN_PROCESS=1 $(BIN)/flask run --with-threads --host 127.0.0.1 --port $(PORT)

# Runs the suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL names one.
test: install-dev assets
	$(BIN)/ruff check .
	MARAC_TEST_DB= $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== The same suite on $${TEST_DATABASE_URL%%://*} (browser tests ran above) =="; \
	  MARAC_TEST_DB="$$TEST_DATABASE_URL" $(BIN)/pytest -m "not browser"; \
	fi

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Built CSS, JS, fonts and images of GOV.UK Frontend and MoJ Frontend, and our own two files,
# served at /assets. No Sass build: the packages ship compiled files. Then the PDF font.
assets: node_modules/.package-lock.json
	rm -rf $(STATIC) $(PDF_FONTS) && mkdir -p $(STATIC)/images $(STATIC)/fonts $(PDF_FONTS)
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC)/
	cp -r node_modules/govuk-frontend/dist/govuk/assets/fonts/. $(STATIC)/fonts/
	cp -r node_modules/govuk-frontend/dist/govuk/assets/images/. $(STATIC)/images/
	cp node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.css node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.js $(STATIC)/
	cp -r node_modules/@ministryofjustice/frontend/moj/assets/images/. $(STATIC)/images/
	cp marac/assets_src/* $(STATIC)/
	cp node_modules/dejavu-fonts-ttf/ttf/DejaVuSans{,-Bold,-Oblique,-BoldOblique}.ttf node_modules/dejavu-fonts-ttf/LICENSE $(PDF_FONTS)/

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules $(STATIC) $(PDF_FONTS)
