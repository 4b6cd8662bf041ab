"""``/api/storage/snapshots/``: list and detail of the snapshots the user may see; create
(202 with the job and the Creating snapshot), delete (202) and ``revert`` (202), all through
:mod:`storage.services.snapshots`."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compute.api.serializers import enum_field
from compute.filtersets import PortalFilterSet
from portal.api.serializers import BriefRelatedField, JobSerializer, PortalModelSerializer
from portal.api.viewsets import ServiceViewMixin
from storage.models import Snapshot, SnapshotState, Volume
from storage.services import snapshots


class SnapshotFilterSet(PortalFilterSet):
    volume_id = django_filters.NumberFilter(field_name="volume_id")
    zone_id = django_filters.NumberFilter(field_name="zone_id")

    class Meta:
        model = Snapshot
        fields = ["name", "volume_id", "zone_id", "state", "account"]


class SnapshotSerializer(PortalModelSerializer):
    state = enum_field(SnapshotState, "SnapshotStateEnum", read_only=True)

    class Meta:
        model = Snapshot
        url_basename = "snapshot"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "volume",
            "account",
            "domain",
            "zone",
            "state",
            "size",
            "physical_name",
            "created",
            "updated",
        ]
        read_only_fields = fields


class SnapshotCreateSerializer(serializers.Serializer):
    """What ``create_snapshot`` takes; the volume must be one the user may change."""

    volume = BriefRelatedField(queryset=Volume.objects.filter(removed__isnull=True))
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)

    def validate_volume(self, volume: Volume) -> Volume:
        request = self.context["request"]
        if not Volume.objects.restrict(request.user, "change").filter(pk=volume.pk).exists():
            raise serializers.ValidationError("You may not snapshot this volume.")
        return volume


class SnapshotJobSerializer(JobSerializer):
    """202 answer of a create: the job to poll and the Creating snapshot."""

    snapshot = SnapshotSerializer()


class SnapshotViewSet(
    ServiceViewMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Volume snapshots of the accounts the user may see. Create, delete and ``revert``
    answer 202 with the job doing the work on the hypervisor."""

    queryset = Snapshot.objects.select_related("volume", "account", "domain", "zone")
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilterSet
    ordering_fields = ["id", "name", "created", "state", "size"]

    def get_queryset(self):
        queryset = super().get_queryset()  # restricted by ServiceViewMixin
        if self.request.method != "GET":
            queryset = queryset.filter(removed__isnull=True)
        return queryset

    @extend_schema(request=SnapshotCreateSerializer, responses={202: SnapshotJobSerializer})
    def create(self, request, *args, **kwargs):
        """Snapshot a Ready volume (quota checked); the job takes it on the host."""
        serializer = SnapshotCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        volume = Volume.objects.select_related("instance", "account__domain").get(
            pk=serializer.validated_data["volume"].pk
        )
        snapshot, job = snapshots.create_snapshot(
            volume, name=serializer.validated_data.get("name", ""), **self._actor()
        )
        data = JobSerializer(job, context=self.get_serializer_context()).data
        data["snapshot"] = self.get_serializer(snapshot).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={202: JobSerializer})
    def destroy(self, request, *args, **kwargs):
        """Delete the snapshot from primary storage (202 with the job)."""
        return self.job_response(snapshots.delete_snapshot(self.get_object(), **self._actor()))

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        """Revert the volume to this snapshot; its instance must be Stopped."""
        return self.job_response(snapshots.revert_snapshot(self.get_object(), **self._actor()))
