"""Settings from the environment, production checks, secrets at rest."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    env.update({"PORTAL_VAR_DIR": str(tmp_path), **env_extra})
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7!k2#" * 10,
    "FIELD_ENCRYPTION_KEY": "4E0c0Cq3yU4SxQf1o9aLhUe2mQ0hS6GfX1b0HjX3H4s=",
    "ALLOWED_HOSTS": "cloud.example.test",
    "CSRF_TRUSTED_ORIGINS": "https://cloud.example.test",
}


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_manage("check", env_extra=env, tmp_path=tmp_path)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_embedded_default_generates_and_keeps_secret_key(tmp_path):
    first = run_manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        env_extra={},
        tmp_path=tmp_path,
    )
    second = run_manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY)",
        env_extra={},
        tmp_path=tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_selects_the_database(tmp_path):
    result = run_manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.db import connection as c; print(c.vendor, c.settings_dict['NAME'])",
        env_extra={"DATABASE_URL": "postgres://u:p@127.0.0.1:5999/clouddb"},
        tmp_path=tmp_path,
    )
    assert result.stdout.split() == ["postgresql", "clouddb"], result.stderr


@pytest.mark.django_db
def test_api_secret_is_encrypted_at_rest(tenant):
    from portal.models import ApiKeyPair

    pair = ApiKeyPair.objects.create(user=tenant)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_key FROM portal_apikeypair WHERE id = %s", [pair.pk])
        stored = cursor.fetchone()[0]
    assert pair.secret_key not in stored and stored.startswith("fernet:")
    assert ApiKeyPair.objects.get(pk=pair.pk).secret_key == pair.secret_key
