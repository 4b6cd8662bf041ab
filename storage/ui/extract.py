"""The download behind extractTemplate/extractIso links: no session, the signed token in
the URL is the credential (see :mod:`storage.services.extract`)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_safe

from storage.models import Template
from storage.services.extract import file_name, template_for_token


def open_image(template: Template):
    """A binary file object of the image on its store (an NFS store's local mount, or the
    SMB share through smbprotocol)."""
    store = template.image_store
    if store is not None and store.protocol == "cifs":
        import smbclient

        host, _, port = store.server.partition(":")
        smbclient.register_session(
            host, username=store.username, password=store.password, port=int(port or 445)
        )
        return smbclient.open_file(template.install_path, mode="rb")
    root = Path(settings.IMAGE_STORE_MOUNT_ROOT).resolve()
    path = Path(template.install_path).resolve()
    if root not in path.parents:
        raise Http404("The image is not on secondary storage.")
    return open(path, "rb")  # noqa: SIM115 - FileResponse closes it


@require_safe
def download(request, token: str, name: str):
    """Stream the image; 410 once the link expired, 404 for a forged or foreign one."""
    try:
        template = template_for_token(token)
    except signing.SignatureExpired:
        return HttpResponse(
            "This download link has expired.", status=410, content_type="text/plain"
        )
    except (signing.BadSignature, Template.DoesNotExist, KeyError, TypeError) as exc:
        raise Http404("No such download.") from exc
    if name != file_name(template):
        raise Http404("No such download.")
    try:
        handle = open_image(template)
    except OSError as exc:
        raise Http404("The image is not available on secondary storage.") from exc
    return FileResponse(handle, as_attachment=True, filename=name)
