"""Adding, removing and choosing the default NIC of an instance (CloudStack's
addNicToVirtualMachine, removeNicFromVirtualMachine, updateDefaultNicForVirtualMachine).

The NIC's IP comes from the network (a given one must be free and in its range) and goes
back with the NIC row. A running instance gets the interface from its host's agent at once
(``plug_nic``/``unplug_nic``); if the agent fails, the new NIC is deleted again (its IP
free) or the removed one kept. A stopped instance gets its NICs at its next start.
"""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agents.protocol import commands as c
from compute import agent
from compute.choices import InstanceState
from compute.lifecycle import specs
from networking.choices import GuestIpType, NetworkState
from networking.models import Network, Nic
from networking.services.ipam import allocate_nic_ip, generate_mac, network_address_pool
from portal.services.audit import record_event

NIC_STATES = (InstanceState.RUNNING, InstanceState.STOPPED)
_MAC = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def _check_instance(instance) -> None:
    if instance.removed is not None or instance.state not in NIC_STATES:
        raise ValidationError(
            {
                "virtualmachine": f"Instance {instance.name} is {instance.state}: NICs change on "
                "Running or Stopped instances."
            }  # fmt: skip
        )


def _check_ip(network: Network, ip: str) -> str:
    pool = network_address_pool(network)
    try:
        number = int(ipaddress.ip_address(ip))
    except ValueError:
        raise ValidationError({"ipaddress": f"{ip} is not an IP address."}) from None
    if pool is None or not pool[0] <= number <= pool[1] or ip == network.gateway:
        raise ValidationError({"ipaddress": f"{ip} is not a free address of {network.name}."})
    if Nic.objects.filter(network=network, ip_address=ip).exists():
        raise ValidationError({"ipaddress": f"{ip} is already used in {network.name}."})
    return ip


def _plugged(instance, nic: Nic, command) -> None:
    """Tell the running instance's host; a stopped one learns at its next start."""
    if instance.state == InstanceState.RUNNING and instance.host is not None:
        agent.send(instance.host, command(vm_name=specs.vm_name(instance), nic=specs.nic_spec(nic)))


def add_nic(
    instance,
    network: Network,
    *,
    acting_user,
    ip_address: str | None = None,
    mac_address: str | None = None,
    client_ip: str | None = None,
) -> Nic:
    """Give ``instance`` a NIC on ``network`` (one per network, as upstream)."""
    _check_instance(instance)
    if network.removed is not None or network.state == NetworkState.DESTROY:
        raise ValidationError({"network": f"Network {network.name} is destroyed."})
    if network.zone_id != instance.zone_id:
        raise ValidationError({"network": f"Network {network.name} is in another zone."})
    if network.account_id not in (None, instance.account_id) and (
        network.guest_type != GuestIpType.SHARED
    ):
        raise ValidationError({"network": f"Network {network.name} belongs to another account."})
    if instance.nics.filter(network=network).exists():
        raise ValidationError(
            {"network": f"Instance {instance.name} already has a NIC on {network.name}."}
        )
    running = instance.state == InstanceState.RUNNING
    if running and network.guest_type == GuestIpType.ISOLATED and not network.vlan:
        raise ValidationError(
            {
                "network": f"Network {network.name} is not implemented yet: add the NIC while "
                f"{instance.name} is stopped, or start another instance on it first."
            }  # fmt: skip
        )
    mac = (mac_address or "").lower() or generate_mac()
    if not _MAC.match(mac):
        raise ValidationError({"macaddress": f"{mac_address} is not a MAC address."})
    with transaction.atomic():
        used = list(instance.nics.values_list("device_id", flat=True))
        try:
            with transaction.atomic():
                nic = Nic.objects.create(
                    instance=instance,
                    network=network,
                    mac_address=mac,
                    ip_address=_check_ip(network, ip_address)
                    if ip_address
                    else allocate_nic_ip(network),
                    netmask=network.netmask,
                    gateway=network.gateway,
                    broadcast_uri=network.vlan,
                    device_id=max(used, default=-1) + 1,
                    is_default=not used,
                )
        except IntegrityError:
            raise ValidationError(
                {"ipaddress": "That IP or MAC address was just taken; try again."}
            ) from None
        _plugged(instance, nic, c.PlugNicCommand)  # a failure rolls the row (and IP) back
        record_event(
            "NIC.CREATE",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            description=f"Added NIC {nic.mac_address} on {network.name} ({nic.ip_address})",
        )
    return nic


def remove_nic(instance, nic: Nic, *, acting_user, client_ip: str | None = None) -> None:
    """Take a (not default) NIC off ``instance``; its IP goes back to the network."""
    _check_instance(instance)
    if nic.instance_id != instance.pk:
        raise ValidationError({"nicid": f"NIC {nic.uuid} is not a NIC of {instance.name}."})
    if nic.is_default:
        raise ValidationError(
            {"nicid": "Unable to remove the default NIC: make another one the default first."}
        )
    with transaction.atomic():
        Nic.objects.filter(pk=nic.pk).delete()
        _plugged(instance, nic, c.UnplugNicCommand)  # a failure keeps the NIC
        record_event(
            "NIC.DELETE",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            description=f"Removed NIC {nic.mac_address} ({nic.ip_address})",
        )


def set_default_nic(instance, nic: Nic, *, acting_user, client_ip: str | None = None) -> Nic:
    """Make ``nic`` the instance's default NIC (the guest's default route at its next DHCP
    lease or start, as upstream)."""
    _check_instance(instance)
    if nic.instance_id != instance.pk:
        raise ValidationError({"nicid": f"NIC {nic.uuid} is not a NIC of {instance.name}."})
    if nic.is_default:
        raise ValidationError({"nicid": f"NIC {nic.uuid} is already the default NIC."})
    with transaction.atomic():
        instance.nics.exclude(pk=nic.pk).update(is_default=False)
        Nic.objects.filter(pk=nic.pk).update(is_default=True)
        nic.is_default = True
        record_event(
            "NIC.UPDATE",
            acting_user=acting_user,
            resource=instance,
            client_ip=client_ip,
            description=f"Default NIC is now {nic.mac_address}",
        )
    return nic
