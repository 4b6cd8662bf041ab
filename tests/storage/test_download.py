"""Template download job: SSRF checks at job time, checksum, qcow2 inspection, progress."""

import hashlib
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from portal.services.jobs import create_job
from portal.tasks import run_job
from storage.models import Template
from tests.factories import ImageStoreFactory, TemplateFactory

MIB = 1024 * 1024


def qcow2(virtual_size: int, backing: bool = False) -> bytes:
    header = b"QFI\xfb" + struct.pack(">IQI", 3, 104 if backing else 0, 8 if backing else 0)
    header += struct.pack(">IQ", 16, virtual_size)
    return header.ljust(2 * MIB, b"\0")


class Files(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        if isinstance(route, str):  # a redirect
            self.send_response(302)
            self.send_header("Location", route)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(route)))
        self.end_headers()
        self.wfile.write(route)

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Files.routes
    server.shutdown()
    Files.routes.clear()


@pytest.fixture
def store(defaults, settings, tmp_path):
    settings.IMAGE_STORE_MOUNT_ROOT = tmp_path
    settings.TEMPLATE_URL_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    return ImageStoreFactory(zone=None)


def download(template):
    job = create_job("template.download", acting_user=None, resource=template)
    run_job(job.pk)
    job.refresh_from_db()
    template.refresh_from_db()
    return job


@pytest.mark.django_db
def test_qcow2_download_records_sizes_and_checksum(web, store):
    base, routes = web
    image = qcow2(10 * 1024**3)
    routes["/img.qcow2"] = image
    template = TemplateFactory(
        url=f"{base}/img.qcow2",
        state="NotUploaded",
        format="QCOW2",
        checksum="{SHA-256}" + hashlib.sha256(image).hexdigest(),
    )
    job = download(template)
    assert job.status == "succeeded", job.error_text
    assert template.state == "Ready" and template.download_percent == 100
    assert template.size == 10 * 1024**3 and template.physical_size == len(image)
    path = Path(template.install_path)
    assert path.read_bytes() == image and str(store.uuid) in str(path)
    assert job.progress == 100


@pytest.mark.django_db
def test_checksum_mismatch_fails_and_leaves_nothing(web, store, tmp_path):
    base, routes = web
    routes["/img.qcow2"] = qcow2(MIB)
    template = TemplateFactory(
        url=f"{base}/img.qcow2", state="NotUploaded", format="QCOW2", checksum="0" * 32
    )
    job = download(template)
    assert job.status == "failed" and "Checksum mismatch" in job.error_text
    assert template.state == "Error"
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_backing_file_is_refused(web, store):
    base, routes = web
    routes["/evil.qcow2"] = qcow2(MIB, backing=True)
    template = TemplateFactory(url=f"{base}/evil.qcow2", state="NotUploaded", format="QCOW2")
    job = download(template)
    assert job.status == "failed" and "backing file" in job.error_text


@pytest.mark.django_db
def test_format_must_match_the_header(web, store):
    base, routes = web
    routes["/raw.img"] = b"\0" * MIB
    template = TemplateFactory(url=f"{base}/raw.img", state="NotUploaded", format="QCOW2")
    assert "not a qcow2" in download(template).error_text


@pytest.mark.django_db
def test_redirect_to_a_private_address_is_refused(web, store):
    base, routes = web
    routes["/hop"] = "http://10.20.30.40/metadata"
    template = TemplateFactory(
        url=f"{base}/hop", state="NotUploaded", format="RAW", hypervisor="KVM"
    )
    job = download(template)
    assert job.status == "failed" and "private, loopback or link-local" in job.error_text


@pytest.mark.django_db
def test_name_resolving_to_loopback_is_refused_unless_allowed(web, store, settings, monkeypatch):
    base, routes = web
    port = base.rsplit(":", 1)[1]
    routes["/img.raw"] = b"\1" * MIB
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1" if host == "mirror.example.org" else host, *a, **k),
    )
    template = TemplateFactory(
        url=f"http://mirror.example.org:{port}/img.raw",
        state="NotUploaded",
        format="RAW",
        hypervisor="KVM",
    )
    settings.TEMPLATE_URL_ALLOWED_NETWORKS = []
    job = download(template)
    assert job.status == "failed" and "resolves to 127.0.0.1" in job.error_text
    settings.TEMPLATE_URL_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    Template.objects.filter(pk=template.pk).update(state="NotUploaded")
    assert download(template).status == "succeeded"
    assert template.size == MIB


@pytest.mark.django_db
def test_registering_a_template_enqueues_its_download(tenant, defaults):
    from storage.models import OSType
    from storage.services import create_template

    template = create_template(
        acting_user=tenant,
        name="t",
        url="https://images.example.org/a.qcow2",
        format="QCOW2",
        hypervisor="KVM",
        os_type=OSType.objects.first(),
    )
    assert template.download_job.command == "template.download"
    assert template.download_job.resource_id == str(template.uuid)
