"""FilterSets for storage objects (shared by UI and API)."""

import django_filters

from compute.filtersets import PortalFilterSet
from storage.models import DiskOffering, ImageStore, OSType, StoragePool, Template, Volume


class StoragePoolFilterSet(PortalFilterSet):
    search_fields = ("name", "url", "path")
    zone_id = django_filters.NumberFilter(field_name="zone_id")
    pod_id = django_filters.NumberFilter(field_name="pod_id")
    cluster_id = django_filters.NumberFilter(field_name="cluster_id")
    host_id = django_filters.NumberFilter(field_name="host_id")

    class Meta:
        model = StoragePool
        fields = [
            "name",
            "zone_id",
            "pod_id",
            "cluster_id",
            "host_id",
            "scope",
            "protocol",
            "hypervisor",
            "state",
        ]


class ImageStoreFilterSet(PortalFilterSet):
    search_fields = ("name", "url")
    zone_id = django_filters.NumberFilter(field_name="zone_id")

    class Meta:
        model = ImageStore
        fields = ["name", "zone_id", "protocol", "read_only"]


class DiskOfferingFilterSet(PortalFilterSet):
    search_fields = ("name", "display_text")

    class Meta:
        model = DiskOffering
        fields = ["name", "customized", "storage_type", "provisioning_type", "state"]


class OSTypeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="description", lookup_expr="icontains")

    class Meta:
        model = OSType
        fields = ["category", "description"]


class TemplateFilterSet(PortalFilterSet):
    search_fields = ("name", "display_text")
    zone_id = django_filters.NumberFilter(field_name="zone_id")
    os_type_id = django_filters.NumberFilter(field_name="os_type_id")

    class Meta:
        model = Template
        fields = [
            "name",
            "is_iso",
            "format",
            "hypervisor",
            "zone_id",
            "os_type_id",
            "account",
            "is_public",
            "is_featured",
            "state",
            "template_type",
        ]


class VolumeFilterSet(PortalFilterSet):
    zone_id = django_filters.NumberFilter(field_name="zone_id")
    instance_id = django_filters.NumberFilter(field_name="instance_id")
    pool_id = django_filters.NumberFilter(field_name="pool_id")

    class Meta:
        model = Volume
        fields = [
            "name",
            "zone_id",
            "instance_id",
            "pool_id",
            "volume_type",
            "state",
            "account",
        ]
