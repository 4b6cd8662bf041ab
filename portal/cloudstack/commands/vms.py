"""Virtual machines: deploy, the lifecycle verbs and listVirtualMachines."""

from __future__ import annotations

from django.db.models import Prefetch

from compute import lifecycle
from compute.choices import InstanceState
from compute.models import Host, Instance, ServiceOffering, SSHKeyPair, Zone
from networking.models import Network, Nic
from networking.models_rules import SecurityGroup
from networking.services import usable_networks
from portal.cloudstack.asyncjobs import answer, completed_job, register_result
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import Field, command
from portal.models import Account, Domain
from storage.models import DiskOffering, Template, Volume

from ._common import Param, Shape, clean, cs_date, fields, owner, uid
from .tags import TAGS_FILTER, filter_by_tag_params, tags_of

NIC_FIELDS = fields(
    "id networkid networkname ipaddress netmask gateway macaddress isdefault type traffictype "
    "broadcasturi deviceid",
    isdefault="boolean",
)
VM_FIELDS = fields(
    "id name displayname state zoneid zonename hostid hostname serviceofferingid "
    "serviceofferingname cpunumber cpuspeed memory templateid templatename templatedisplaytext "
    "passwordenabled hypervisor haenable keypair created account domainid domain project "
    "projectid rootdeviceid rootdevicetype guestosid isdynamicallyscalable isoid isoname "
    "isodisplaytext",
    cpunumber="integer",
    cpuspeed="integer",
    memory="integer",
    created="date",
    passwordenabled="boolean",
    haenable="boolean",
    rootdeviceid="long",
    isdynamicallyscalable="boolean",
) + (
    Field("nic", "set", "the list of nics associated with vm", NIC_FIELDS),
    Field("securitygroup", "set", "list of security groups associated with the virtual machine"),
    Field("affinitygroup", "set", "list of affinity groups associated with the virtual machine"),
    Field("tags", "set", "the list of resource tags associated"),
)


def _nic(nic) -> dict:
    network = nic.network
    return clean(
        {
            "id": uid(nic),
            "networkid": uid(network),
            "networkname": network.name,
            "ipaddress": nic.ip_address,
            "netmask": nic.netmask,
            "gateway": nic.gateway,
            "macaddress": nic.mac_address,
            "isdefault": nic.is_default,
            "type": network.guest_type,
            "traffictype": "Guest",
            "broadcasturi": nic.broadcast_uri or None,
            "deviceid": str(nic.device_id),
        }
    )


def _vm(vm, ctx) -> dict:
    template, offering, host = vm.template, vm.service_offering, vm.host
    return clean(
        {
            "id": uid(vm),
            "name": vm.name,
            "displayname": vm.display_name or vm.name,
            "state": vm.state,
            "zoneid": uid(vm.zone),
            "zonename": vm.zone.name,
            "hostid": uid(host) if ctx.is_root else None,
            "hostname": host.name if host and ctx.is_root else None,
            "serviceofferingid": uid(offering),
            "serviceofferingname": offering.name,
            "cpunumber": vm.cpu_number,
            "cpuspeed": vm.cpu_speed,
            "memory": vm.memory,
            "templateid": uid(template),
            "templatename": template.name,
            "templatedisplaytext": template.display_text or template.name,
            "passwordenabled": template.password_enabled,
            "guestosid": uid(template.os_type),
            "isoid": uid(vm.iso),
            "isoname": vm.iso.name if vm.iso else None,
            "isodisplaytext": (vm.iso.display_text or vm.iso.name) if vm.iso else None,
            "hypervisor": vm.hypervisor or None,
            "haenable": vm.ha_enabled,
            "keypair": vm.ssh_keypair.name if vm.ssh_keypair else None,
            "created": cs_date(vm.created),
            "rootdeviceid": 0,
            "rootdevicetype": "ROOT",
            "isdynamicallyscalable": False,
            "nic": [_nic(n) for n in vm.nics.all()],
            "securitygroup": [
                {"id": uid(g), "name": g.name, "description": g.description}
                for g in vm.security_groups.all()
            ],
            "affinitygroup": [
                {"id": uid(g), "name": g.name, "type": g.group_type, "description": g.description}
                for g in vm.affinity_groups.all()
            ],
            "tags": tags_of(ctx, "UserVm", vm),
            **owner(vm),
        }
    )


