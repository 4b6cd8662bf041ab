"""Marketplace fixtures: an isolated plugins directory, wheels of the dummy plugin built
on the fly, a local-directory catalog, and jobs run inline.

Nothing is ever pip-installed into the portal's own environment: the marketplace installs
with ``pip --target`` under the temporary PLUGINS_DIR, and ``PLUGINS_HOT_LOAD`` loads the
app into this test process (production reloads its processes instead).
"""

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from marketplace.wheelbuild import build_wheel

DUMMY = Path(__file__).parent / "dummy_plugin"
SAMPLES = Path(__file__).resolve().parents[2] / "marketplace" / "samples"

MIGRATION_0002 = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dummy_plugin", "0001_initial")]
    operations = [
        migrations.AddField("note", "colour", models.CharField(max_length=20, default="blue")),
    ]
"""


def make_project(
    tmp: Path, version: str = "1.0.0", *, upgrade=False, broken_migration=False
) -> Path:
    """A copy of the dummy plugin project at ``version`` (2.x adds a migration)."""
    project = tmp / f"dummy-{version}"
    shutil.copytree(DUMMY, project, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "dummy_plugin/apps.py"):
        path = project / name
        path.write_text(re.sub(r'version = "1\.0\.0"', f'version = "{version}"', path.read_text()))
    migrations = project / "dummy_plugin" / "migrations"
    if upgrade:
        (migrations / "0002_colour.py").write_text(MIGRATION_0002)
        models = project / "dummy_plugin" / "models.py"
        models.write_text(
            models.read_text() + '    colour = models.CharField(max_length=20, default="blue")\n'
        )
    if broken_migration:
        (migrations / "0002_broken.py").write_text(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            '    dependencies = [("dummy_plugin", "0001_initial")]\n'
            '    operations = [migrations.RunSQL("THIS IS NOT SQL")]\n'
        )
    return project


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_index(directory: Path, entries: list[dict]) -> Path:
    """entries: {id, kind, name, wheel(Path), version, min, max, sha256?} -> index.json"""
    items: dict[str, dict] = {}
    for entry in entries:
        artifact = Path(entry["artifact"])
        if artifact.parent != directory:
            shutil.copy(artifact, directory / artifact.name)
        item = items.setdefault(
            entry["id"],
            {
                "id": entry["id"],
                "kind": entry.get("kind", "django-app"),
                "name": entry.get("name", entry["id"]),
                "summary": entry.get("summary", "test item"),
                "author": "Test Suite",
                "versions": [],
            },
        )
        item["versions"].append(
            {
                "version": entry["version"],
                "artifact": artifact.name,
                "sha256": entry.get("sha256") or sha256(artifact),
                "size": artifact.stat().st_size,
                "min_portal_version": entry.get("min", ""),
                "max_portal_version": entry.get("max", ""),
                "changelog": entry.get("changelog", ""),
            }
        )
    index = directory / "index.json"
    index.write_text(json.dumps({"items": list(items.values())}, indent=1))
    return index


@pytest.fixture
def plugins_dir(settings, tmp_path):
    """An empty plugins directory with in-process loading; everything undone afterwards."""
    from django.apps import apps

    from marketplace import installer, state
    from marketplace.plugin import LOAD_ERRORS

    settings.PLUGINS_DIR = tmp_path / "plugins"
    settings.PLUGINS_HOT_LOAD = True
    settings.PLUGINS_RELOAD_COMMAND = []
    state.invalidate()
    LOAD_ERRORS.clear()
    before_path = list(sys.path)
    before_apps = [f"{type(c).__module__}.{type(c).__qualname__}" for c in apps.get_app_configs()]
    yield settings.PLUGINS_DIR
    for config in list(apps.get_app_configs()):
        path = f"{type(config).__module__}.{type(config).__qualname__}"
        if path not in before_apps:
            installer.hot_unload_label(path)
    sys.path[:] = before_path
    for name in list(sys.modules):
        if name.split(".")[0] in {"dummy_plugin", "sample_hypervisor", "sample_lb", "sample_ui"}:
            del sys.modules[name]
    state.invalidate()
    LOAD_ERRORS.clear()


@pytest.fixture
def catalog_dir(tmp_path):
    directory = tmp_path / "catalog"
    directory.mkdir()
    return directory


@pytest.fixture
def wheels(tmp_path):
    """``wheels(version, **options)`` builds the dummy plugin's wheel."""
    out = tmp_path / "wheels"

    def build(version: str = "1.0.0", **options) -> Path:
        return build_wheel(make_project(tmp_path, version, **options), out / version)

    return build


@pytest.fixture
def directory_catalog(root_admin, catalog_dir):
    from marketplace.services import create_catalog

    def make(entries: list[dict]):
        write_index(catalog_dir, entries)
        from marketplace.models import Catalog
        from marketplace.services import refresh_catalog

        catalog = Catalog.objects.filter(name="local").first() or create_catalog(
            acting_user=root_admin, name="local", kind="directory", url=str(catalog_dir)
        )
        return refresh_catalog(catalog, acting_user=root_admin)

    return make


def run(job):
    """Run a queued job inline and return it refreshed."""
    from portal.tasks import run_job

    run_job(job.pk)
    job.refresh_from_db()
    return job
