"""Affinity groups: create, list, delete, the types, and an instance's groups."""

from __future__ import annotations

from compute.models import AffinityGroup, AffinityGroupType, Instance
from compute.services import affinity as services
from portal.cloudstack.asyncjobs import answer, completed_job, finished_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command

from ._common import Param, owner, shape, uid
from .vms import VM, _owner_account, _target

SPEC = (
    "id name description account domainid domain domainpath projectid project type "
    "virtualmachineIds dedicatedresources"
)


@shape("affinitygroup", SPEC)
def AFFINITY_GROUP(group, ctx):  # noqa: N802  (a Shape, named like the others)
    return {
        "id": uid(group),
        "name": group.name,
        "description": group.description or None,
        "type": group.group_type,
        "virtualmachineIds": [str(u) for u in group.instances.values_list("uuid", flat=True)],
        **owner(group),
    }


def group_queryset():
    return AffinityGroup.objects.select_related("account__domain")


register_result("AffinityGroup", group_queryset, AFFINITY_GROUP, "AffinityGroup")

OWNER = [Param("account"), Param("domainid", "uuid", related="listDomains")]


def _no_project(ctx) -> None:
    if ctx.has("projectid"):
        raise param_error("projectid: affinity groups of projects are not supported")


@shape("affinityGroupType", "type")
def GROUP_TYPE(group_type, ctx):  # noqa: N802
    return {"type": group_type}


@command(
    "listAffinityGroupTypes",
    "Lists affinity group types available",
    shape=GROUP_TYPE,
    is_list=True,
)
def list_affinity_group_types(ctx):
    return ctx.listing([t.value for t in AffinityGroupType])


@command(
    "listAffinityGroups",
    "Lists affinity groups",
    params=[
        Param("id", "uuid", related="listAffinityGroups"),
        Param("name"),
        Param("type"),
        Param("virtualmachineid", "uuid", related="listVirtualMachines"),
    ],
    shape=AFFINITY_GROUP,
    is_list=True,
    owned=True,
)
def list_affinity_groups(ctx):
    _no_project(ctx)
    qs = group_queryset().restrict(ctx.user, "view")
    qs = ctx.owned(qs, project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(AffinityGroup, "id").pk)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("type"):
        qs = qs.filter(group_type=ctx.str("type"))
    if ctx.has("virtualmachineid"):
        qs = qs.filter(instances=ctx.get(Instance, "virtualmachineid"))
    return ctx.listing(ctx.keyword(qs).order_by("name"))


@command(
    "createAffinityGroup",
    "Creates an affinity/anti-affinity group",
    params=[
        Param("name", required=True),
        Param("type", required=True, description="host affinity or host anti-affinity"),
        Param("description"),
        *OWNER,
    ],
    shape=AFFINITY_GROUP,
    isasync=True,
)
def create_affinity_group(ctx):
    _no_project(ctx)
    group = services.create_affinity_group(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=_owner_account(ctx),
        name=ctx.str("name"),
        group_type=ctx.str("type"),
        description=ctx.str("description", ""),
    )
    return answer(completed_job(ctx, group), group)


@command(
    "deleteAffinityGroup",
    "Deletes affinity group",
    params=[Param("id", "uuid", related="listAffinityGroups"), Param("name"), *OWNER],
    isasync=True,
)
def delete_affinity_group(ctx):
    _no_project(ctx)
    if ctx.has("id") == ctx.has("name"):
        raise param_error("Either the affinity group's id or its name must be given, not both")
    if ctx.has("id"):
        group = ctx.get(AffinityGroup, "id", action="delete")
    else:
        account = _owner_account(ctx) or ctx.user.account
        group = (
            AffinityGroup.objects.restrict(ctx.user, "delete")
            .filter(account=account, name=ctx.str("name"))
            .first()
        )
        if group is None:
            raise param_error(
                f"Unable to find affinity group by name {ctx.str('name')} "
                f"for account {account.name}"
            )
    services.delete_affinity_group(group, acting_user=ctx.user, client_ip=ctx.client_ip)
    return answer(finished_job(ctx))


def groups_from(ctx, account) -> list[AffinityGroup]:
    """``affinitygroupids`` or ``affinitygroupnames`` (of ``account``), not both."""
    ids, names = ctx.list("affinitygroupids"), ctx.list("affinitygroupnames")
    if ids and names:
        raise param_error("affinitygroupids and affinitygroupnames are mutually exclusive")
    groups = [ctx.by_uuid(AffinityGroup, g, name="affinitygroupids") for g in ids]
    for name in names:
        group = (
            AffinityGroup.objects.restrict(ctx.user, "view")
            .filter(account=account, name=name)
            .first()
        )
        if group is None:
            raise param_error(f"Unable to find affinity group by name {name}")
        groups.append(group)
    return groups


@command(
    "updateVMAffinityGroup",
    "Updates the affinity/anti-affinity group associations of a virtual machine. The VM "
    "has to be stopped and restarted for the new properties to take effect.",
    params=[
        Param("id", "uuid", required=True, related="listVirtualMachines"),
        Param("affinitygroupids", "list", related="listAffinityGroups"),
        Param("affinitygroupnames", "list"),
    ],
    shape=VM,
    isasync=True,
)
def update_vm_affinity_group(ctx):
    vm = _target(ctx)
    if "affinitygroupids" not in ctx.params and "affinitygroupnames" not in ctx.params:
        # given but empty: the VM leaves all its groups, as upstream
        raise param_error("Either affinitygroupids or affinitygroupnames must be given")
    groups = groups_from(ctx, vm.account)
    vm = services.set_instance_affinity_groups(
        vm, groups, acting_user=ctx.user, client_ip=ctx.client_ip
    )
    return answer(completed_job(ctx, vm), vm)
