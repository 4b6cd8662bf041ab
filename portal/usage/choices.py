"""CloudStack's usage types (``org.apache.cloudstack.usage.UsageTypes``): id, name and the
description ``listUsageTypes`` answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UsageTypeInfo:
    id: int
    name: str
    description: str
    unit: str = "Hrs"
    per_gib: bool = False  # storage types: the page and CSV also show GiB-hours


RUNNING_VM = 1
ALLOCATED_VM = 2
IP_ADDRESS = 3
VOLUME = 6
TEMPLATE = 7
SNAPSHOT = 9

USAGE_TYPES: tuple[UsageTypeInfo, ...] = (
    UsageTypeInfo(1, "RUNNING_VM", "Running Vm Usage"),
    UsageTypeInfo(2, "ALLOCATED_VM", "Allocated Vm Usage"),
    UsageTypeInfo(3, "IP_ADDRESS", "IP Address Usage"),
    UsageTypeInfo(4, "NETWORK_BYTES_SENT", "Network Usage (Bytes Sent)", "Bytes"),
    UsageTypeInfo(5, "NETWORK_BYTES_RECEIVED", "Network Usage (Bytes Received)", "Bytes"),
    UsageTypeInfo(6, "VOLUME", "Volume Usage", per_gib=True),
    UsageTypeInfo(7, "TEMPLATE", "Template Usage", per_gib=True),
    UsageTypeInfo(8, "ISO", "ISO Usage", per_gib=True),
    UsageTypeInfo(9, "SNAPSHOT", "Snapshot Usage", per_gib=True),
    UsageTypeInfo(10, "SECURITY_GROUP", "Security Group Usage"),
    UsageTypeInfo(11, "LOAD_BALANCER_POLICY", "Load Balancer Usage"),
    UsageTypeInfo(12, "PORT_FORWARDING_RULE", "Port Forwarding Usage"),
    UsageTypeInfo(13, "NETWORK_OFFERING", "Network Offering Usage"),
    UsageTypeInfo(14, "VPN_USERS", "VPN users usage"),
    UsageTypeInfo(21, "VM_DISK_IO_READ", "VM Disk usage(I/O Read)", "IOs"),
    UsageTypeInfo(22, "VM_DISK_IO_WRITE", "VM Disk usage(I/O Write)", "IOs"),
    UsageTypeInfo(23, "VM_DISK_BYTES_READ", "VM Disk usage(Bytes Read)", "Bytes"),
    UsageTypeInfo(24, "VM_DISK_BYTES_WRITE", "VM Disk usage(Bytes Write)", "Bytes"),
    UsageTypeInfo(25, "VM_SNAPSHOT", "VM Snapshot storage usage", per_gib=True),
    UsageTypeInfo(26, "VOLUME_SECONDARY", "Volume on secondary storage usage", per_gib=True),
    UsageTypeInfo(27, "VM_SNAPSHOT_ON_PRIMARY", "VM Snapshot on primary storage usage"),
    UsageTypeInfo(28, "BACKUP", "Backup storage usage", per_gib=True),
    UsageTypeInfo(29, "BUCKET", "Bucket storage usage", per_gib=True),
    UsageTypeInfo(30, "NETWORK", "Network usage"),
    UsageTypeInfo(31, "VPC", "VPC usage"),
)
BY_ID: dict[int, UsageTypeInfo] = {t.id: t for t in USAGE_TYPES}
# The types this portal meters; the others are listed (upstream's ids) but never recorded.
METERED = (RUNNING_VM, ALLOCATED_VM, IP_ADDRESS, VOLUME, SNAPSHOT)
TYPE_CHOICES = [(t.id, t.description) for t in USAGE_TYPES]