VM = Shape("virtualmachine", VM_FIELDS, _vm)


def vm_queryset():
    return Instance.objects.select_related(
        "account__domain",
        "zone",
        "host",
        "service_offering",
        "template__os_type",
        "iso",
        "ssh_keypair",
        "project",
    ).prefetch_related(
        Prefetch("nics", queryset=Nic.objects.select_related("network").order_by("device_id")),
        "security_groups",
        "affinity_groups",
    )


register_result("Instance", vm_queryset, VM, "VirtualMachine")


def _fresh(vm) -> Instance:
    return vm_queryset().get(pk=vm.pk)


def _target(ctx, name: str = "id", action: str = "change") -> Instance:
    vm = ctx.get(Instance, name, action=action, required=True)
    if vm.removed is not None or vm.state == InstanceState.EXPUNGED:
        raise param_error(f"Unable to find virtual machine {ctx.str(name)}")
    return vm


@command(
    "listVirtualMachines",
    "List the virtual machines owned by the account.",
    params=[
        Param("id", "uuid", related="listVirtualMachines"),
        Param("ids", "list"),
        Param("name"),
        Param("state"),
        Param("zoneid", "uuid", related="listZones"),
        Param("hostid", "uuid", related="listHosts"),
        Param("templateid", "uuid"),
        Param("serviceofferingid", "uuid"),
        Param("networkid", "uuid", related="listNetworks"),
        Param("keypair"),
        Param("details", "list"),
        Param("affinitygroupid", "uuid", related="listAffinityGroups"),
        TAGS_FILTER,
    ],
    shape=VM,
    is_list=True,
    owned=True,
)
def list_virtual_machines(ctx):
    qs = vm_queryset().restrict(ctx.user, "view").filter(removed__isnull=True)
    qs = qs.exclude(state=InstanceState.EXPUNGED)
    qs = ctx.owned(qs)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(Instance, "id").pk)
    if ctx.has("ids"):
        qs = qs.filter(uuid__in=ctx.list("ids"))
    state = ctx.str("state")
    if state and state.lower() == "present":
        qs = qs.exclude(state=InstanceState.DESTROYED)
    elif state:
        qs = qs.filter(state__iexact=state)
    for param, model, field in (
        ("zoneid", Zone, "zone"),
        ("hostid", Host, "host"),
        ("templateid", Template, "template"),
        ("serviceofferingid", ServiceOffering, "service_offering"),
        ("networkid", Network, "nics__network"),
    ):
        if ctx.has(param):
            qs = qs.filter(**{field: ctx.get(model, param)})
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("keypair"):
        qs = qs.filter(ssh_keypair__name=ctx.str("keypair"))
    if ctx.has("affinitygroupid"):
        from compute.models import AffinityGroup

        qs = qs.filter(affinity_groups=ctx.get(AffinityGroup, "affinitygroupid"))
    qs = filter_by_tag_params(ctx, qs, "UserVm")
    return ctx.listing(ctx.keyword(qs, "name", "display_name").order_by("-id"))


def _owner_account(ctx):
    if ctx.has("account"):
        domain = ctx.get(Domain, "domainid", required=True)
        account = (
            Account.objects.restrict(ctx.user, "view")
            .filter(domain=domain, name=ctx.str("account"))
            .first()
        )
        if account is None:
            raise param_error(
                f"Unable to find account {ctx.str('account')} in domain {domain.path}"
            )
        return account
    return None


