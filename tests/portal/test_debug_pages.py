"""The default (development) run shows no Django debug pages: its web server answers the
friendly error pages and WhiteNoise serves /static/ without DEBUG. DEBUG_PAGES=1 turns the
debug pages on; DEBUG=0 is production (gunicorn, HTTPS-only)."""

import os
import subprocess
import sys
import time

import pytest
import requests

from tests.portal.test_settings import ROOT, run_manage
from tests.services._proc import free_port

SHOW = "from django.conf import settings as s; print(s.DEBUG, s.PRODUCTION)"


def test_debug_pages_only_when_asked_for(tmp_path):
    default = run_manage("shell", "-v", "0", "-c", SHOW, env_extra={}, tmp_path=tmp_path)
    assert default.stdout.split() == ["False", "False"], default.stderr
    asked = run_manage(
        "shell", "-v", "0", "-c", SHOW, env_extra={"DEBUG_PAGES": "1"}, tmp_path=tmp_path
    )
    assert asked.stdout.split() == ["True", "False"], asked.stderr


@pytest.fixture
def web(tmp_path):
    """``manage.py runserver`` as ``make run`` starts it, with the default environment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    env.update(PORTAL_VAR_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/static/portal/portal.css", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, "no web server"
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_default_web_server_serves_static_and_friendly_errors(web):
    css = requests.get(f"{web}/static/portal/portal.css", timeout=10)
    assert css.status_code == 200 and ".toast" in css.text
    assert css.headers["Content-Type"].startswith("text/css")
    missing = requests.get(f"{web}/no-such-page/", timeout=10)
    assert missing.status_code == 404
    assert "Not found" in missing.text
    assert "URLconf" not in missing.text and "DEBUG = True" not in missing.text
    # a database error (no migrations in this var/): the friendly 500, no traceback
    session = requests.Session()
    session.get(f"{web}/accounts/login/", timeout=10)
    broken = session.post(
        f"{web}/accounts/login/",
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "username": "admin",
            "password": "x",
        },
        timeout=10,
    )
    assert broken.status_code == 500
    assert "Something went wrong" in broken.text
    assert "Traceback" not in broken.text and "OperationalError" not in broken.text
