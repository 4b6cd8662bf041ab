"""``manage.py startplugin`` creates a working plugin whose own test passes."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from marketplace.installer import entry_point, pip_install
from marketplace.wheelbuild import build_wheel

ROOT = Path(__file__).resolve().parents[2]


def test_startplugin_creates_a_plugin_with_a_passing_test(tmp_path):
    call_command("startplugin", "acme_widget", "--directory", str(tmp_path))
    project = tmp_path / "acme_widget"
    assert (project / "pyproject.toml").is_file()
    env = {**os.environ, "PYTHONPATH": f"{project}{os.pathsep}{ROOT}"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    # ... and it builds into a wheel that publishes the entry point.
    wheel = build_wheel(project, tmp_path / "dist")
    pip_install(wheel, tmp_path / "site")
    assert (
        entry_point(tmp_path / "site", "org.example.acme_widget")
        == "acme_widget.apps.AcmeWidgetConfig"
    )
