"""listNics: an instance's network interfaces, as listVirtualMachines' ``nic`` shows them."""

from __future__ import annotations

from compute.models import Instance
from networking.models import Network, Nic
from portal.cloudstack.registry import Field, command

from ._common import Param, Shape, uid
from .vms import NIC_FIELDS, _nic

NIC = Shape(
    "nic",
    NIC_FIELDS + (Field("virtualmachineid"), Field("secondaryip", "set")),
    lambda nic, ctx: {**_nic(nic), "virtualmachineid": uid(nic.instance), "secondaryip": []},
)


@command(
    "listNics",
    "list the vm nics  IP to NIC",
    params=[
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("nicid", "uuid", related="listNics"),
        Param("networkid", "uuid", related="listNetworks"),
        Param("fordisplay", "boolean", description="every NIC is displayed: false lists none"),
    ],
    shape=NIC,
    is_list=True,
)
def list_nics(ctx):
    vm = ctx.get(Instance, "virtualmachineid", required=True)
    qs = Nic.objects.filter(instance=vm).select_related("network", "instance")
    if ctx.has("nicid"):
        qs = qs.filter(uuid=ctx.by_uuid(Nic, ctx.str("nicid"), name="nicid", queryset=qs).uuid)
    if ctx.has("networkid"):
        qs = qs.filter(network=ctx.get(Network, "networkid"))
    if "fordisplay" in ctx.params and not ctx.bool("fordisplay"):
        qs = qs.none()
    return ctx.listing(ctx.keyword(qs, "ip_address", "mac_address").order_by("device_id"))