@command(
    "deployVirtualMachine",
    "Creates and automatically starts a virtual machine based on a service offering, "
    "disk offering, and template.",
    params=[
        Param("zoneid", "uuid", required=True, related="listZones"),
        Param("serviceofferingid", "uuid", required=True, related="listServiceOfferings"),
        Param("templateid", "uuid", required=True, related="listTemplates"),
        Param("name"),
        Param("displayname"),
        Param("networkids", "list", related="listNetworks"),
        Param("keypair"),
        Param("userdata", length=1048576),
        Param("startvm", "boolean"),
        Param("diskofferingid", "uuid", related="listDiskOfferings"),
        Param("size", "long"),
        Param("rootdisksize", "long"),
        Param("hostid", "uuid", related="listHosts"),
        Param("account"),
        Param("domainid", "uuid", related="listDomains"),
        Param("details", "map"),
        Param("securitygroupids", "list", related="listSecurityGroups"),
        Param("securitygroupnames", "list", description="names of the account's groups"),
        Param("externaldetails", "map", description="External templates: for the extension"),
        Param("affinitygroupids", "list", related="listAffinityGroups"),
        Param("affinitygroupnames", "list", description="names of the account's groups"),
    ],
    shape=VM,
    isasync=True,
)
def deploy_virtual_machine(ctx):
    account = _owner_account(ctx)
    keypair = None
    if ctx.has("keypair"):
        keypair = (
            SSHKeyPair.objects.restrict(ctx.user, "view")
            .filter(account=account or ctx.user.account, name=ctx.str("keypair"))
            .first()
        )
        if keypair is None:
            raise param_error(f"A key pair with name '{ctx.str('keypair')}' was not found.")
    details = {k.lower(): v for d in ctx.map("details") for k, v in d.items()}
    sizes = {}
    for key, field in (
        ("cpunumber", "cpu_number"),
        ("cpuspeed", "cpu_speed"),
        ("memory", "memory"),
    ):
        if key in details:
            try:
                sizes[field] = int(details[key])
            except ValueError as exc:
                raise param_error(f"details[0].{key} must be a number") from exc
    usable = usable_networks(Network.objects.all(), ctx.user)  # own ones and shared Domain ones
    networks = [
        ctx.by_uuid(Network, n, name="networkids", action=None, queryset=usable)
        for n in ctx.list("networkids")
    ]
    groups = _security_groups(ctx, account or ctx.user.account)
    from .affinity import groups_from

    affinity_groups = groups_from(ctx, account or ctx.user.account)
    vm, job = lifecycle.deploy_instance(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=account,
        zone=ctx.get(Zone, "zoneid", required=True),
        service_offering=ctx.get(ServiceOffering, "serviceofferingid", required=True),
        template=ctx.get(Template, "templateid", required=True),
        networks=networks or None,
        disk_offering=ctx.get(DiskOffering, "diskofferingid"),
        size=ctx.int("size"),
        root_disk_size=ctx.int("rootdisksize"),
        ssh_keypair=keypair,
        user_data=ctx.str("userdata", ""),
        name=ctx.str("name", ""),
        display_name=ctx.str("displayname", ""),
        start=ctx.bool("startvm", True),
        host=ctx.get(Host, "hostid") if ctx.is_root else None,
        security_groups=groups,
        external_details=_external_details(ctx),
        affinity_groups=affinity_groups,
        **sizes,
    )
    if job is None:
        job = completed_job(ctx, vm)
    return answer(job, vm)


def _external_details(ctx) -> dict | None:
    from .extensions import details_map

    return details_map(ctx, "externaldetails") if ctx.map("externaldetails") else None


def _security_groups(ctx, account) -> list[SecurityGroup]:
    """``securitygroupids`` or ``securitygroupnames`` (of the VM's account), not both."""
    from networking.services.security_groups import DEFAULT_NAME, default_security_group

    ids, names = ctx.list("securitygroupids"), ctx.list("securitygroupnames")
    if ids and names:
        raise param_error("securitygroupids and securitygroupnames are mutually exclusive")
    groups = [ctx.by_uuid(SecurityGroup, g, name="securitygroupids") for g in ids]
    for name in names:
        if name == DEFAULT_NAME:
            default_security_group(account)
        group = (
            SecurityGroup.objects.restrict(ctx.user, "view")
            .filter(account=account, name=name)
            .first()
        )
        if group is None:
            raise param_error(f"Unable to find security group {name} of {account.name}")
        groups.append(group)
    return groups


def _async(name: str, description: str, extra=()):
    """Register an async verb on one VM (``id``) whose job result is the VM."""
    params = [Param("id", "uuid", required=True, related="listVirtualMachines"), *extra]
    return command(name, description, params=params, shape=VM, isasync=True)


@_async(
    "startVirtualMachine",
    "Starts a virtual machine.",
    [Param("hostid", "uuid", related="listHosts")],
)
def start_virtual_machine(ctx):
    vm = _target(ctx)
    host = ctx.get(Host, "hostid") if ctx.is_root else None
    return answer(
        lifecycle.start_instance(vm, acting_user=ctx.user, host=host, client_ip=ctx.client_ip)
    )


