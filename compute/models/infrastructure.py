"""Physical infrastructure: zones, pods, clusters and hypervisor hosts."""

from django.db import models
from django.db.models import Q

from compute.choices import (
    AllocationState,
    HostStatus,
    HostType,
    NetworkType,
    ResourceState,
)
from portal.fields import EncryptedTextField
from portal.models import PortalModel


class Zone(PortalModel):
    """A data centre: the top of the infrastructure tree."""

    name = models.CharField(verbose_name="name", max_length=255, unique=True)
    description = models.CharField(verbose_name="description", max_length=255, blank=True)
    network_type = models.CharField(
        verbose_name="network type",
        max_length=16,
        choices=NetworkType.choices,
        default=NetworkType.ADVANCED,
    )
    dns1 = models.GenericIPAddressField(verbose_name="DNS 1", protocol="IPv4")
    dns2 = models.GenericIPAddressField(
        verbose_name="DNS 2", protocol="IPv4", null=True, blank=True
    )
    internal_dns1 = models.GenericIPAddressField(verbose_name="internal DNS 1", protocol="IPv4")
    internal_dns2 = models.GenericIPAddressField(
        verbose_name="internal DNS 2", protocol="IPv4", null=True, blank=True
    )
    guest_cidr = models.CharField(verbose_name="guest CIDR", max_length=43, default="10.1.1.0/24")
    network_domain = models.CharField(verbose_name="network domain", max_length=255, blank=True)
    local_storage_enabled = models.BooleanField(verbose_name="local storage", default=False)
    security_group_enabled = models.BooleanField(verbose_name="security groups", default=False)
    allocation_state = models.CharField(
        verbose_name="allocation state",
        max_length=16,
        choices=AllocationState.choices,
        default=AllocationState.DISABLED,
    )
    domain = models.ForeignKey(
        "portal.Domain",
        verbose_name="dedicated to domain",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dedicated_zones",
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["name"]


class Pod(PortalModel):
    """A rack or row inside a zone, with its management IP range."""

    zone = models.ForeignKey(
        Zone, verbose_name="zone", on_delete=models.PROTECT, related_name="pods"
    )
    name = models.CharField(verbose_name="name", max_length=255)
    gateway = models.GenericIPAddressField(verbose_name="gateway", protocol="IPv4")
    netmask = models.GenericIPAddressField(verbose_name="netmask", protocol="IPv4")
    start_ip = models.GenericIPAddressField(verbose_name="start IP", protocol="IPv4")
    end_ip = models.GenericIPAddressField(verbose_name="end IP", protocol="IPv4")
    allocation_state = models.CharField(
        verbose_name="allocation state",
        max_length=16,
        choices=AllocationState.choices,
        default=AllocationState.ENABLED,
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["zone", "name"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "name"], name="pod_unique_name_per_zone")
        ]


