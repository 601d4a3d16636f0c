# The two commands: `make demo` and `make test`. Everything else is a step they use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install migrate seed pipeline demo serve test lint format bench

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

pipeline: seed
	$(PY) manage.py train_cf

demo: seed pipeline
	@$(PY) manage.py demo_login
	$(PY) manage.py runserver $(HOST)

serve: install
	$(PY) manage.py runserver $(HOST)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(VENV)/bin/pytest

# Benchmarks are scripts run by hand against PostgreSQL; each prints its figures.
bench: install
	for script in tests/bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done
