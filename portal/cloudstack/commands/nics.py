"""listNics (an instance's network interfaces, as listVirtualMachines' ``nic`` shows them),
addNicToVirtualMachine, removeNicFromVirtualMachine and updateDefaultNicForVirtualMachine
(the rules live in :mod:`networking.services.nics`)."""

from __future__ import annotations

from compute.models import Instance
from networking.models import Network, Nic
from networking.services import nics as nic_services
from portal.cloudstack.asyncjobs import answer, completed_job
from portal.cloudstack.registry import Field, command

from ._common import Param, Shape, uid
from .vms import NIC_FIELDS, VM, _nic, _target, vm_queryset

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


_VM_NIC = [
    Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
    Param("nicid", "uuid", required=True, related="listNics"),
]


def _nic_of(ctx, vm) -> Nic:
    qs = Nic.objects.filter(instance=vm).select_related("network")
    return ctx.by_uuid(Nic, ctx.str("nicid", required=True), name="nicid", queryset=qs)


def _vm_answer(ctx, vm):
    vm = vm_queryset().get(pk=vm.pk)
    return answer(completed_job(ctx, vm), vm)


@command(
    "addNicToVirtualMachine",
    "Adds VM to specified network by creating a NIC",
    params=[
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("networkid", "uuid", required=True, related="listNetworks"),
        Param("ipaddress", description="the IP for the NIC (default: the next free one)"),
        Param("macaddress", description="the MAC for the NIC (default: a generated one)"),
    ],
    shape=VM,
    isasync=True,
)
def add_nic_to_virtual_machine(ctx):
    vm = _target(ctx, "virtualmachineid")
    network = ctx.get(Network, "networkid", required=True)
    nic_services.add_nic(
        vm,
        network,
        acting_user=ctx.user,
        ip_address=ctx.str("ipaddress"),
        mac_address=ctx.str("macaddress"),
        client_ip=ctx.client_ip,
    )
    return _vm_answer(ctx, vm)


@command(
    "removeNicFromVirtualMachine",
    "Removes VM from specified network by deleting a NIC",
    params=_VM_NIC,
    shape=VM,
    isasync=True,
)
def remove_nic_from_virtual_machine(ctx):
    vm = _target(ctx, "virtualmachineid")
    nic_services.remove_nic(vm, _nic_of(ctx, vm), acting_user=ctx.user, client_ip=ctx.client_ip)
    return _vm_answer(ctx, vm)


@command(
    "updateDefaultNicForVirtualMachine",
    "Changes the default NIC on a VM",
    params=_VM_NIC,
    shape=VM,
    isasync=True,
)
def update_default_nic_for_virtual_machine(ctx):
    vm = _target(ctx, "virtualmachineid")
    nic_services.set_default_nic(
        vm, _nic_of(ctx, vm), acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return _vm_answer(ctx, vm)
