"""FilterSets for jobs and events (shared by UI and API)."""

import django_filters

from compute.filtersets import PortalFilterSet
from portal.models import AsyncJob, Event


class AsyncJobFilterSet(PortalFilterSet):
    search_fields = ("command", "resource_id", "progress_message", "error_text")

    class Meta:
        model = AsyncJob
        fields = ["command", "status", "resource_type", "resource_id", "account"]


class EventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="description", lookup_expr="icontains")
    created_after = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="lte")

    class Meta:
        model = Event
        fields = [
            "event_type",
            "level",
            "state",
            "resource_type",
            "resource_id",
            "account",
            "domain",
        ]
