"""FilterSets shared by the UI lists and the API."""

import django_filters
from django.db.models import Q

from compute.models import Zone


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
