from rest_framework import serializers

from compute.api.serializers import CreateOnlyFieldsMixin, TagListField, enum_field
from compute.choices import OfferingState
from compute.models import Instance, Zone
from portal.api.serializers import BriefRelatedField, PortalModelSerializer
from portal.models import Account
from storage.choices import PoolState, TemplateState, VolumeState
from storage.models import DiskOffering, ImageStore, OSType, StoragePool, Template, Volume


class StoragePoolSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    storage_url = serializers.CharField(
        source="url",
        max_length=1024,
        help_text="nfs://server/path, smb|cifs://server/share?user=&password=&domain=, "
        "file:///path or local. Credentials are stored encrypted, never returned.",
    )
    tags = TagListField(required=False)
    state = enum_field(PoolState, "PoolStateEnum", read_only=True)

    class Meta:
        model = StoragePool
        url_basename = "storagepool"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "zone",
            "pod",
            "cluster",
            "host",
            "scope",
            "protocol",
            "storage_url",
            "server",
            "path",
            "hypervisor",
            "provider",
            "capacity_bytes",
            "used_bytes",
            "allocated_bytes",
            "overprovisioning_factor",
            "tags",
            "state",
            "created",
            "updated",
        ]
        read_only_fields = ["protocol", "server", "path", "used_bytes", "allocated_bytes", "state"]
        extra_kwargs = {
            "zone": {"required": False},
            "scope": {"required": False},
        }
        create_only_fields = [
            "zone",
            "pod",
            "cluster",
            "host",
            "scope",
            "storage_url",
            "hypervisor",
            "provider",
        ]
        validators = []


class ImageStoreSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    storage_url = serializers.CharField(
        source="url",
        max_length=1024,
        help_text="nfs://server/path or cifs://server/share?user=&password=&domain= "
        "(the password is stored encrypted, never returned).",
    )

    class Meta:
        model = ImageStore
        url_basename = "imagestore"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "zone",
            "protocol",
            "provider",
            "storage_url",
            "server",
            "path",
            "username",
            "smb_domain",
            "read_only",
            "capacity_bytes",
            "used_bytes",
            "created",
            "updated",
        ]
        read_only_fields = [
            "protocol",
            "provider",
            "server",
            "path",
            "username",
            "smb_domain",
            "capacity_bytes",
            "used_bytes",
        ]
        create_only_fields = ["zone", "storage_url"]
        validators = []


class DiskOfferingSerializer(PortalModelSerializer):
    tags = TagListField(required=False)
    state = enum_field(OfferingState, "OfferingStateEnum", required=False)

    class Meta:
        model = DiskOffering
        url_basename = "diskoffering"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "display_text",
            "disk_size",
            "customized",
            "min_size",
            "max_size",
            "tags",
            "storage_type",
            "provisioning_type",
            "state",
            "domain",
            "created",
            "updated",
        ]


class OSTypeSerializer(serializers.ModelSerializer):
    display = serializers.CharField(source="description", read_only=True)

    class Meta:
        model = OSType
        fields = ["id", "uuid", "display", "category", "description"]
        read_only_fields = fields


class TemplateSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    download_url = serializers.CharField(
        source="url", max_length=2048, help_text="http(s) URL the image is downloaded from."
    )
    state = enum_field(TemplateState, "TemplateStateEnum", read_only=True)

    class Meta:
        model = Template
        url_basename = "template"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "display_text",
            "is_iso",
            "format",
            "hypervisor",
            "os_type",
            "download_url",
            "checksum",
            "template_type",
            "account",
            "zone",
            "is_public",
            "is_featured",
            "is_extractable",
            "bootable",
            "password_enabled",
            "size",
            "physical_size",
            "state",
            "download_percent",
            "created",
            "updated",
        ]
        read_only_fields = [
            "template_type",
            "account",
            "size",
            "physical_size",
            "state",
            "download_percent",
        ]
        extra_kwargs = {"format": {"required": False}}
        create_only_fields = ["download_url", "is_iso", "zone", "checksum"]
        validators = []


class VolumeSerializer(PortalModelSerializer):
    state = enum_field(VolumeState, "VolumeStateEnum", read_only=True)

    class Meta:
        model = Volume
        url_basename = "volume"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "account",
            "domain",
            "zone",
            "pool",
            "instance",
            "volume_type",
            "size",
            "disk_offering",
            "template",
            "device_id",
            "format",
            "state",
            "created",
            "updated",
        ]
        read_only_fields = fields


class VolumeCreateSerializer(serializers.Serializer):
    """What ``create_volume`` takes; references are limited to what the user may see."""

    zone = BriefRelatedField(queryset=Zone.objects.all())
    disk_offering = BriefRelatedField(queryset=DiskOffering.objects.all())
    size = serializers.IntegerField(
        min_value=1, required=False, help_text="GiB; only with a custom-size disk offering."
    )
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    account = BriefRelatedField(
        queryset=Account.objects.all(),
        required=False,
        help_text="Create for another account (admins).",
    )


class VolumeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)


class VolumeAttachSerializer(serializers.Serializer):
    instance = BriefRelatedField(queryset=Instance.objects.all())
    device_id = serializers.IntegerField(min_value=1, max_value=15, required=False)


class VolumeResizeSerializer(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, required=False, help_text="New size in GiB.")
    disk_offering = BriefRelatedField(queryset=DiskOffering.objects.all(), required=False)

    def validate(self, attrs):
        if not attrs.get("size") and not attrs.get("disk_offering"):
            raise serializers.ValidationError({"size": "Give a new size or disk offering."})
        return attrs
