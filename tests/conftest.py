"""Test-suite wiring: the real services (PostgreSQL, Redis, a Celery worker) as plugins.

Tests marked ``postgres`` need Django itself on PostgreSQL: ``make test`` runs them in a
second pytest pass under ``python -m tests.services.postgres_server -- pytest -m postgres``,
which starts a throwaway server and sets ``DATABASE_URL``. Elsewhere they are skipped.
"""

import os

import pytest

pytest_plugins = [
    "tests.services.postgres_server",
    "tests.services.redis_server",
    "tests.services.celery_worker",
    "tests.cloud_fixtures",
    "tests.lab.fixtures",
    "tests.console.fixtures",
]


POSTGRES_RUN = "python -m tests.services.postgres_server -- pytest -m postgres"


def pytest_collection_modifyitems(config, items):
    marked = [item for item in items if item.get_closest_marker("postgres")]
    if not marked or not config.pluginmanager.hasplugin("django"):
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    if os.environ.get("PORTAL_TEST_POSTGRES"):
        raise pytest.UsageError(
            "PORTAL_TEST_POSTGRES is set but Django's database is not PostgreSQL"
        )
    skip = pytest.mark.skip(reason=f"needs Django on PostgreSQL: {POSTGRES_RUN}")
    for item in marked:
        item.add_marker(skip)
