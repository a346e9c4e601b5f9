# Two commands on a fresh machine with Python 3.11+:
#   make run   - set up .venv, migrate, add demo content if empty, serve http://127.0.0.1:8000/
#                with a job worker beside the web server (Ctrl-C stops both)
#   make test  - set up .venv with test tools, lint, run every test
#   make test-fast - the same tests but those marked slow
#   make fuzz  - the no-500 fuzz suite with hundreds of generated inputs per URL
#   make bench - the load benchmark (bench/): gunicorn and wrk, 100,000 artworks
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast fuzz bench bench-embeddings lint format clean

# Reinstall only when the requirement files change.
$(VENV)/.run-installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.12 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.run-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo --if-empty
	-$(PY) manage.py backfill_embeddings  # a remote provider down: similar by words meanwhile
	HOST=$(HOST) PORT=$(PORT) $(PY) scripts/dev.py

# Lint first (ruff check and format), then every test; the 25 slowest are listed so
# that the time budget stays visible.
test: lint
	@bash scripts/system-packages.sh
	$(PY) -m pytest --durations=25

# The quick loop while working: no tests marked slow (extra processes and servers).
test-fast: $(VENV)/.test-installed
	@bash scripts/system-packages.sh
	$(PY) -m pytest -m "not slow"

# The deep run of tests/test_fuzz.py; `make test` runs the same tests with a few
# fixed examples each (Hypothesis profiles: tests/hypothesis_profiles.py).
fuzz: $(VENV)/.test-installed
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -m fuzz

# The load benchmark of issue 12 (bench/pages.py): its own PostgreSQL in .data/bench-<N>,
# loaded once and kept (--reuse), then gunicorn driven by wrk, warm and cold. More options
# through BENCH_ARGS, e.g. make bench BENCH_ARGS="--million --explain".
bench: $(VENV)/.run-installed
	$(PY) -m bench.pages --reuse $(BENCH_ARGS)

# The similar-artworks benchmark of issue 14 (bench/embeddings.py), on the same database:
# local vectors for every artwork, the HNSW index, latency and recall per hnsw.ef_search.
bench-embeddings: $(VENV)/.run-installed
	$(PY) -m bench.embeddings $(BENCH_ARGS)

lint: $(VENV)/.test-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.test-installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
