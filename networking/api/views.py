"""Networking API: infrastructure (physical networks, traffic types, offerings, IP ranges) is
admin-written; guest networks are tenant-owned; IPs, NICs and guest VLANs are read-only lists
with the allocate/release verbs for public IPs."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from networking import services
from networking.api.serializers import (
    AllocatePublicIpSerializer,
    GuestVlanSerializer,
    IPAddressSerializer,
    NetworkOfferingSerializer,
    NetworkSerializer,
    NicSerializer,
    PhysicalNetworkSerializer,
    PublicIpRangeSerializer,
    TrafficTypeSerializer,
)
from networking.filtersets import (
    GuestVlanFilterSet,
    IPAddressFilterSet,
    NetworkFilterSet,
    NetworkOfferingFilterSet,
    NicFilterSet,
    PhysicalNetworkFilterSet,
    PublicIpRangeFilterSet,
    TrafficTypeFilterSet,
)
from networking.models import (
    GuestVlan,
    IPAddress,
    Network,
    NetworkOffering,
    Nic,
    PhysicalNetwork,
    PublicIpRange,
    TrafficType,
)
from networking.services.networks import usable_networks
from portal.api.viewsets import IsAdminOrReadOnly, PortalModelViewSet, ServiceViewMixin
from portal.models import Account
from portal.querysets import is_root_admin


class RestrictedReadOnlyViewSet(ServiceViewMixin, viewsets.ReadOnlyModelViewSet):
    """List/retrieve through ``restrict()``; verbs (POST actions) restrict for "change"."""


class PhysicalNetworkViewSet(PortalModelViewSet):
    queryset = PhysicalNetwork.objects.select_related("zone", "domain").prefetch_related(
        "traffic_types"
    )
    serializer_class = PhysicalNetworkSerializer
    filterset_class = PhysicalNetworkFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_physical_network)
    update_service = staticmethod(services.update_physical_network)
    delete_service = staticmethod(services.delete_physical_network)


class TrafficTypeViewSet(PortalModelViewSet):
    queryset = TrafficType.objects.select_related("physical_network")
    serializer_class = TrafficTypeSerializer
    filterset_class = TrafficTypeFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "traffic_type"]
    create_service = staticmethod(services.create_traffic_type)
    update_service = staticmethod(services.update_traffic_type)
    delete_service = staticmethod(services.delete_traffic_type)

    def get_queryset(self):
        # Infrastructure like its physical network: everyone reads, admins write (permission).
        return self.queryset.all()


class NetworkOfferingViewSet(PortalModelViewSet):
    queryset = NetworkOffering.objects.filter(removed__isnull=True)
    serializer_class = NetworkOfferingSerializer
    filterset_class = NetworkOfferingFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_network_offering)
    update_service = staticmethod(services.update_network_offering)
    delete_service = staticmethod(services.delete_network_offering)


class PublicIpRangeViewSet(PortalModelViewSet):
    queryset = PublicIpRange.objects.select_related(
        "zone", "pod", "physical_network", "network", "account", "domain"
    )
    serializer_class = PublicIpRangeSerializer
    filterset_class = PublicIpRangeFilterSet
    permission_classes = [IsAdminOrReadOnly]
    ordering_fields = ["id", "start_ip", "created"]
    create_service = staticmethod(services.create_public_ip_range)
    update_service = staticmethod(services.update_public_ip_range)
    delete_service = staticmethod(services.delete_public_ip_range)


class NetworkViewSet(PortalModelViewSet):
    queryset = Network.objects.filter(removed__isnull=True).select_related(
        "zone", "physical_network", "network_offering", "account", "domain", "project"
    )
    serializer_class = NetworkSerializer
    filterset_class = NetworkFilterSet
    ordering_fields = ["id", "name", "created"]
    create_service = staticmethod(services.create_network)
    update_service = staticmethod(services.update_network)
    delete_service = staticmethod(services.delete_network)

    def get_queryset(self):
        """Own networks, plus (to view) shared domain networks of the user's domain or above."""
        if self.request.method not in permissions.SAFE_METHODS:
            return super().get_queryset()
        return usable_networks(self.queryset.all(), self.request.user)


class IPAddressViewSet(RestrictedReadOnlyViewSet):
    queryset = IPAddress.objects.select_related("ip_range", "zone", "account", "network")
    serializer_class = IPAddressSerializer
    filterset_class = IPAddressFilterSet
    ordering_fields = ["id", "address", "allocated"]

    @extend_schema(
        request=AllocatePublicIpSerializer,
        responses={201: IPAddressSerializer},
        summary="Allocate a free public IP of a zone (CloudStack associateIpAddress)",
    )
    @action(detail=False, methods=["post"])
    def allocate(self, request):
        data = AllocatePublicIpSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        network = data.validated_data.get("network")
        account = data.validated_data.get("account") or (
            network.account if network is not None else request.user.account
        )
        if not Account.objects.restrict(request.user, "view").filter(pk=account.pk).exists():
            return Response({"account": ["Object does not exist."]}, status=400)
        # InsufficientCapacity (533) becomes a 409 in portal.api.exceptions.
        ip = services.allocate_public_ip(
            account, data.validated_data["zone"], network, **self._actor()
        )
        return Response(
            self.get_serializer(ip).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={200: IPAddressSerializer},
        summary="Release an allocated public IP (CloudStack disassociateIpAddress)",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        ip = services.release_public_ip(self.get_object(), **self._actor())
        return Response(self.get_serializer(ip).data)


class NicViewSet(RestrictedReadOnlyViewSet):
    queryset = Nic.objects.select_related("instance", "network")
    serializer_class = NicSerializer
    filterset_class = NicFilterSet
    ordering_fields = ["id", "device_id", "ip_address"]


class GuestVlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Guest VLANs: admins see every pool row; others the VLANs of accounts they manage."""

    queryset = GuestVlan.objects.select_related("physical_network", "account", "network")
    serializer_class = GuestVlanSerializer
    filterset_class = GuestVlanFilterSet
    ordering_fields = ["id", "vnet", "allocated"]

    def get_queryset(self):
        if is_root_admin(self.request.user):
            return self.queryset.all()
        return self.queryset.filter(
            account__in=Account.objects.restrict(self.request.user, "view").values("pk")
        )
