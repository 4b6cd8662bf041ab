"""FilterSets shared by the UI lists and the API."""

import django_filters
from django.db.models import Q

from compute.models import (
    AffinityGroup,
    Cluster,
    Host,
    Instance,
    Pod,
    ServiceOffering,
    SSHKeyPair,
    Zone,
)


class PortalFilterSet(django_filters.FilterSet):
    """Adds ``q`` (free-text search over ``search_fields``) and ``uuid``."""

    search_fields: tuple[str, ...] = ("name",)
    q = django_filters.CharFilter(method="search", label="Search")
    uuid = django_filters.UUIDFilter()

    def search(self, queryset, name, value):
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)


class ZoneFilterSet(PortalFilterSet):
    class Meta:
        model = Zone
        fields = ["name", "network_type", "allocation_state", "local_storage_enabled"]


class PodFilterSet(PortalFilterSet):
    zone_id = django_filters.NumberFilter(field_name="zone_id")

    class Meta:
        model = Pod
        fields = ["name", "zone_id", "allocation_state"]


class ClusterFilterSet(PortalFilterSet):
    zone_id = django_filters.NumberFilter(field_name="zone_id")
    pod_id = django_filters.NumberFilter(field_name="pod_id")

    class Meta:
        model = Cluster
        fields = ["name", "zone_id", "pod_id", "hypervisor", "allocation_state"]


class HostFilterSet(PortalFilterSet):
    search_fields = ("name", "url", "private_ip")
    zone_id = django_filters.NumberFilter(field_name="zone_id")
    pod_id = django_filters.NumberFilter(field_name="pod_id")
    cluster_id = django_filters.NumberFilter(field_name="cluster_id")

    class Meta:
        model = Host
        fields = [
            "name",
            "zone_id",
            "pod_id",
            "cluster_id",
            "hypervisor",
            "host_type",
            "status",
            "resource_state",
        ]


class ServiceOfferingFilterSet(PortalFilterSet):
    search_fields = ("name", "display_text")

    class Meta:
        model = ServiceOffering
        fields = ["name", "state", "customized", "storage_type", "offer_ha", "is_system"]


class SSHKeyPairFilterSet(PortalFilterSet):
    search_fields = ("name", "fingerprint")

    class Meta:
        model = SSHKeyPair
        fields = ["name", "fingerprint", "account"]


class AffinityGroupFilterSet(PortalFilterSet):
    search_fields = ("name", "description")

    class Meta:
        model = AffinityGroup
        fields = ["name", "group_type", "account"]


class InstanceFilterSet(PortalFilterSet):
    """``q`` matches the name, display name, UUID, or any NIC's IP or MAC address."""

    zone_id = django_filters.NumberFilter(field_name="zone_id")
    host_id = django_filters.NumberFilter(field_name="host_id")
    state = django_filters.MultipleChoiceFilter(choices=Instance._meta.get_field("state").choices)

    class Meta:
        model = Instance
        fields = ["name", "state", "zone_id", "host_id", "account", "domain", "hypervisor"]

    def search(self, queryset, name, value):
        value = value.strip()
        query = (
            Q(name__icontains=value)
            | Q(display_name__icontains=value)
            | Q(uuid__icontains=value)
            | Q(nics__ip_address__startswith=value)
            | Q(nics__mac_address__iexact=value)
        )
        return queryset.filter(query).distinct()
