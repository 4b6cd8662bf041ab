"""Template/ISO download to secondary storage (a job run by the Celery worker).

The URL's host is resolved here and refused if it is private, loopback or link-local
(unless the operator allows it); redirects are followed by hand and each target is checked
the same way. The image streams to the image store (an NFS store mounted under
``IMAGE_STORE_MOUNT_ROOT/<store uuid>``, or an SMB share through smbprotocol), progress is
reported, the checksum verified, qcow2 headers inspected (no backing files) and the
template marked Ready with its sizes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler
from storage.choices import TemplateState
from storage.images import UnsafeImage, inspect_header
from storage.models import ImageStore, Template
from storage.services.urls import check_download_url, check_resolved_address

CHUNK = 1024 * 1024
MAX_REDIRECTS = 5
EXTENSIONS = {"QCOW2": "qcow2", "RAW": "img", "VHD": "vhd", "VHDX": "vhdx", "ISO": "iso"}


def _open(url: str) -> requests.Response:
    """GET ``url`` following at most MAX_REDIRECTS redirects, each target checked."""
    for _ in range(MAX_REDIRECTS + 1):
        check_download_url(url)
        check_resolved_address(urlsplit(url).hostname or "")
        response = requests.get(url, stream=True, allow_redirects=False, timeout=(10, 60))
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            response.close()
            continue
        response.raise_for_status()
        return response
    raise ValidationError(f"Too many redirects (more than {MAX_REDIRECTS}).")


def _expected_digest(checksum: str):
    """CloudStack checksums: ``{SHA-256}hex``, ``{MD5}hex`` or a bare MD5/SHA-256 hex."""
    checksum = checksum.strip()
    if not checksum:
        return None, ""
    if checksum.startswith("{"):
        algorithm, _, value = checksum[1:].partition("}")
        name = algorithm.lower().replace("-", "")
    else:
        value = checksum
        name = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}.get(len(checksum), "")
    if name not in ("md5", "sha1", "sha256", "sha512"):
        raise ValidationError(f"Unsupported checksum {checksum!r}.")
    return hashlib.new(name), value.lower()


class StoreFile:
    """A file being written on an image store, removed again on failure."""

    def __init__(self, store: ImageStore, relative: str):
        self.store, self.relative = store, relative
        self.smb = store.protocol == "cifs"
        if self.smb:
            import smbclient

            host, _, port = store.server.partition(":")
            smbclient.register_session(
                host,
                username=store.username,
                password=store.password,
                port=int(port or 445),
            )
            self.location = (
                "\\\\" + host + store.path.replace("/", "\\") + "\\" + relative.replace("/", "\\")
            )
            directory = self.location.rsplit("\\", 1)[0]
            smbclient.makedirs(directory, exist_ok=True)
            self.handle = smbclient.open_file(self.location, mode="wb")
        else:
            path = Path(settings.IMAGE_STORE_MOUNT_ROOT) / str(store.uuid) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            self.location = str(path)
            self.handle = open(path, "wb")  # noqa: SIM115 - closed in close()/discard()

    def write(self, data: bytes) -> None:
        self.handle.write(data)

    def close(self) -> None:
        self.handle.close()

    def discard(self) -> None:
        self.handle.close()
        if self.smb:
            import smbclient

            smbclient.remove(self.location)
        elif os.path.exists(self.location):
            os.unlink(self.location)


def pick_store(template: Template) -> ImageStore:
    stores = ImageStore.objects.filter(read_only=False)
    store = (stores.filter(zone_id=template.zone_id).first() if template.zone_id else None) or (
        stores.order_by("zone_id", "id").first()
    )
    if store is None:
        raise JobError("No secondary storage (image store) to download to.", code=530)
    return store


def _stream(template: Template, response, target: StoreFile, report) -> tuple[int, object]:
    total = int(response.headers.get("Content-Length") or 0)
    digest, expected = _expected_digest(template.checksum)
    written, header, facts, last = 0, b"", None, -1
    for chunk in response.iter_content(CHUNK):
        if facts is None:
            header += chunk
            if len(header) >= 512 or not chunk:
                facts = inspect_header(header, template.format)
        written += len(chunk)
        if written > settings.TEMPLATE_MAX_BYTES:
            raise ValidationError("The image is larger than TEMPLATE_MAX_BYTES.")
        if digest is not None:
            digest.update(chunk)
        target.write(chunk)
        percent = int(written * 100 / total) if total else 0
        if percent // 5 != last:
            last = percent // 5
            Template.objects.filter(pk=template.pk).update(download_percent=min(percent, 99))
            report(min(95, 5 + percent * 9 // 10), f"Downloaded {written // CHUNK} MiB")
    if facts is None:
        facts = inspect_header(header, template.format)
    if digest is not None and digest.hexdigest() != expected:
        raise ValidationError(f"Checksum mismatch: expected {expected}, got {digest.hexdigest()}.")
    return written, facts


@job_handler("template.download")
def download_template_job(job, report) -> dict:
    template = Template.objects.get(uuid=job.resource_id)
    store = pick_store(template)
    relative = (
        f"template/tmpl/{template.account_id}/{template.pk}/"
        f"{template.uuid}.{EXTENSIONS.get(template.format, 'img')}"
    )
    Template.objects.filter(pk=template.pk).update(
        state=TemplateState.DOWNLOADING, image_store=store
    )
    report(5, f"Connecting to {urlsplit(template.url).hostname}")
    target = None
    try:
        response = _open(template.url)
        target = StoreFile(store, relative)
        with response:
            written, facts = _stream(template, response, target, report)
        target.close()
    except (ValidationError, UnsafeImage, requests.RequestException, OSError) as exc:
        if target is not None:
            target.discard()
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        Template.objects.filter(pk=template.pk).update(
            state=TemplateState.ERROR, download_percent=0
        )
        record_event(
            "TEMPLATE.DOWNLOAD",
            acting_user=job.user,
            resource=template,
            job=job,
            level="ERROR",
            description=f"Download failed: {message}",
        )
        raise JobError(f"Download of {template.name} failed: {message}", code=530) from exc
    Template.objects.filter(pk=template.pk).update(
        state=TemplateState.READY,
        download_percent=100,
        physical_size=written,
        size=facts.virtual_size or written,
        install_path=target.location,
        updated=timezone.now(),
    )
    record_event(
        "TEMPLATE.DOWNLOAD",
        acting_user=job.user,
        resource=template,
        job=job,
        description=f"{written} bytes to {store.name}",
    )
    return {
        "template": str(template.uuid),
        "size": facts.virtual_size or written,
        "physical_size": written,
        "store": store.name,
    }
