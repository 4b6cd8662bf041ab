"""Scale benchmarks (``make bench``): a large cloud, each case timed beside its floor.

Not part of the test suite: ``python -m tests.bench [--quick] [--large]`` starts a throwaway
PostgreSQL, Redis, simulator agent and Celery worker, runs the cases in ``bench_*.py`` and
writes ``var/bench/report.md`` and ``var/bench/report.json``.
"""
