"""API views of the portal app: root, jobs, events."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from portal.api.serializers_core import AsyncJobSerializer, EventSerializer
from portal.filtersets import AsyncJobFilterSet, EventFilterSet
from portal.models import AsyncJob, Event

SECTIONS = [
    "job",
    "event",
    "configuration",
    "managementserver",
    "domain",
    "account",
    "user",
    "project",
    "role",
    "apikey",
    "resourcelimit",
    "zone",
    "pod",
    "cluster",
    "host",
    "serviceoffering",
    "sshkeypair",
    "instance",
    "storagepool",
    "imagestore",
    "diskoffering",
    "ostype",
    "template",
    "volume",
    "physicalnetwork",
    "traffictype",
    "networkoffering",
    "network",
    "publiciprange",
    "ipaddress",
    "nic",
    "guestvlan",
]


class ApiRootView(APIView):
    """Entry point listing the API's sections."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        links = {name: reverse(f"api:{name}-list", request=request) for name in SECTIONS}
        links["schema"] = reverse("schema", request=request)
        links["docs"] = reverse("api-docs", request=request)
        return Response(links)


class AsyncJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Async jobs: poll one to follow a lifecycle verb's progress."""

    queryset = AsyncJob.objects.select_related("user", "account")
    serializer_class = AsyncJobSerializer
    filterset_class = AsyncJobFilterSet
    ordering_fields = ["id", "created", "status"]

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, "view")


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log."""

    queryset = Event.objects.select_related("user", "account", "domain")
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    ordering_fields = ["id", "created"]

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, "view")
