from rest_framework import viewsets
from rest_framework.decorators import action

from compute.api.base import ServiceModelViewSet, verb_schema
from portal.api.viewsets import IsAdminOrReadOnly
from storage import services
from storage.api.serializers import (
    DiskOfferingSerializer,
    ImageStoreSerializer,
    OSTypeSerializer,
    StoragePoolSerializer,
    TemplateSerializer,
    VolumeSerializer,
)
from storage.filtersets import (
    DiskOfferingFilterSet,
    ImageStoreFilterSet,
    OSTypeFilterSet,
    StoragePoolFilterSet,
    TemplateFilterSet,
    VolumeFilterSet,
)
from storage.models import DiskOffering, ImageStore, OSType, StoragePool, Template, Volume


class StoragePoolViewSet(ServiceModelViewSet):
    """Primary storage. State changes through ``enable``, ``disable``, ``maintenance`` and
    ``cancel-maintenance``."""

    queryset = StoragePool.objects.select_related("zone", "pod", "cluster", "host")
    serializer_class = StoragePoolSerializer
    filterset_class = StoragePoolFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created", "state", "capacity_bytes"]
    create_service = staticmethod(services.create_storage_pool)
    update_service = staticmethod(services.update_storage_pool)
    delete_service = staticmethod(services.delete_storage_pool)

    @verb_schema(StoragePoolSerializer, "Enable the pool for new volumes")
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        return self.state_verb(services.enable_storage_pool, request)

    @verb_schema(StoragePoolSerializer, "Disable the pool for new volumes")
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        return self.state_verb(services.disable_storage_pool, request)

    @verb_schema(StoragePoolSerializer, "Put the pool in maintenance")
    @action(detail=True, methods=["post"])
    def maintenance(self, request, pk=None):
        return self.state_verb(services.enable_storage_pool_maintenance, request)

    @verb_schema(StoragePoolSerializer, "Bring the pool out of maintenance")
    @action(detail=True, methods=["post"], url_path="cancel-maintenance")
    def cancel_maintenance(self, request, pk=None):
        return self.state_verb(services.cancel_storage_pool_maintenance, request)


class ImageStoreViewSet(ServiceModelViewSet):
    """Secondary storage for templates, ISOs and snapshots."""

    queryset = ImageStore.objects.select_related("zone")
    serializer_class = ImageStoreSerializer
    filterset_class = ImageStoreFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_image_store)
    update_service = staticmethod(services.update_image_store)
    delete_service = staticmethod(services.delete_image_store)


class DiskOfferingViewSet(ServiceModelViewSet):
    queryset = DiskOffering.objects.select_related("domain")
    serializer_class = DiskOfferingSerializer
    filterset_class = DiskOfferingFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created", "disk_size"]
    create_service = staticmethod(services.create_disk_offering)
    update_service = staticmethod(services.update_disk_offering)
    delete_service = staticmethod(services.delete_disk_offering)


class OSTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """Guest OS types (``listOsTypes``)."""

    queryset = OSType.objects.all()
    serializer_class = OSTypeSerializer
    filterset_class = OSTypeFilterSet
    ordering_fields = ["id", "description", "category"]


class TemplateViewSet(ServiceModelViewSet):
    """Templates and ISOs: tenants see their own and public ones and change their own."""

    queryset = Template.objects.select_related("os_type", "account", "zone")
    serializer_class = TemplateSerializer
    filterset_class = TemplateFilterSet
    ordering_fields = ["id", "name", "created", "state"]
    create_service = staticmethod(services.create_template)
    update_service = staticmethod(services.update_template)
    delete_service = staticmethod(services.delete_template)


class VolumeViewSet(viewsets.ReadOnlyModelViewSet):
    """Volumes (read-only here; create/attach/resize come with the lifecycle work)."""

    queryset = Volume.objects.select_related(
        "account", "domain", "zone", "pool", "instance", "disk_offering", "template"
    )
    serializer_class = VolumeSerializer
    filterset_class = VolumeFilterSet
    ordering_fields = ["id", "name", "created", "state", "size"]

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, "view")
