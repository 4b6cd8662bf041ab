"""Build agent wire objects (VM, disk and NIC specs) from database rows."""

from __future__ import annotations

from agents.protocol.specs import DiskSpec, NicSpec, VmSpec

FORMATS = {"QCOW2": "qcow2", "RAW": "raw", "VHD": "vhd", "VHDX": "vhdx", "ISO": "iso"}


def pool_name(pool) -> str:
    """The name a primary storage pool has on the agents."""
    return f"pool-{pool.uuid}"


def volume_name(volume) -> str:
    return f"vol-{volume.uuid}"


def template_volume_name(template) -> str:
    return f"tpl-{template.uuid}"


def vm_name(instance) -> str:
    """CloudStack's internal name: i-<account id>-<instance id>-VM."""
    return f"i-{instance.account_id}-{instance.pk}-VM"


def disk_spec(volume) -> DiskSpec:
    return DiskSpec(
        device_id=volume.device_id or 0,
        type="root" if volume.volume_type == "ROOT" else "data",
        pool=pool_name(volume.pool),
        volume=volume_name(volume),
        size_bytes=volume.size,
        format=FORMATS.get(volume.format, "qcow2"),
    )


#: The CD-ROM drive's device id (above the data disks' 1-15; KVM: IDE ``hdb``).
ISO_DEVICE_ID = 25


def iso_disk_spec(iso) -> DiskSpec:
    """The CD-ROM drive holding ``iso`` (its file on secondary storage, else its URL)."""
    return DiskSpec(
        device_id=ISO_DEVICE_ID, type="iso", path=iso.install_path or iso.url, format="iso"
    )


def nic_spec(nic) -> NicSpec:
    return NicSpec(
        device_id=nic.device_id,
        mac=nic.mac_address,
        ip=nic.ip_address or "",
        netmask=nic.netmask or "",
        gateway=nic.gateway or "",
        broadcast_uri=nic.broadcast_uri or nic.network.vlan or "",
        default=nic.is_default,
    )


def vm_spec(instance, volumes, nics) -> VmSpec:
    """The full VM description the agent needs to define and start the instance."""
    boot = instance.template.details or {}
    return VmSpec(
        name=vm_name(instance),
        uuid=str(instance.uuid),
        cpus=instance.cpu_number,
        cpu_speed_mhz=instance.cpu_speed,
        memory_mib=instance.memory,
        disks=[disk_spec(v) for v in volumes]
        + ([iso_disk_spec(instance.iso)] if instance.iso_id else []),
        nics=[nic_spec(n) for n in nics],
        vnc_password=instance.vnc_password[:8],
        user_data=instance.user_data,
        kernel=(boot or {}).get("kernel", ""),
        initrd=(boot or {}).get("initrd", ""),
        cmdline=(boot or {}).get("cmdline", ""),
        metadata=rewriter_metadata(instance),
    )


def rewriter_metadata(instance) -> dict[str, str]:
    """Per-instance values plugins add through ``libvirt.xml.rewrite`` (a filter over a
    dict) for the agent's domain XML rewriters."""
    from marketplace import hooks

    values = hooks.apply_filters("libvirt.xml.rewrite", {}, instance)
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}
