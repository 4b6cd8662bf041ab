"""listSystemVms and listRouters. This cloud runs no system VMs and no virtual routers
(every zone is QuickCloud-style: the hosts' agents enforce network rules and the
management server serves consoles and templates), so both lists are empty; their
parameters are still checked as upstream checks them (a malformed or unknown id is 431)."""

from __future__ import annotations

from compute.models import Cluster, Host, Pod, Zone
from networking.models import Network
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command
from portal.models import Domain, Project

from ._common import Param, fields
from ._common import Shape as _Shape

SYSTEM_VM_TYPES = ("consoleproxy", "secondarystoragevm")

SYSTEM_VM = _Shape(
    "systemvm",
    fields(
        "id systemvmtype zoneid zonename dns1 dns2 networkdomain gateway name podid podname "
        "hostid hostname hostcontrolstate hypervisor privateip privatemacaddress privatenetmask "
        "linklocalip linklocalmacaddress linklocalnetmask publicip publicmacaddress "
        "publicnetmask templateid templatename created state agentstate activeviewersessions "
        "guestvlan publicvlan disconnected version isdynamicallyscalable serviceofferingid "
        "serviceofferingname arch hasannotations",
        created="date",
        disconnected="date",
        activeviewersessions="integer",
        isdynamicallyscalable="boolean",
        hasannotations="boolean",
    ),
    lambda obj, ctx: {},
)
ROUTER = _Shape(
    "router",
    fields(
        "id zoneid zonename dns1 dns2 ip6dns1 ip6dns2 networkdomain gateway name podid podname "
        "hostid hostname hostcontrolstate hypervisor linklocalip linklocalmacaddress "
        "linklocalnetmask linklocalnetworkid publicip publicmacaddress publicnetmask "
        "publicnetworkid guestipaddress guestmacaddress guestnetmask guestnetworkid "
        "guestnetworkname templateid templatename created state account projectid project "
        "domainid domain domainpath serviceofferingid serviceofferingname isredundantrouter "
        "redundantstate version scriptsversion vpcid vpcname role nic requiresupgrade "
        "healthchecksfailed healthcheckresults softwareversion arch hasannotations",
        created="date",
        isredundantrouter="boolean",
        requiresupgrade="boolean",
        healthchecksfailed="boolean",
        nic="set",
        healthcheckresults="list",
        hasannotations="boolean",
    ),
    lambda obj, ctx: {},
)


def _no_such(ctx, name: str) -> None:
    """An ``id``-like parameter naming a system VM, router or VPC: none exist, so a valid
    UUID is "entity does not exist" (431), as upstream's UUID lookup answers."""
    if ctx.has(name):
        ctx.by_uuid(Network, ctx.str(name), name=name, queryset=Network.objects.none())


def _filters(ctx, *names: str) -> None:
    """Free-text and boolean filters: every one holds for the empty list, so they only
    need to be well-formed strings (nothing to check)."""
    for name in names:
        ctx.str(name)


def _check_common(ctx) -> None:
    for name, model in (("zoneid", Zone), ("podid", Pod), ("hostid", Host)):
        ctx.get(model, name)
    arch = ctx.str("arch")
    if arch is not None and arch not in ("x86_64", "aarch64"):
        raise param_error(f"Invalid parameter arch value={arch}: use x86_64 or aarch64")


@command(
    "listSystemVms",
    "List system virtual machines (none: this cloud runs no system VMs).",
    params=[
        Param("id", "uuid", related="listSystemVms"),
        Param("hostid", "uuid", related="listHosts"),
        Param("name"),
        Param("podid", "uuid", related="listPods"),
        Param("state"),
        Param("systemvmtype", description="consoleproxy or secondarystoragevm"),
        Param("zoneid", "uuid", related="listZones"),
        Param("storageid", "uuid", related="listStoragePools"),
        Param("arch"),
    ],
    shape=SYSTEM_VM,
    is_list=True,
)
def list_system_vms(ctx):
    from storage.models import StoragePool

    _check_common(ctx)
    ctx.get(StoragePool, "storageid")
    kind = ctx.str("systemvmtype")
    if kind is not None and kind.lower() not in SYSTEM_VM_TYPES:
        raise param_error(f"Invalid parameter systemvmtype value={kind}")
    _filters(ctx, "name", "state")
    _no_such(ctx, "id")
    return ctx.listing([])


@command(
    "listRouters",
    "List routers (none: networks here need no virtual router).",
    params=[
        Param("id", "uuid", related="listRouters"),
        Param("hostid", "uuid", related="listHosts"),
        Param("name"),
        Param("podid", "uuid", related="listPods"),
        Param("state"),
        Param("zoneid", "uuid", related="listZones"),
        Param("clusterid", "uuid", related="listClusters"),
        Param("networkid", "uuid", related="listNetworks"),
        Param("vpcid", "uuid", related="listVPCs"),
        Param("forvpc", "boolean"),
        Param("version"),
        Param("healthchecksfailed", "boolean"),
        Param("fetchhealthcheckresults", "boolean"),
        Param("arch"),
    ],
    shape=ROUTER,
    is_list=True,
    owned=True,
)
def list_routers(ctx):
    _check_common(ctx)
    ctx.get(Cluster, "clusterid")
    ctx.get(Network, "networkid")
    ctx.get(Domain, "domainid")
    if ctx.str("projectid") != "-1":
        ctx.get(Project, "projectid")
    _filters(ctx, "name", "state", "version", "account", "listall", "isrecursive")
    _filters(ctx, "forvpc", "healthchecksfailed", "fetchhealthcheckresults")
    _no_such(ctx, "id")
    _no_such(ctx, "vpcid")
    return ctx.listing([])
