#!/usr/bin/env bash
# The scale benchmarks, as run by `make bench` (BENCH_ARGS="--quick" or "--large" to vary).
# Starts its own PostgreSQL, Redis, simulator agent and Celery worker on 127.0.0.1 and
# writes var/bench/report.md and var/bench/report.json.
set -euo pipefail
cd "$(dirname "$0")/.."
# CloudStack API parity (commands and parameters implemented / upstream) next to the report.
.venv/bin/python manage.py cloudstack_parity --output var/bench/cloudstack-parity.md
exec .venv/bin/python -m tests.bench "$@"
