"""updateVirtualMachine: names, user data and the HA flag, through
:func:`compute.lifecycle.update.update_instance`."""

from __future__ import annotations

from compute.lifecycle.update import update_instance
from portal.cloudstack.registry import command

from ._common import Param
from .vms import VM, _fresh, _target


@command(
    "updateVirtualMachine",
    "Updates properties of a virtual machine. The VM has to be stopped and started again "
    "for a new name or user data to take effect.",
    params=[
        Param("id", "uuid", required=True, related="listVirtualMachines"),
        Param("displayname", description="user generated name"),
        Param("name", description="new host name of the VM"),
        Param("userdata", length=1048576, description="base64 encoded user data"),
        Param("haenable", "boolean", description="true if high-availability is enabled"),
    ],
    shape=VM,
)
def update_virtual_machine(ctx):
    vm = _target(ctx)
    update_instance(
        vm,
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        display_name=ctx.str("displayname"),
        name=ctx.str("name"),
        user_data=ctx.params.get("userdata"),
        ha_enabled=ctx.bool("haenable") if "haenable" in ctx.params else None,
    )
    return ctx.one(_fresh(vm))
