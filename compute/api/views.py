from compute import services
from compute.api.serializers import ZoneSerializer
from compute.filtersets import ZoneFilterSet
from compute.models import Zone
from portal.api.viewsets import IsAdminOrReadOnly, PortalModelViewSet


class ZoneViewSet(PortalModelViewSet):
    queryset = Zone.objects.select_related("domain")
    serializer_class = ZoneSerializer
    filterset_class = ZoneFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_zone)
    update_service = staticmethod(services.update_zone)
    delete_service = staticmethod(services.delete_zone)