@_async("stopVirtualMachine", "Stops a virtual machine.", [Param("forced", "boolean")])
def stop_virtual_machine(ctx):
    vm = _target(ctx)
    job = lifecycle.stop_instance(
        vm, acting_user=ctx.user, forced=ctx.bool("forced"), client_ip=ctx.client_ip
    )
    return answer(job)


@_async("rebootVirtualMachine", "Reboots a virtual machine.")
def reboot_virtual_machine(ctx):
    vm = _target(ctx)
    return answer(lifecycle.reboot_instance(vm, acting_user=ctx.user, client_ip=ctx.client_ip))


@_async(
    "destroyVirtualMachine",
    "Destroys a virtual machine.",
    [Param("expunge", "boolean"), Param("volumeids", "list", related="listVolumes")],
)
def destroy_virtual_machine(ctx):
    vm = _target(ctx, action="delete")
    volumes = [ctx.by_uuid(Volume, v, name="volumeids") for v in ctx.list("volumeids")]
    job = lifecycle.destroy_instance(
        vm,
        acting_user=ctx.user,
        expunge=ctx.bool("expunge"),
        volumes=volumes,
        client_ip=ctx.client_ip,
    )
    return answer(job)


@command(
    "expungeVirtualMachine",
    "Expunge a virtual machine. Once expunged, it cannot be recovered.",
    params=[Param("id", "uuid", required=True, related="listVirtualMachines")],
    isasync=True,
)
def expunge_virtual_machine(ctx):
    vm = _target(ctx, action="delete")
    return answer(lifecycle.expunge_instance(vm, acting_user=ctx.user, client_ip=ctx.client_ip))


@command(
    "recoverVirtualMachine",
    "Recovers a virtual machine.",
    params=[Param("id", "uuid", required=True, related="listVirtualMachines")],
    shape=VM,
)
def recover_virtual_machine(ctx):
    vm = _target(ctx)
    lifecycle.recover_instance(vm, acting_user=ctx.user, client_ip=ctx.client_ip)
    return ctx.one(_fresh(vm))


@command(
    "migrateVirtualMachine",
    "Attempts Migration of a VM to a different host or Root volume of the vm to a "
    "different storage pool",
    params=[
        Param("virtualmachineid", "uuid", required=True, related="listVirtualMachines"),
        Param("hostid", "uuid", related="listHosts"),
        Param("storageid", "uuid"),
    ],
    shape=VM,
    isasync=True,
)
def migrate_virtual_machine(ctx):
    vm = _target(ctx, "virtualmachineid")
    if ctx.has("storageid") or not ctx.has("hostid"):
        raise param_error("Give hostid: only live migration between hosts is supported")
    host = ctx.get(Host, "hostid")
    return answer(
        lifecycle.migrate_instance(vm, acting_user=ctx.user, host=host, client_ip=ctx.client_ip)
    )


def _scale(ctx) -> Instance:
    vm = _target(ctx)
    details = {k.lower(): v for d in ctx.map("details") for k, v in d.items()}
    sizes = {}
    for key, field in (
        ("cpunumber", "cpu_number"),
        ("cpuspeed", "cpu_speed"),
        ("memory", "memory"),
    ):
        if key in details:
            try:
                sizes[field] = int(details[key])
            except ValueError as exc:
                raise param_error(f"details[0].{key} must be a number") from exc
    offering = ctx.get(ServiceOffering, "serviceofferingid", required=True)
    return lifecycle.scale_instance(
        vm, acting_user=ctx.user, service_offering=offering, client_ip=ctx.client_ip, **sizes
    )


SCALE_PARAMS = [
    Param("id", "uuid", required=True, related="listVirtualMachines"),
    Param("serviceofferingid", "uuid", required=True, related="listServiceOfferings"),
    Param("details", "map"),
]


@command(
    "scaleVirtualMachine",
    "Scales the virtual machine to a new service offering (a stopped one).",
    params=SCALE_PARAMS,
    shape=VM,
    isasync=True,
)
def scale_virtual_machine(ctx):
    vm = _scale(ctx)
    return answer(completed_job(ctx, vm))


@command(
    "changeServiceForVirtualMachine",
    "Changes the service offering for a virtual machine.",
    params=SCALE_PARAMS,
    shape=VM,
)
def change_service_for_virtual_machine(ctx):
    return ctx.one(_fresh(_scale(ctx)))
