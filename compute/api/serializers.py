from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compute.choices import InstanceState, OfferingState
from compute.host_enrollment import AGENT_SECRET_HELP
from compute.models import (
    Cluster,
    Host,
    HostHAConfig,
    Instance,
    Pod,
    ServiceOffering,
    SSHKeyPair,
    Zone,
)
from networking.models import Nic
from portal.api.serializers import BriefRelatedField, PortalModelSerializer


class CreateOnlyFieldsMixin:
    """Fields in ``Meta.create_only_fields`` are writable on create, read-only afterwards."""

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            for name in getattr(self.Meta, "create_only_fields", ()):
                if name in fields:
                    fields[name].read_only = True
        return fields


_ENUM_FIELDS: dict[str, type] = {}


def enum_field(choices, component_name: str, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose OpenAPI enum is the named component ``component_name``.

    Many models have a ``state`` with different choices; naming each enum keeps the
    schema free of name collisions.
    """
    if component_name not in _ENUM_FIELDS:

        @extend_schema_field(
            {"type": "string", "enum": list(choices.values)}, component_name=component_name
        )
        class NamedChoiceField(serializers.ChoiceField):
            def __init__(self, **kw):
                super().__init__(choices=choices.choices, **kw)

        NamedChoiceField.__name__ = f"{component_name}Field"
        _ENUM_FIELDS[component_name] = NamedChoiceField
    return _ENUM_FIELDS[component_name](**kwargs)


class TagListField(serializers.ListField):
    child = serializers.CharField(max_length=255)


class ZoneSerializer(PortalModelSerializer):
    class Meta:
        model = Zone
        url_basename = "zone"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "description",
            "network_type",
            "dns1",
            "dns2",
            "internal_dns1",
            "internal_dns2",
            "guest_cidr",
            "network_domain",
            "local_storage_enabled",
            "security_group_enabled",
            "allocation_state",
            "domain",
            "created",
            "updated",
        ]


class PodSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    class Meta:
        model = Pod
        url_basename = "pod"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "zone",
            "name",
            "gateway",
            "netmask",
            "start_ip",
            "end_ip",
            "allocation_state",
            "created",
            "updated",
        ]
        create_only_fields = ["zone"]
        validators = []  # uniqueness is checked by the service, with a field error


class ClusterSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    zone = BriefRelatedField(
        queryset=Zone.objects.all(),
        required=False,
        help_text="Optional: the pod's zone is used (a different one is refused).",
    )

    class Meta:
        model = Cluster
        url_basename = "cluster"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "zone",
            "pod",
            "name",
            "hypervisor",
            "cluster_type",
            "allocation_state",
            "cpu_overcommit_ratio",
            "memory_overcommit_ratio",
            "created",
            "updated",
        ]
        create_only_fields = ["zone", "pod", "hypervisor"]
        validators = []


class HostHASerializer(serializers.ModelSerializer):
    """A host's HA resource (listHostHAResources): state machine state and its last checks."""

    class Meta:
        model = HostHAConfig
        fields = [
            "enabled",
            "provider",
            "state",
            "state_changed",
            "last_health_check",
            "last_activity_check",
            "last_checks",
            "last_error",
        ]
        read_only_fields = fields


class HostSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    hypervisor = serializers.CharField(
        max_length=16,
        required=False,
        help_text="Defaults to the cluster's; a different one is refused. Built-in types "
        "or those registered by enabled plugins (hypervisor.register).",
    )
    name = serializers.CharField(
        max_length=255, required=False, help_text="Defaults to the hostname the agent reports."
    )
    host_tags = TagListField(required=False)
    username = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The host's enrollment account (Hyper-V: the agent's Windows account).",
    )
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        style={"input_type": "password"},
        help_text="Used once by the connect job to enroll the agent, then wiped.",
    )
    agent_secret = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        style={"input_type": "password"},
        help_text="Optional: " + AGENT_SECRET_HELP,
    )
    agent_url = serializers.CharField(
        source="url", max_length=255, help_text="The agent's http(s)://host:port."
    )
    external_details = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=4096),
        required=False,
        write_only=True,
        help_text="Hosts of External clusters only: CloudStack's externaldetails (url, user, "
        "token, secret, node, ...) passed to the cluster's extension; stored encrypted, never "
        "returned.",
    )
    job = serializers.SerializerMethodField(help_text="UUID of the host.connect job, if any.")
    ha = HostHASerializer(
        source="ha_config",
        read_only=True,
        allow_null=True,
        help_text="Host HA (configureHAForHost on /client/api); null when not configured.",
    )

    class Meta:
        model = Host
        url_basename = "host"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "zone",
            "pod",
            "cluster",
            "name",
            "host_type",
            "hypervisor",
            "agent_url",
            "private_ip",
            "status",
            "resource_state",
            "cpu_sockets",
            "cpus",
            "cpu_speed",
            "memory",
            "cpu_allocated_mhz",
            "memory_allocated",
            "capabilities",
            "host_tags",
            "last_ping",
            "agent_version",
            "username",
            "password",
            "agent_secret",
            "external_details",
            "job",
            "ha",
            "created",
            "updated",
        ]
        read_only_fields = [
            "zone",
            "pod",
            "host_type",
            "private_ip",
            "status",
            "resource_state",
            "cpu_sockets",
            "cpus",
            "cpu_speed",
            "memory",
            "cpu_allocated_mhz",
            "memory_allocated",
            "capabilities",
            "last_ping",
            "agent_version",
        ]
        create_only_fields = ["cluster", "hypervisor", "agent_url", "external_details"]
        validators = []

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_job(self, obj):
        job = getattr(obj, "connect_job", None)
        return str(job.uuid) if job is not None else None


