from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from compute import services
from compute.api.base import ServiceModelViewSet, verb_schema
from compute.api.serializers import (
    ClusterSerializer,
    HostPowerActionSerializer,
    HostSerializer,
    PodSerializer,
    ServiceOfferingSerializer,
    SSHKeyPairSerializer,
    ZoneSerializer,
)
from compute.filtersets import (
    ClusterFilterSet,
    HostFilterSet,
    PodFilterSet,
    ServiceOfferingFilterSet,
    SSHKeyPairFilterSet,
    ZoneFilterSet,
)
from compute.models import Cluster, Host, Pod, ServiceOffering, SSHKeyPair, Zone
from compute.services.oobm import request_power_action
from portal.api.serializers import JobSerializer
from portal.api.viewsets import IsAdminOrReadOnly


class ZoneViewSet(ServiceModelViewSet):
    queryset = Zone.objects.select_related("domain")
    serializer_class = ZoneSerializer
    filterset_class = ZoneFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_zone)
    update_service = staticmethod(services.update_zone)
    delete_service = staticmethod(services.delete_zone)


class PodViewSet(ServiceModelViewSet):
    queryset = Pod.objects.select_related("zone")
    serializer_class = PodSerializer
    filterset_class = PodFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_pod)
    update_service = staticmethod(services.update_pod)
    delete_service = staticmethod(services.delete_pod)


class ClusterViewSet(ServiceModelViewSet):
    queryset = Cluster.objects.select_related("zone", "pod")
    serializer_class = ClusterSerializer
    filterset_class = ClusterFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_cluster)
    update_service = staticmethod(services.update_cluster)
    delete_service = staticmethod(services.delete_cluster)


class HostViewSet(ServiceModelViewSet):
    """Hypervisor hosts. Connection status is reported by the agent side; the resource state
    changes through the ``enable``, ``disable``, ``maintenance`` and ``cancel-maintenance``
    verbs."""

    queryset = Host.objects.select_related("zone", "pod", "cluster", "ha_config")
    serializer_class = HostSerializer
    filterset_class = HostFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created", "status", "resource_state"]
    create_service = staticmethod(services.create_host)
    update_service = staticmethod(services.update_host)
    delete_service = staticmethod(services.delete_host)

    @verb_schema(HostSerializer, "Enable the host for new instances")
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        return self.state_verb(services.enable_host, request)

    @verb_schema(HostSerializer, "Disable the host for new instances")
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        return self.state_verb(services.disable_host, request)

    @verb_schema(HostSerializer, "Prepare the host for maintenance")
    @action(detail=True, methods=["post"])
    def maintenance(self, request, pk=None):
        return self.state_verb(services.prepare_host_for_maintenance, request)

    @verb_schema(HostSerializer, "Bring the host out of maintenance")
    @action(detail=True, methods=["post"], url_path="cancel-maintenance")
    def cancel_maintenance(self, request, pk=None):
        return self.state_verb(services.cancel_host_maintenance, request)

    @extend_schema(
        request=HostPowerActionSerializer,
        responses={202: JobSerializer},
        summary="Out-of-band power action (on, off, cycle, reset, status): 202 with the job",
    )
    @action(detail=True, methods=["post"])
    def power(self, request, pk=None):
        body = HostPowerActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = request_power_action(
            self.get_object(),
            body.validated_data["action"],
            acting_user=request.user,
            client_ip=getattr(request, "client_ip", None),
        )
        data = JobSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class ServiceOfferingViewSet(ServiceModelViewSet):
    queryset = ServiceOffering.objects.filter(removed__isnull=True).select_related("domain")
    serializer_class = ServiceOfferingSerializer
    filterset_class = ServiceOfferingFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created", "cpu_number", "memory"]
    create_service = staticmethod(services.create_service_offering)
    update_service = staticmethod(services.update_service_offering)
    delete_service = staticmethod(services.delete_service_offering)


class SSHKeyPairViewSet(ServiceModelViewSet):
    """A tenant's SSH key pairs. Creating one without ``public_key`` generates a pair and
    returns its private key once."""

    queryset = SSHKeyPair.objects.select_related("account")
    serializer_class = SSHKeyPairSerializer
    filterset_class = SSHKeyPairFilterSet
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_ssh_keypair)
    update_service = staticmethod(services.update_ssh_keypair)
    delete_service = staticmethod(services.delete_ssh_keypair)