class Cluster(PortalModel):
    """A group of hosts of one hypervisor type sharing primary storage."""

    zone = models.ForeignKey(
        Zone, verbose_name="zone", on_delete=models.PROTECT, related_name="clusters"
    )
    pod = models.ForeignKey(
        Pod, verbose_name="pod", on_delete=models.PROTECT, related_name="clusters"
    )
    name = models.CharField(verbose_name="name", max_length=255)
    hypervisor = models.CharField(verbose_name="hypervisor", max_length=16)
    cluster_type = models.CharField(
        verbose_name="cluster type", max_length=32, default="CloudManaged"
    )
    allocation_state = models.CharField(
        verbose_name="allocation state",
        max_length=16,
        choices=AllocationState.choices,
        default=AllocationState.ENABLED,
    )
    cpu_overcommit_ratio = models.DecimalField(
        verbose_name="CPU overcommit ratio", max_digits=5, decimal_places=2, default=1
    )
    memory_overcommit_ratio = models.DecimalField(
        verbose_name="memory overcommit ratio", max_digits=5, decimal_places=2, default=1
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["zone", "pod", "name"]
        constraints = [
            models.UniqueConstraint(fields=["pod", "name"], name="cluster_unique_name_per_pod"),
            models.CheckConstraint(
                condition=Q(cpu_overcommit_ratio__gte=1) & Q(memory_overcommit_ratio__gte=1),
                name="cluster_overcommit_ratio_ge_1",
            ),
        ]


class Host(PortalModel):
    """A hypervisor host running our agent. ``cpu_allocated_mhz`` and
    ``memory_allocated`` are the capacity claimed by instances (updated atomically)."""

    zone = models.ForeignKey(
        Zone, verbose_name="zone", on_delete=models.PROTECT, related_name="hosts"
    )
    pod = models.ForeignKey(Pod, verbose_name="pod", on_delete=models.PROTECT, related_name="hosts")
    cluster = models.ForeignKey(
        Cluster, verbose_name="cluster", on_delete=models.PROTECT, related_name="hosts"
    )
    name = models.CharField(verbose_name="name", max_length=255)
    host_type = models.CharField(
        verbose_name="type", max_length=32, choices=HostType.choices, default=HostType.ROUTING
    )
    hypervisor = models.CharField(verbose_name="hypervisor", max_length=16)
    url = models.CharField(verbose_name="agent URL", max_length=255)
    private_ip = models.GenericIPAddressField(verbose_name="private IP", null=True, blank=True)
    status = models.CharField(
        verbose_name="state",
        max_length=16,
        choices=HostStatus.choices,
        default=HostStatus.CONNECTING,
        db_index=True,
    )
    resource_state = models.CharField(
        verbose_name="resource state",
        max_length=24,
        choices=ResourceState.choices,
        default=ResourceState.ENABLED,
    )
    cpu_sockets = models.PositiveIntegerField(verbose_name="CPU sockets", default=1)
    cpus = models.PositiveIntegerField(verbose_name="CPU cores", default=0)
    cpu_speed = models.PositiveIntegerField(verbose_name="CPU speed (MHz)", default=0)
    memory = models.BigIntegerField(verbose_name="memory (bytes)", default=0)
    cpu_allocated_mhz = models.BigIntegerField(verbose_name="CPU allocated (MHz)", default=0)
    memory_allocated = models.BigIntegerField(verbose_name="memory allocated (bytes)", default=0)
    capabilities = models.JSONField(verbose_name="capabilities", default=list, blank=True)
    host_tags = models.JSONField(verbose_name="host tags", default=list, blank=True)
    last_ping = models.DateTimeField(verbose_name="last ping", null=True, blank=True)
    agent_version = models.CharField(verbose_name="agent version", max_length=32, blank=True)
    username = models.CharField(verbose_name="username", max_length=255, blank=True)
    password = EncryptedTextField(verbose_name="password", blank=True)
    agent_secret = EncryptedTextField(verbose_name="agent shared secret", blank=True)
    external_details = EncryptedTextField(
        verbose_name="external details (JSON)",
        blank=True,
        help_text="Hosts of External clusters: CloudStack's externaldetails (url, user, token, "
        "secret, node, ...), sent to the cluster's extension as externaldetails.host.",
    )

    tenant_scope = "public"

    class Meta:
        ordering = ["zone", "name"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "name"], name="host_unique_name_per_zone"),
            models.UniqueConstraint(fields=["url"], name="host_unique_url"),
            models.CheckConstraint(
                condition=Q(cpu_allocated_mhz__gte=0) & Q(memory_allocated__gte=0),
                name="host_allocation_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "status", "resource_state"], name="host_placement")
        ]

    @property
    def cpu_total_mhz(self) -> int:
        return self.cpus * self.cpu_speed


class OutOfBandManagement(PortalModel):
    """A host's out-of-band management (IPMI/Redfish-style power control): the driver
    (an ``oobm.power`` provider), its address and credentials, and the last power state."""

    host = models.OneToOneField(
        Host, verbose_name="host", on_delete=models.CASCADE, related_name="oobm"
    )
    enabled = models.BooleanField(verbose_name="enabled", default=False)
    driver = models.CharField(verbose_name="driver", max_length=64, default="simulator")
    address = models.CharField(verbose_name="address", max_length=255, blank=True)
    port = models.PositiveIntegerField(verbose_name="port", null=True, blank=True)
    username = models.CharField(verbose_name="username", max_length=255, blank=True)
    password = EncryptedTextField(verbose_name="password", blank=True)
    power_state = models.CharField(verbose_name="power state", max_length=16, default="Unknown")

    tenant_scope = "public"

    class Meta:
        ordering = ["host"]
        verbose_name = "out-of-band management"

    def __str__(self) -> str:
        return f"{self.host} ({self.driver})"