class ServiceOfferingSerializer(PortalModelSerializer):
    host_tags = TagListField(required=False)
    storage_tags = TagListField(required=False)
    state = enum_field(OfferingState, "OfferingStateEnum", required=False)

    class Meta:
        model = ServiceOffering
        url_basename = "serviceoffering"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "display_text",
            "cpu_number",
            "cpu_speed",
            "memory",
            "customized",
            "offer_ha",
            "limit_cpu_use",
            "host_tags",
            "storage_tags",
            "storage_type",
            "root_disk_size",
            "is_system",
            "state",
            "domain",
            "created",
            "updated",
        ]
        read_only_fields = ["is_system"]


class SSHKeyPairSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    public_key = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="OpenSSH public key; leave empty to have an ed25519 pair generated.",
    )
    private_key = serializers.SerializerMethodField(
        help_text="The generated private key: returned once, on creation, never stored."
    )

    class Meta:
        model = SSHKeyPair
        url_basename = "sshkeypair"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "account",
            "name",
            "public_key",
            "fingerprint",
            "private_key",
            "created",
            "updated",
        ]
        read_only_fields = ["account", "fingerprint"]
        create_only_fields = ["public_key"]
        validators = []

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_private_key(self, obj):
        return getattr(obj, "private_key", None)


class NicBriefSerializer(serializers.ModelSerializer):
    network = BriefRelatedField(read_only=True)

    class Meta:
        model = Nic
        fields = ["id", "device_id", "ip_address", "mac_address", "network", "is_default"]
        read_only_fields = fields


class VolumeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    volume_type = serializers.CharField()
    size = serializers.IntegerField()
    state = serializers.CharField()
    device_id = serializers.IntegerField(allow_null=True)


class InstanceSerializer(PortalModelSerializer):
    nics = NicBriefSerializer(source="listed_nics", many=True, read_only=True)
    volumes = VolumeBriefSerializer(source="listed_volumes", many=True, read_only=True)
    state = enum_field(InstanceState, "InstanceStateEnum", read_only=True)

    class Meta:
        model = Instance
        url_basename = "instance"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "display_name",
            "account",
            "domain",
            "user",
            "project",
            "zone",
            "host",
            "service_offering",
            "template",
            "hypervisor",
            "state",
            "cpu_number",
            "cpu_speed",
            "memory",
            "ha_enabled",
            "ssh_keypair",
            "nics",
            "volumes",
            "error_text",
            "created",
            "updated",
        ]
        read_only_fields = fields


class HostPowerActionSerializer(serializers.Serializer):
    """``POST /api/compute/hosts/{id}/power/``: an out-of-band power action."""

    action = serializers.ChoiceField(choices=["on", "off", "cycle", "reset", "status"])
