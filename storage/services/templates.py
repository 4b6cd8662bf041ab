"""Template and ISO services: register from a URL; a ``template.download`` job fetches it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.choices import Hypervisor
from portal.querysets import is_root_admin
from portal.services.base import apply_changes, delete_with_event, save_validated
from portal.services.jobs import create_job
from storage.choices import ImageFormat, TemplateState
from storage.models import Template
from storage.services.urls import check_download_url

#: Disk formats each hypervisor boots.
HYPERVISOR_FORMATS = {
    Hypervisor.KVM: {ImageFormat.QCOW2, ImageFormat.RAW},
    Hypervisor.HYPERV: {ImageFormat.VHD, ImageFormat.VHDX},
    Hypervisor.SIMULATOR: {ImageFormat.QCOW2, ImageFormat.RAW, ImageFormat.VHD, ImageFormat.VHDX},
}
ADMIN_ONLY_FLAGS = ("is_public", "is_featured")


def _check_admin_flags(acting_user, fields: dict, current: Template | None = None) -> None:
    if is_root_admin(acting_user):
        return
    for flag in ADMIN_ONLY_FLAGS:
        if flag in fields and fields[flag] != (getattr(current, flag) if current else False):
            raise ValidationError({flag: "Only administrators can set this flag."})


def _validate(template: Template) -> None:
    if template.is_iso:
        template.format = ImageFormat.ISO
        return
    if template.format == ImageFormat.ISO:
        raise ValidationError({"format": "Register an ISO with is_iso=true."})
    if not template.hypervisor:
        raise ValidationError({"hypervisor": "A template needs a hypervisor."})
    if template.format not in HYPERVISOR_FORMATS.get(template.hypervisor, set()):
        raise ValidationError(
            {"format": f"{template.hypervisor} does not boot {template.format} images."}
        )


def create_template(
    *, acting_user, client_ip: str | None = None, download: bool = True, **fields
) -> Template:
    """Register a template or ISO owned by the actor's account, in state NotUploaded.

    The URL must be http(s) and not point to a private, loopback or link-local address;
    only administrators may make it public or featured. Without a zone it is cross-zone.
    """
    _check_admin_flags(acting_user, fields)
    if fields.get("hypervisor") == Hypervisor.EXTERNAL and not fields.get("is_iso"):
        from storage.services.external_templates import create_external_template

        return create_external_template(acting_user=acting_user, client_ip=client_ip, fields=fields)
    if fields.pop("external_details", None) or fields.pop("extension", None):
        raise ValidationError({"externaldetails": "Only External templates take them."})
    fields["url"] = check_download_url(fields.get("url", ""))
    fields.setdefault("account", acting_user.account)
    template = Template(state=TemplateState.NOT_UPLOADED, **fields)
    _validate(template)
    with transaction.atomic():
        save_validated(
            template,
            event_type="ISO.CREATE" if template.is_iso else "TEMPLATE.CREATE",
            acting_user=acting_user,
            client_ip=client_ip,
        )
        template.download_job = (
            create_job("template.download", acting_user=acting_user, resource=template)
            if download
            else None
        )
    return template


def update_template(
    template: Template, *, acting_user, client_ip: str | None = None, **changes
) -> Template:
    """Edit a template's names, flags or OS type (its URL and owner are fixed)."""
    _check_admin_flags(acting_user, changes, template)
    for fixed in ("url", "account", "is_iso", "zone"):
        if fixed in changes and changes[fixed] != getattr(template, fixed):
            raise ValidationError({fixed: "Cannot be changed after registration."})
    template = apply_changes(template, changes)
    _validate(template)
    return save_validated(
        template,
        event_type="ISO.UPDATE" if template.is_iso else "TEMPLATE.UPDATE",
        acting_user=acting_user,
        client_ip=client_ip,
    )


def delete_template(template: Template, *, acting_user, client_ip: str | None = None) -> None:
    """Delete a template no instance or volume was created from."""
    delete_with_event(
        template,
        event_type="ISO.DELETE" if template.is_iso else "TEMPLATE.DELETE",
        acting_user=acting_user,
        client_ip=client_ip,
    )
