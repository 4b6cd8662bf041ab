"""Image store (secondary storage) services."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from compute.services._common import check_immutable, check_unique
from portal.services.base import apply_changes, delete_with_event, save_validated
from storage.choices import ImageStoreProtocol
from storage.models import ImageStore
from storage.services.urls import parse_storage_url

STORE_SCHEMES = ("nfs", "cifs", "smb")


def create_image_store(*, acting_user, client_ip: str | None = None, **fields) -> ImageStore:
    """Add secondary storage from ``nfs://server/path`` or
    ``cifs://server/share?user=U&password=P&domain=D``. The stored URL carries no
    credentials; the password is encrypted. Without a zone the store is region-wide. Without a
    name the store is named after its URL without credentials."""
    parsed = parse_storage_url(fields.pop("url", ""), allowed=STORE_SCHEMES)
    if not fields.get("name"):
        fields["name"] = parsed.clean_url[:255]
    cifs = parsed.scheme in ("cifs", "smb")
    if cifs and not parsed.credentials.get("username"):
        raise ValidationError({"url": "A CIFS store needs ?user=...&password=... in its URL."})
    store = ImageStore(
        protocol=ImageStoreProtocol.CIFS if cifs else ImageStoreProtocol.NFS,
        provider="SMB" if cifs else "NFS",
        url=parsed.clean_url,
        server=parsed.server,
        path=parsed.path,
        username=parsed.credentials.get("username", ""),
        password=parsed.credentials.get("password", ""),
        smb_domain=parsed.credentials.get("domain", ""),
        **fields,
    )
    check_unique(ImageStore.objects.all(), "name", store.name)
    return save_validated(
        store, event_type="IMAGE.STORE.ADD", acting_user=acting_user, client_ip=client_ip
    )


def update_image_store(
    store: ImageStore, *, acting_user, client_ip: str | None = None, **changes
) -> ImageStore:
    """Rename a store or make it read-only (its URL and zone are fixed)."""
    check_immutable(store, changes, ("zone", "url"))
    store = apply_changes(store, changes)
    check_unique(ImageStore.objects.all(), "name", store.name, exclude_pk=store.pk)
    return save_validated(
        store, event_type="IMAGE.STORE.EDIT", acting_user=acting_user, client_ip=client_ip
    )


def delete_image_store(store: ImageStore, *, acting_user, client_ip: str | None = None) -> None:
    """Delete a store that holds no templates."""
    if store.templates.exists():
        raise ValidationError("The image store still holds templates.")
    delete_with_event(
        store, event_type="IMAGE.STORE.DELETE", acting_user=acting_user, client_ip=client_ip
    )
