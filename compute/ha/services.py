"""Host HA mutations (configureHAForHost, enable/disable for a host, cluster or zone): one
service function each, used by ``/client/api`` (and any other front end)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from compute.models import Cluster, Host, OutOfBandManagement, Zone
from compute.models.ha import HAState, HostHAConfig, ResourceHASwitch
from portal.services.audit import record_event

# CloudStack's HA providers per hypervisor (listHostHAProviders).
PROVIDERS = {"kvm": ["kvmhaprovider"], "simulator": ["simulatorhaprovider"]}


def providers_for(hypervisor: str) -> list[str]:
    """The HA providers that can look after hosts of ``hypervisor``."""
    return PROVIDERS.get((hypervisor or "").lower(), [])


def configure_host_ha(
    host: Host, provider: str, *, acting_user, client_ip: str | None = None
) -> HostHAConfig:
    """Set the host's HA provider (created disabled, as upstream)."""
    provider = (provider or "").strip().lower()
    if provider not in providers_for(host.hypervisor):
        choices = ", ".join(providers_for(host.hypervisor)) or "none"
        raise ValidationError(
            {
                "provider": f"Invalid HA provider {provider or '(empty)'} for host {host.name} "
                f"(hypervisor {host.hypervisor}); available: {choices}."
            }
        )
    with transaction.atomic():
        cfg, created = HostHAConfig.objects.select_for_update().get_or_create(
            host=host, defaults={"provider": provider, "state_changed": timezone.now()}
        )
        if not created and cfg.provider != provider:
            cfg.provider = provider
            cfg.save(update_fields=["provider", "updated"])
        record_event(
            "HA.RESOURCE.CONFIGURE",
            acting_user=acting_user,
            resource=host,
            client_ip=client_ip,
            description=f"HA of host {host.name} configured with provider {provider}",
        )
    return cfg


def _check_can_enable(host: Host) -> None:
    switch = ResourceHASwitch.objects.filter(enabled=False)
    if switch.filter(cluster_id=host.cluster_id).exists():
        raise ValidationError(
            {
                "hostid": f"HA is disabled for cluster {host.cluster.name} of host {host.name}; "
                "enable it with enableHAForCluster first."
            }
        )
    if switch.filter(zone_id=host.zone_id).exists():
        raise ValidationError(
            {
                "hostid": f"HA is disabled for zone {host.zone.name} of host {host.name}; "
                "enable it with enableHAForZone first."
            }
        )
    oobm = OutOfBandManagement.objects.filter(host=host).first()
    if oobm is None or not oobm.enabled:
        raise ValidationError(
            {
                "hostid": f"Out-of-band management is not configured or not enabled for host "
                f"{host.name}: HA needs it to fence the host."
            }
        )


def set_host_ha(
    host: Host, enabled: bool, *, acting_user, client_ip: str | None = None
) -> HostHAConfig:
    """Enable or disable HA of a configured host. Enabling needs out-of-band management and
    HA switched on for the host's cluster and zone."""
    with transaction.atomic():
        cfg = HostHAConfig.objects.select_for_update().filter(host=host).first()
        if cfg is None:
            raise ValidationError(
                {"hostid": f"HA is not configured for host {host.name}; use configureHAForHost."}
            )
        if enabled:
            _check_can_enable(host)
        cfg.enabled = enabled
        fields = ["enabled", "updated"]
        if not enabled or cfg.state == HAState.DISABLED:
            cfg.state = HAState.DISABLED if not enabled else HAState.AVAILABLE
            cfg.state_changed = timezone.now()
            fields += ["state", "state_changed"]
        cfg.save(update_fields=fields)
        record_event(
            "HA.RESOURCE.ENABLE" if enabled else "HA.RESOURCE.DISABLE",
            acting_user=acting_user,
            resource=host,
            client_ip=client_ip,
            description=f"HA {'enabled' if enabled else 'disabled'} for host {host.name}",
        )
    return cfg


def set_scope_ha(
    scope: Cluster | Zone, enabled: bool, *, acting_user, client_ip: str | None = None
) -> ResourceHASwitch:
    """Switch HA on or off for every host of a cluster or zone (their own HA settings are
    kept; the state machine shows them Disabled while it is off)."""
    field = "cluster" if isinstance(scope, Cluster) else "zone"
    with transaction.atomic():
        switch, _ = ResourceHASwitch.objects.select_for_update().get_or_create(**{field: scope})
        switch.enabled = enabled
        switch.save(update_fields=["enabled", "updated"])
        record_event(
            f"HA.RESOURCE.{'ENABLE' if enabled else 'DISABLE'}",
            acting_user=acting_user,
            resource=scope,
            client_ip=client_ip,
            description=f"HA {'enabled' if enabled else 'disabled'} for {field} {scope.name}",
        )
    return switch
