"""Host HA (CloudStack's ``*HAFor*`` and ``listHostHA*`` commands)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from compute.ha import config as _keys  # noqa: F401  (declares the kvm.ha.* settings)
from compute.ha import services
from compute.models import Cluster, Host, Zone
from compute.models.ha import Alert, HostHAConfig
from portal.cloudstack.asyncjobs import answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command

from ._common import Param, cs_date, shape, uid

HOST_ID = Param("hostid", "uuid", required=True, related="listHosts")
CLUSTER_ID = Param("clusterid", "uuid", required=True, related="listClusters")
ZONE_ID = Param("zoneid", "uuid", required=True, related="listZones")


@shape(
    "hostha",
    "hostid haenable hastate haprovider status",
    haenable="boolean",
    status="boolean",
)
def HOST_HA(cfg, ctx):
    return {
        "hostid": uid(cfg.host),
        "haenable": cfg.enabled,
        "hastate": cfg.state,
        "haprovider": cfg.provider,
        "status": True,
    }


@shape("haprovider", "haprovider")
def PROVIDER(name, ctx):
    return {"haprovider": name}


def _host_job(ctx, cfg) -> dict:
    return answer(completed_job(ctx, cfg))


@command(
    "configureHAForHost",
    "Configures HA for a host",
    params=[HOST_ID, Param("provider", required=True, description="HA provider")],
    shape=HOST_HA,
    isasync=True,
)
def configure(ctx):
    host = ctx.get(Host, "hostid", action="change", required=True)
    cfg = services.configure_host_ha(
        host, ctx.str("provider"), acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return _host_job(ctx, cfg)


def _set_host(ctx, enabled: bool) -> dict:
    host = ctx.get(Host, "hostid", action="change", required=True)
    cfg = services.set_host_ha(host, enabled, acting_user=ctx.user, client_ip=ctx.client_ip)
    return _host_job(ctx, cfg)


@command("enableHAForHost", "Enables HA for a host", params=[HOST_ID], shape=HOST_HA, isasync=True)
def enable_host(ctx):
    return _set_host(ctx, True)


@command(
    "disableHAForHost", "Disables HA for a host", params=[HOST_ID], shape=HOST_HA, isasync=True
)
def disable_host(ctx):
    return _set_host(ctx, False)


def _set_scope(ctx, model, param: str, enabled: bool) -> dict:
    scope = ctx.get(model, param, action="change", required=True)
    services.set_scope_ha(scope, enabled, acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(completed_job(ctx, scope, success_only=True))


@command("enableHAForCluster", "Enables HA cluster-wide", params=[CLUSTER_ID], isasync=True)
def enable_cluster(ctx):
    return _set_scope(ctx, Cluster, "clusterid", True)


@command("disableHAForCluster", "Disables HA cluster-wide", params=[CLUSTER_ID], isasync=True)
def disable_cluster(ctx):
    return _set_scope(ctx, Cluster, "clusterid", False)


@command("enableHAForZone", "Enables HA for a zone", params=[ZONE_ID], isasync=True)
def enable_zone(ctx):
    return _set_scope(ctx, Zone, "zoneid", True)


@command("disableHAForZone", "Disables HA for a zone", params=[ZONE_ID], isasync=True)
def disable_zone(ctx):
    return _set_scope(ctx, Zone, "zoneid", False)


@command(
    "listHostHAProviders",
    "Lists HA providers",
    params=[Param("hypervisor", required=True, description="Hypervisor type")],
    shape=PROVIDER,
    is_list=True,
)
def list_providers(ctx):
    hypervisor = ctx.str("hypervisor")
    found = services.providers_for(hypervisor)
    if not found:
        raise param_error(f"No HA provider is available for hypervisor {hypervisor}")
    return ctx.listing(found)


@command(
    "listHostHAResources",
    "Lists host HA resources",
    params=[Param("hostid", "uuid", related="listHosts")],
    shape=HOST_HA,
    is_list=True,
)
def list_resources(ctx):
    hosts = Host.objects.restrict(ctx.user, "change")
    configs = HostHAConfig.objects.select_related("host").filter(host__in=hosts)
    if ctx.has("hostid"):
        configs = configs.filter(host=ctx.get(Host, "hostid", action="change", required=True))
    return ctx.listing(configs.order_by("host__name"))


# Upstream's AlertManager.AlertType for the alerts raised here: (type, name).
ALERT_TYPES = {"ALERT_TYPE_HA_ACTION": ("30", "ALERT.HA.ACTION")}


@shape("alert", "id type name description sent")
def ALERT(alert, ctx):
    code, name = ALERT_TYPES.get(alert.alert_type, ("", alert.alert_type))
    return {
        "id": uid(alert),
        "type": code,
        "name": name,
        "description": f"{alert.name}: {alert.description}",
        "sent": cs_date(alert.created),
    }


@command(
    "listAlerts",
    "Lists all alerts.",
    params=[
        Param("id", "uuid", description="the ID of the alert"),
        Param("type", description="list by alert type"),
        Param("name", description="list by alert name"),
    ],
    shape=ALERT,
    is_list=True,
)
def list_alerts(ctx):
    if not ctx.is_root:
        raise PermissionDenied("Only root administrators may list alerts.")
    alerts = Alert.objects.order_by("-created", "-pk")
    if ctx.has("id"):
        alerts = alerts.filter(uuid=ctx.str("id"))
    for param, index in (("type", 0), ("name", 1)):
        if ctx.has(param):
            kinds = [k for k, v in ALERT_TYPES.items() if v[index] == ctx.str(param)]
            alerts = alerts.filter(alert_type__in=kinds)
    if ctx.has("keyword"):
        ctx.keyword_applied = True
        word = ctx.str("keyword")
        alerts = alerts.filter(Q(name__icontains=word) | Q(description__icontains=word))
    return ctx.listing(alerts)


register_result(
    "HostHAConfig", lambda: HostHAConfig.objects.select_related("host"), HOST_HA, "Host"
)
