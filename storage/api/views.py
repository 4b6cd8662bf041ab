from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compute.api.base import ServiceModelViewSet, verb_schema
from compute.models import Instance
from compute.pool_connect import create_pool_and_connect
from portal.api.serializers import JobSerializer
from portal.api.viewsets import IsAdminOrReadOnly, ServiceViewMixin
from portal.models import Account
from storage import services
from storage.api.image_actions import TemplateActionsMixin
from storage.api.serializers import (
    DiskOfferingSerializer,
    ImageStoreSerializer,
    OSTypeSerializer,
    StoragePoolSerializer,
    TemplateSerializer,
    VolumeAttachSerializer,
    VolumeCreateSerializer,
    VolumeResizeSerializer,
    VolumeSerializer,
    VolumeUpdateSerializer,
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
from storage.services import volumes


class StoragePoolViewSet(ServiceModelViewSet):
    """Primary storage. State changes through ``enable``, ``disable``, ``maintenance`` and
    ``cancel-maintenance``."""

    queryset = StoragePool.objects.select_related("zone", "pod", "cluster", "host")
    serializer_class = StoragePoolSerializer
    filterset_class = StoragePoolFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created", "state", "capacity_bytes"]
    create_service = staticmethod(create_pool_and_connect)  # attached on its Up hosts
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
    queryset = DiskOffering.objects.filter(removed__isnull=True).select_related("domain")
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


class TemplateViewSet(TemplateActionsMixin, ServiceModelViewSet):
    """Templates and ISOs: tenants see their own and public ones and change their own;
    ``extract`` answers a download link, ``copy`` copies a zoned one to other zones."""

    queryset = Template.objects.select_related("os_type", "account", "zone")
    serializer_class = TemplateSerializer
    filterset_class = TemplateFilterSet
    ordering_fields = ["id", "name", "created", "state"]
    create_service = staticmethod(services.create_template)
    update_service = staticmethod(services.update_template)
    delete_service = staticmethod(services.delete_template)


class VolumeViewSet(
    ServiceViewMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Volumes of the accounts the user may see. Every write goes through
    :mod:`storage.services.volumes`: create answers 201 (an Allocated volume), ``attach``
    and ``detach`` 202 with the job, ``resize`` and rename (PATCH) 200, delete 204 (never
    created on storage) or 202 with the job that removes it from its pool."""

    queryset = Volume.objects.select_related(
        "account", "domain", "zone", "pool", "instance", "disk_offering", "template"
    )
    serializer_class = VolumeSerializer
    filterset_class = VolumeFilterSet
    ordering_fields = ["id", "name", "created", "state", "size"]

    def get_queryset(self):
        queryset = super().get_queryset()  # restricted by ServiceViewMixin
        if self.request.method != "GET":
            queryset = queryset.filter(removed__isnull=True)
        return queryset

    @extend_schema(request=VolumeCreateSerializer, responses={201: VolumeSerializer})
    def create(self, request, *args, **kwargs):
        """Create an Allocated data volume (quota checked; no storage I/O until attached)."""
        data = self._input(VolumeCreateSerializer)
        account = data.pop("account", None)
        if account is not None and account != request.user.account:
            Account.objects.restrict(request.user, "change").get(pk=account.pk)
        volume = volumes.create_volume(**self._actor(), account=account, **data)
        return Response(self.get_serializer(volume).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VolumeUpdateSerializer, responses={200: VolumeSerializer})
    def update(self, request, *args, **kwargs):
        """Rename the volume (PUT or PATCH)."""
        volume = self.get_object()
        data = self._input(VolumeUpdateSerializer)
        volume = volumes.update_volume(volume, **self._actor(), **data)
        return Response(self.get_serializer(volume).data)

    @extend_schema(request=VolumeUpdateSerializer, responses={200: VolumeSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(responses={202: JobSerializer, 204: None})
    def destroy(self, request, *args, **kwargs):
        """Delete a detached data volume: 204 when it was never created on storage, else 202
        with the job removing it from its pool."""
        job = volumes.delete_volume(self.get_object(), **self._actor())
        if job is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self.job_response(job)

    @extend_schema(request=VolumeAttachSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def attach(self, request, pk=None):
        volume = self.get_object()
        data = self._input(VolumeAttachSerializer)
        instance = (
            Instance.objects.restrict(request.user, "change")
            .select_related("host", "last_host")
            .filter(pk=data["instance"].pk)
            .first()
        )
        if instance is None:
            raise serializers.ValidationError({"instance": "Not found."})
        return self.job_response(
            volumes.attach_volume(
                volume, instance, device_id=data.get("device_id"), **self._actor()
            )
        )

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def detach(self, request, pk=None):
        return self.job_response(volumes.detach_volume(self.get_object(), **self._actor()))

    @extend_schema(request=VolumeResizeSerializer, responses={200: VolumeSerializer})
    @action(detail=True, methods=["post"])
    def resize(self, request, pk=None):
        volume = self.get_object()
        data = self._input(VolumeResizeSerializer)
        volume = volumes.resize_volume(volume, **self._actor(), **data)
        return Response(self.get_serializer(volume).data)
