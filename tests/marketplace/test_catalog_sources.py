"""Catalogs from a git repository at a pinned commit and from an HTTP(S) index: the same
verified install path as a local directory."""

import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from marketplace.models import CatalogItem, Plugin
from marketplace.services import create_catalog, refresh_catalog, request_install
from tests.marketplace.conftest import run, write_index

pytestmark = pytest.mark.django_db(transaction=True)
PID = "org.example.dummy"


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def git_catalog(tmp_path, wheels):
    """A git repository holding index.json + the wheel; returns (path, first, second commit)."""
    repo = tmp_path / "catalog-repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("config", "user.email", "t@example.test", cwd=repo)
    git("config", "user.name", "Test", cwd=repo)
    v1 = wheels("1.0.0")
    write_index(repo, [{"id": PID, "artifact": v1, "version": "1.0.0"}])
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "1.0.0", cwd=repo)
    first = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    write_index(
        repo,
        [
            {"id": PID, "artifact": v1, "version": "1.0.0"},
            {"id": PID, "artifact": wheels("2.0.0", upgrade=True), "version": "2.0.0"},
        ],
    )
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "2.0.0", cwd=repo)
    return repo, first


def test_git_catalog_at_a_pinned_commit(plugins_dir, git_catalog, root_admin, no_broker):
    repo, first = git_catalog
    catalog = create_catalog(
        acting_user=root_admin, name="git", kind="git", url=str(repo), ref=first
    )
    refresh_catalog(catalog, acting_user=root_admin)
    # Pinned at the first commit: version 2.0.0, committed later, is not visible.
    versions = set(CatalogItem.objects.filter(catalog=catalog).values_list("version", flat=True))
    assert versions == {"1.0.0"}
    job = run(request_install(acting_user=root_admin, plugin_id=PID))
    assert job.status == "succeeded", job.error_text
    assert "sha256 verified" in " ".join(job.result["log"])
    assert Plugin.objects.get(plugin_id=PID).version == "1.0.0"


def test_git_catalog_needs_a_pinned_commit(root_admin, git_catalog):
    from django.core.exceptions import ValidationError

    repo, _ = git_catalog
    with pytest.raises(ValidationError):
        create_catalog(acting_user=root_admin, name="git2", kind="git", url=str(repo), ref="")


@pytest.fixture
def http_catalog(catalog_dir, wheels):
    write_index(catalog_dir, [{"id": PID, "artifact": wheels("1.0.0"), "version": "1.0.0"}])
    handler = partial(SimpleHTTPRequestHandler, directory=str(catalog_dir))
    handler.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.json", catalog_dir
    server.shutdown()


def test_http_catalog_installs_and_refuses_a_tampered_artifact(
    plugins_dir, http_catalog, root_admin, no_broker
):
    url, directory = http_catalog
    catalog = create_catalog(acting_user=root_admin, name="http", kind="http", url=url)
    refresh_catalog(catalog, acting_user=root_admin)
    wheel = next(directory.glob("*.whl"))
    original = wheel.read_bytes()
    wheel.write_bytes(original[:-10] + b"tampered!!")  # same size, other bytes
    job = run(request_install(acting_user=root_admin, plugin_id=PID))
    assert job.status == "failed" and "sha256 mismatch" in job.error_text
    assert not Plugin.objects.filter(plugin_id=PID).exists()
    wheel.write_bytes(original)
    job = run(request_install(acting_user=root_admin, plugin_id=PID))
    assert job.status == "succeeded", job.error_text
