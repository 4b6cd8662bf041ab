"""REST API of the management servers (root admins): /api/portal/management-servers/.

Read-only: each node with its state, heartbeat age and whether it holds the ``beat`` lease
(runs the periodic jobs). The rows are written by the nodes themselves
(``portal.services.management``); ``/client/api`` has the same as ``listManagementServers``.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets

from portal.api.viewsets import IsRootAdmin
from portal.models import ManagementServer
from portal.services import management


class ManagementServerSerializer(serializers.ModelSerializer):
    """A management node; ``is_leader``/``leader_since``/``heartbeat_age`` are computed."""

    is_leader = serializers.SerializerMethodField()
    leader_since = serializers.SerializerMethodField()
    heartbeat_age = serializers.SerializerMethodField(help_text="seconds since the heartbeat")

    class Meta:
        model = ManagementServer
        fields = [
            "id", "uuid", "name", "state", "version", "service_ip", "service_port", "pid",
            "last_heartbeat", "heartbeat_age", "is_leader", "leader_since", "last_start",
            "last_stop", "last_boot", "os_distribution", "kernel_version", "python_version",
        ]  # fmt: skip
        read_only_fields = fields

    def _view(self, server) -> management.ServerView:
        views = self.context.setdefault("_server_views", {})
        if server.pk not in views:
            views[server.pk] = management.servers([server])[0]
        return views[server.pk]

    def get_is_leader(self, server) -> bool:
        return self._view(server).is_leader

    def get_leader_since(self, server) -> str | None:
        since = self._view(server).leader_since
        return serializers.DateTimeField().to_representation(since) if since else None

    def get_heartbeat_age(self, server) -> float | None:
        age = self._view(server).heartbeat_age
        return None if age is None else round(age, 1)


class ManagementServerViewSet(viewsets.ReadOnlyModelViewSet):
    """The management plane's nodes and which one runs the periodic jobs."""

    queryset = ManagementServer.objects.all()
    serializer_class = ManagementServerSerializer
    permission_classes = [IsRootAdmin]
    filterset_fields = ["state", "name"]
    ordering_fields = ["name", "last_heartbeat"]
