"""extractTemplate/extractIso: a signed, short-lived HTTP link to the image on secondary
storage, served by :func:`storage.ui.extract.download` (upstream's SSVM answers a
``https://<ssvm>/userdata/<uuid>.<ext>`` link the same way).

The link is a bearer credential: anyone holding it may download the image until it expires
(``EXTRACT_URL_EXPIRATION_S``, default 14400 s as upstream's
``extract.url.expiration.interval``); it names the template only through a signed token
(Django's ``TimestampSigner`` keyed by ``SECRET_KEY``), so it cannot be forged or widened.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.querysets import is_root_admin
from portal.services.audit import record_event
from storage.choices import TemplateState
from storage.downloads import EXTENSIONS
from storage.models import Template

SALT = "storage.extract"
MODES = ("HTTP_DOWNLOAD", "FTP_UPLOAD")


def expiration_s() -> int:
    return int(getattr(settings, "EXTRACT_URL_EXPIRATION_S", 14400))


def file_name(template: Template) -> str:
    return f"{template.uuid}.{EXTENSIONS.get(template.format, 'img')}"


def extract_template(
    template: Template,
    *,
    acting_user,
    mode: str,
    base_url: str,
    zone=None,
    client_ip: str | None = None,
) -> dict:
    """Check that ``template`` may be extracted by ``acting_user`` and answer the download
    link (``url``) and an extract id. Only ``HTTP_DOWNLOAD`` is offered (upstream dropped
    FTP uploads of templates); a template not marked extractable is extracted by root
    admins only, as upstream."""
    kind = "ISO" if template.is_iso else "template"
    if mode not in MODES:
        raise ValidationError({"mode": f"Please specify a valid extract Mode: {', '.join(MODES)}"})
    if mode != "HTTP_DOWNLOAD":
        raise ValidationError({"mode": f"Extract mode {mode} is not supported; use HTTP_DOWNLOAD."})
    if not template.is_extractable and not is_root_admin(acting_user):
        raise ValidationError(
            {"id": f"Unable to extract {kind} id={template.uuid} as it's not extractable"}
        )
    if zone is not None and template.zone_id not in (None, zone.pk):
        raise ValidationError(
            {"zoneid": f"The {kind} {template.uuid} is not available in zone {zone.uuid}"}
        )
    if template.state != TemplateState.READY or not template.install_path:
        raise ValidationError(
            {
                "id": f"The {kind} {template.name} is not on secondary storage (state "
                f"{template.state}); it cannot be extracted."
            }
        )
    extract_id = str(uuid.uuid4())
    token = signing.TimestampSigner(salt=SALT).sign_object(
        {"t": str(template.uuid), "x": extract_id}
    )
    path = reverse("storage:extract_download", kwargs={"token": token, "name": file_name(template)})
    record_event(
        "ISO.EXTRACT" if template.is_iso else "TEMPLATE.EXTRACT",
        acting_user=acting_user,
        resource=template,
        client_ip=client_ip,
        description=f"Download link for {template.name} (extract {extract_id})",
    )
    return {"url": base_url.rstrip("/") + path, "extract_id": extract_id, "zone": zone}


def template_for_token(token: str) -> Template:
    """The template a download token names, if it is valid and not expired."""
    payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=expiration_s())
    return Template.objects.select_related("image_store").get(
        uuid=payload["t"], removed__isnull=True
    )
