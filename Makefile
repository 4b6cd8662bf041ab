# The two commands: `make run` (set up and start the portal) and `make test` (the whole suite).
# Both install what is missing first: Debian packages (scripts/apt-*.txt) and .venv.
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: run test lint format deps-run deps-test clean bench

run: deps-run
	@exec $(PY) manage.py runportal

test: deps-test
	bash scripts/test.sh

lint: deps-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: deps-test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

deps-run:
	@bash scripts/install-system-deps.sh scripts/apt-run.txt
	@bash scripts/ensure-venv.sh agents

deps-test:
	@bash scripts/install-system-deps.sh scripts/apt-test.txt
	@bash scripts/ensure-venv.sh test

# Removes the virtualenv and build leftovers; keeps var/ (database, secrets, admin password).
clean:
	rm -rf .venv *.egg-info .pytest_cache .ruff_cache

# Scale benchmarks (throwaway PostgreSQL + Redis + simulator agent + Celery worker):
# writes var/bench/report.md and report.json. BENCH_ARGS=--quick (minutes) or --large (1M VMs).
bench: deps-test
	bash scripts/bench.sh $(BENCH_ARGS)
