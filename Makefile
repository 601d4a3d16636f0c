# The two commands: `make demo` and `make test`. Everything else is a step they use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install migrate seed pipeline demo serve test check lint format bench

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

# The demo is a development server: DEBUG on, plain HTTP.
demo serve seed pipeline migrate: export DEBUG ?= 1

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The demo's models and playlists: crawl the synthetic music-writing site into cultural
# vectors, analyse every clip, then the Monday job (CF tuned and trained, the audio CNN trained,
# every listener's playlist built).
pipeline: seed
	$(PY) manage.py culture_demo
	$(PY) manage.py analyze_audio --workers 2
	$(PY) manage.py build_weekly

demo: seed pipeline
	@$(PY) manage.py demo_login --url http://$(HOST)/
	$(PY) manage.py runserver $(HOST)

serve: install
	$(PY) manage.py runserver $(HOST)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Production settings must pass Django's deploy checks; models and migrations must agree.
check: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-but-long-enough-xxxxxxxx \
	ALLOWED_HOSTS=music.example.org $(PY) manage.py check --deploy --fail-level WARNING
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

test: lint check
	$(VENV)/bin/pytest

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks are scripts run by hand against PostgreSQL; each prints its figures.
bench: install
	for script in tests/bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done
