"""Catalog services: add, change, remove and refresh catalogs; resolve installable versions."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from marketplace import sources
from marketplace.choices import CatalogKind, PackageKind
from marketplace.models import Catalog, CatalogItem
from marketplace.version import is_compatible, version_key
from portal.services.audit import record_event
from portal.services.base import apply_changes, delete_with_event, save_validated

PLUGIN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")


def _check(catalog: Catalog) -> None:
    if catalog.kind == CatalogKind.GIT and not catalog.ref:
        raise ValidationError({"ref": "A git catalog needs a pinned commit."})
    if catalog.kind == CatalogKind.HTTP and not re.match(r"^https?://", catalog.url):
        raise ValidationError({"url": "An HTTP catalog needs an http:// or https:// URL."})
    if ".." in catalog.index_path.split("/"):
        raise ValidationError({"index_path": "The index path must stay inside the catalog."})


def create_catalog(*, acting_user, client_ip: str | None = None, **fields: Any) -> Catalog:
    """Add a catalog (its items are read by :func:`refresh_catalog`)."""
    catalog = Catalog(**fields)
    _check(catalog)
    return save_validated(
        catalog, event_type="CATALOG.CREATE", acting_user=acting_user, client_ip=client_ip
    )


def update_catalog(
    catalog: Catalog, *, acting_user, client_ip: str | None = None, **changes: Any
) -> Catalog:
    apply_changes(catalog, changes)
    _check(catalog)
    return save_validated(
        catalog, event_type="CATALOG.EDIT", acting_user=acting_user, client_ip=client_ip
    )


def delete_catalog(catalog: Catalog, *, acting_user, client_ip: str | None = None) -> None:
    delete_with_event(
        catalog, event_type="CATALOG.DELETE", acting_user=acting_user, client_ip=client_ip
    )


def _item_rows(catalog: Catalog, index: dict[str, Any]) -> list[CatalogItem]:
    rows, problems = [], []
    for item in index["items"]:
        if not isinstance(item, dict):
            problems.append("an item is not an object")
            continue
        plugin_id = str(item.get("id", ""))
        if not PLUGIN_ID_RE.match(plugin_id):
            problems.append(f"bad item id {plugin_id!r}")
            continue
        kind = item.get("kind", PackageKind.DJANGO_APP)
        if kind not in PackageKind.values:
            problems.append(f"{plugin_id}: unknown kind {kind!r}")
            continue
        for entry in item.get("versions", []):
            sha, size = str(entry.get("sha256", "")), entry.get("size")
            if not SHA256_RE.match(sha) or not isinstance(size, int) or size <= 0:
                problems.append(f"{plugin_id} {entry.get('version')}: sha256 and size are required")
                continue
            rows.append(
                CatalogItem(
                    catalog=catalog,
                    plugin_id=plugin_id,
                    version=str(entry.get("version", "")),
                    kind=kind,
                    name=str(item.get("name", plugin_id))[:200],
                    summary=str(item.get("summary", ""))[:300],
                    description=str(item.get("description", "")),
                    author=str(item.get("author", ""))[:200],
                    homepage=str(item.get("homepage", ""))[:300],
                    license=str(item.get("license", ""))[:100],
                    usage=str(item.get("usage", "")),
                    changelog=str(entry.get("changelog", "")),
                    artifact=str(entry.get("artifact", "")),
                    sha256=sha.lower(),
                    size=size,
                    min_portal_version=str(entry.get("min_portal_version", "")),
                    max_portal_version=str(entry.get("max_portal_version", "")),
                    metadata=entry.get("metadata", {})
                    | {"extension_points": item.get("extension_points", [])},
                )
            )
    if problems:
        raise sources.SourceError("invalid index: " + "; ".join(problems[:10]))
    return rows


def refresh_catalog(catalog: Catalog, *, acting_user=None, client_ip: str | None = None) -> Catalog:
    """Read the catalog's index and replace its cached items; errors are stored and raised
    as a validation error (the previous items stay)."""
    try:
        rows = _item_rows(catalog, sources.read_index(catalog))
    except sources.SourceError as exc:
        Catalog.objects.filter(pk=catalog.pk).update(last_error=str(exc))
        catalog.last_error = str(exc)
        raise ValidationError({"url": str(exc)}) from exc
    with transaction.atomic():
        catalog.items.all().delete()
        CatalogItem.objects.bulk_create(rows)
        catalog.last_fetched, catalog.last_error = timezone.now(), ""
        catalog.save(update_fields=["last_fetched", "last_error", "updated"])
        record_event(
            "CATALOG.REFRESH", acting_user=acting_user, resource=catalog, client_ip=client_ip
        )
    return catalog


def resolve_item(plugin_id: str, version: str = "", catalog: Catalog | None = None) -> CatalogItem:
    """The item to install: that version, or the newest compatible one. An incompatible
    version is listed by the catalog but refused here."""
    items = CatalogItem.objects.filter(plugin_id=plugin_id, catalog__enabled=True).select_related(
        "catalog"
    )
    if catalog is not None:
        items = items.filter(catalog=catalog)
    if version:
        items = items.filter(version=version)
    items = sorted(items, key=lambda i: version_key(i.version), reverse=True)
    if not items:
        raise ValidationError(
            {"plugin_id": f"{plugin_id} {version} is not in any enabled catalog."}
        )
    compatible = [i for i in items if is_compatible(i.min_portal_version, i.max_portal_version)]
    if not compatible:
        from marketplace.version import compatibility_error

        reason = compatibility_error(items[0].min_portal_version, items[0].max_portal_version)
        raise ValidationError(
            {"version": f"{plugin_id} {items[0].version} is incompatible: {reason}."}
        )
    return compatible[0]
