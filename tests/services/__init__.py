"""Real services for the test suite (PostgreSQL, Redis, a Celery worker).

Each module is a pytest plugin registered from ``tests/conftest.py``. The servers are
started by the test session itself, listen on 127.0.0.1 only and stop at session end.
"""
