"""Templates of hypervisor type External: nothing to download.

The image lives with the orchestrator the extension drives (a Proxmox template id, a VHD
path on a Hyper-V host, ...). ``registerTemplate hypervisor=External`` stores the template's
``externaldetails`` (with CloudStack's ``External:`` prefix in the template details) and,
optionally, the extension it belongs to; the template is Ready at once and its URL is
never fetched. The details reach the extension as ``externaldetails.virtualmachine``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.services.base import save_validated
from storage.choices import ImageFormat, TemplateState
from storage.models import Template

PREFIX = "External:"
EXTENSION_KEY = "extensionid"


def template_external_details(template: Template | None) -> dict[str, str]:
    """The template's externaldetails, prefix stripped."""
    details = (template.details or {}) if template is not None else {}
    return {k[len(PREFIX) :]: v for k, v in details.items() if k.startswith(PREFIX)}


def template_extension(template: Template):
    """The extension a template was registered for, if any."""
    from marketplace.models import Extension

    uuid = (template.details or {}).get(EXTENSION_KEY)
    return Extension.objects.filter(uuid=uuid).first() if uuid else None


def create_external_template(
    *, acting_user, client_ip: str | None = None, fields: dict[str, Any]
) -> Template:
    """Register a Ready External template (no download job; ``download_job`` is None)."""
    from compute.services.external import check_details
    from marketplace.choices import ExtensionType

    details = check_details(fields.pop("external_details", None))
    extension = fields.pop("extension", None)
    if extension is not None and extension.type != ExtensionType.ORCHESTRATOR:
        raise ValidationError({"extensionid": "Only Orchestrator extensions run templates."})
    fields["url"] = (fields.get("url") or "").strip()[:2048]
    fields.setdefault("account", acting_user.account)
    fields["format"] = fields.get("format") or ImageFormat.RAW
    if fields["format"] not in ImageFormat.values or fields["format"] == ImageFormat.ISO:
        raise ValidationError({"format": f"Unknown template format {fields['format']!r}."})
    boot = {k: v for k, v in (fields.pop("details", None) or {}).items()}
    boot.update({f"{PREFIX}{k}": v for k, v in details.items()})
    if extension is not None:
        boot[EXTENSION_KEY] = str(extension.uuid)
    template = Template(state=TemplateState.READY, download_percent=100, details=boot, **fields)
    with transaction.atomic():
        save_validated(
            template, event_type="TEMPLATE.CREATE", acting_user=acting_user, client_ip=client_ip
        )
    template.download_job = None
    return template
