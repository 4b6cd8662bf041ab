"""restoreVirtualMachine: reinstall the root disk from the instance's template (or another
one), through :func:`compute.lifecycle.restore.restore_instance`."""

from __future__ import annotations

from compute.lifecycle.restore import restore_instance
from portal.cloudstack.asyncjobs import answer
from portal.cloudstack.registry import command
from storage.models import Template

from ._common import Param
from .vms import VM, _target


@command(
    "restoreVirtualMachine",
    "Restore a VM to original template/ISO or new template/ISO",
    params=[
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("templateid", "uuid", related="listTemplates", description="the template to use"),
    ],
    shape=VM,
    isasync=True,
    response_name="restorevmresponse",
)
def restore_virtual_machine(ctx):
    vm = _target(ctx, "virtualmachineid")
    template = ctx.get(Template, "templateid")
    job = restore_instance(vm, acting_user=ctx.user, template=template, client_ip=ctx.client_ip)
    return answer(job)
