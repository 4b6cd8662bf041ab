#!/usr/bin/env bash
# The whole test suite, as run by `make test` (and CI through .ci/run).
# Expects .venv to be set up (make test does that). Every step runs even if an earlier one
# failed, so one CI run shows all problems; the summary lists each step's result and time,
# and the exit code is non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
summary=()
failed=0

step() {
  local name=$1 start=$SECONDS rc=0
  shift
  echo "==> $name"
  "$@" || rc=$?
  if [ $rc -eq 0 ]; then
    summary+=("ok      $(printf '%4ds' $((SECONDS - start)))  $name")
  else
    summary+=("FAILED  $(printf '%4ds' $((SECONDS - start)))  $name (exit code $rc)")
    failed=1
  fi
}

step "ruff check" "$py" -m ruff check .
step "django check" "$py" manage.py check
step "migrations up to date" "$py" manage.py makemigrations --check --dry-run
if [ -f portal/urls.py ]; then
  step "OpenAPI schema" "$py" manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml
fi
# pytest exits 5 when it collects nothing: that fails here like any other non-zero code.
step "pytest (SQLite)" "$py" -m pytest -m "not postgres" --durations=10
# A throwaway PostgreSQL cluster on 127.0.0.1 for the tests marked `postgres`.
step "pytest (PostgreSQL)" "$py" -m tests.services.postgres_server -- "$py" -m pytest -m postgres --durations=5

echo
echo "make test summary:"
printf '  %s\n' "${summary[@]}"
exit $failed
