"""Tags and details go with their resource: when a taggable or detailed row is deleted, its
``ResourceTag`` and ``ResourceDetail`` rows (found by UUID, no foreign key) are deleted too.
Connected in ``PortalConfig.ready``."""

from __future__ import annotations

from django.db.models.signals import post_delete

#: app_label.ModelName of the resources that carry tags or details and are hard-deleted.
MODELS = (
    "networking.Network",
    "networking.FirewallRule",
    "networking.PortForwardingRule",
    "networking.SecurityGroup",
    "compute.SSHKeyPair",
    "compute.Zone",
    "compute.Cluster",
    "compute.Host",
    "compute.Instance",
    "storage.Snapshot",
    "storage.Volume",
    "storage.Template",
    "storage.StoragePool",
    "portal.Project",
)


def _forget(sender, instance, **kwargs) -> None:
    from portal.models import ResourceDetail, ResourceTag

    key = getattr(instance, "uuid", None)
    if key is not None:
        ResourceTag.objects.filter(resource_uuid=key).delete()
        ResourceDetail.objects.filter(resource_uuid=key).delete()


def connect() -> None:
    from django.apps import apps

    for label in MODELS:
        post_delete.connect(
            _forget, sender=apps.get_model(label), dispatch_uid=f"forget-tags-{label}"
        )
