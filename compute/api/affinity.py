"""Affinity groups on the REST API: a tenant's groups (create, list, delete; no update, as
upstream) and the serializer of an instance's group change. Writes call
:mod:`compute.services.affinity`."""

from __future__ import annotations

from rest_framework import serializers

from compute.api.base import ServiceModelViewSet
from compute.api.serializers import CreateOnlyFieldsMixin
from compute.filtersets import AffinityGroupFilterSet
from compute.models import AffinityGroup
from compute.services import affinity as services
from portal.api.serializers import BriefRelatedField, PortalModelSerializer


class AffinityGroupSerializer(CreateOnlyFieldsMixin, PortalModelSerializer):
    instances = BriefRelatedField(many=True, read_only=True)

    class Meta:
        model = AffinityGroup
        url_basename = "affinitygroup"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "account",
            "name",
            "description",
            "group_type",
            "instances",
            "created",
            "updated",
        ]
        extra_kwargs = {"account": {"required": False}}
        create_only_fields = ("account", "name", "group_type")
        validators = []  # the service checks the name is unique in the account


class InstanceAffinitySerializer(serializers.Serializer):
    """The instance's groups after the change (an empty list: none)."""

    affinity_groups = BriefRelatedField(queryset=AffinityGroup.objects.all(), many=True)


class AffinityGroupViewSet(ServiceModelViewSet):
    """The affinity groups of the accounts the user may see. ``group_type``: ``host
    affinity`` keeps members on one host, ``host anti-affinity`` on distinct hosts."""

    queryset = AffinityGroup.objects.select_related("account").prefetch_related("instances")
    serializer_class = AffinityGroupSerializer
    filterset_class = AffinityGroupFilterSet
    ordering_fields = ["id", "name", "created"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    create_service = staticmethod(services.create_affinity_group)
    delete_service = staticmethod(services.delete_affinity_group)
