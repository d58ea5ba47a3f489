# ckanext-keck_homeless — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
CKAN := $(VENV)/bin/ckan
DEMO_INI := .demo/ckan.ini
TEST_INI := .test/ckan.ini
DEMO_PORT ?= 5000
CKAN_SYSADMIN_NAME ?= admin
CKAN_SYSADMIN_PASSWORD ?= keck-demo-admin
CKAN_SYSADMIN_EMAIL ?= admin@example.org
export CKAN_SYSADMIN_NAME CKAN_SYSADMIN_PASSWORD

.PHONY: help os venv services demo serve stop test test-config lint cite bench bench-hours bench-finder clean

help:
	@echo "make demo   install everything, load demo data, serve CKAN on http://127.0.0.1:$(DEMO_PORT)"
	@echo "make test   provision test database + Solr core and run the test suite"
	@echo "make stop   stop the demo server and the services make started"

os:
	@bash dev/install-os.sh

$(VENV)/.installed: pyproject.toml setup.py requirements.txt requirements-dev.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip wheel setuptools
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	$(VENV)/bin/pip install -q -e .
	@touch $@

venv: os $(VENV)/.installed

services: venv
	@bash dev/services.sh start

$(DEMO_INI): dev/write-config.sh
	@mkdir -p .demo
	@bash dev/write-config.sh $(DEMO_INI) ckan_demo ckan 0 $(DEMO_PORT) >/dev/null

demo: services
	@bash dev/services.sh db ckan_demo
	@bash dev/services.sh solr-core ckan
	@bash dev/write-config.sh $(DEMO_INI) ckan_demo ckan 0 $(DEMO_PORT) >/dev/null
	@$(CKAN) -c $(DEMO_INI) db upgrade >/dev/null
	@bash dev/demo.sh $(DEMO_INI) $(DEMO_PORT)

stop:
	@bash dev/demo.sh --stop $(DEMO_INI) $(DEMO_PORT)
	@bash dev/services.sh stop

test: services
	@bash dev/services.sh db ckan_test
	@bash dev/services.sh solr-core ckan_test
	@mkdir -p .test
	@bash dev/write-config.sh $(TEST_INI) ckan_test ckan_test 1 5001 >/dev/null
	@$(CKAN) -c $(TEST_INI) db upgrade >/dev/null
	@bash dev/fetch-schemas.sh >/dev/null
	@bash dev/fetch-standards.sh >/dev/null
	$(VENV)/bin/ruff check ckanext tests
	$(VENV)/bin/python -m pytest --ckan-ini=$(TEST_INI) $(PYTEST_ARGS)

cite: venv
	@bash dev/install-os.sh --cite
	@bash dev/fetch-schemas.sh >/dev/null
	@bash dev/cite.sh http://127.0.0.1:$(DEMO_PORT)

bench: venv
	@bash dev/install-os.sh --bench
	@bash dev/services.sh start
	@bash bench/run.sh $(BENCH_N)

bench-finder: venv
	$(VENV)/bin/python bench/finder.py http://127.0.0.1:$(DEMO_PORT)/hilfe $(BENCH_FINDER_URLS)

bench-hours: venv
	$(VENV)/bin/python bench/hours.py --out bench/results-$$(date -u +%Y-%m-%d)-hours.tsv

lint: venv
	$(VENV)/bin/ruff check ckanext tests

clean:
	rm -rf .demo .test build dist *.egg-info
