#!/usr/bin/env bash
# The whole test suite, as run by `make test` (and CI through .ci/run).
# Expects .venv to be set up (make test does that). Each step prints its duration.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python

step() {
  local name=$1
  shift
  local start=$SECONDS
  echo "==> $name"
  "$@"
  echo "<== $name: ok ($((SECONDS - start))s)"
}

step "ruff check" "$py" -m ruff check .
step "django check" "$py" manage.py check
step "migrations up to date" "$py" manage.py makemigrations --check --dry-run
if [ -f portal/urls.py ]; then
  step "OpenAPI schema" "$py" manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml
fi
# pytest exits 5 when it collects nothing: that fails here like any other non-zero code.
step "pytest (SQLite)" "$py" -m pytest -m "not postgres"
# A throwaway PostgreSQL cluster on 127.0.0.1 for the tests marked `postgres`.
step "pytest (PostgreSQL)" "$py" -m tests.services.postgres_server -- "$py" -m pytest -m postgres
echo "make test: all steps passed"
