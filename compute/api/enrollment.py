"""``/api/compute/enrollment-tokens/``: enrollment tokens of connected agents (root admins).

A token is returned once, in the answer to its creation (``token`` and the agent command
line ``connect_command``); afterwards only its prefix, uses and expiry can be read.
"""

from rest_framework import permissions, serializers

from compute.api.base import ServiceModelViewSet
from compute.models import Cluster, HostEnrollmentToken
from compute.services import enrollment
from portal.api.serializers import BriefRelatedField, PortalModelSerializer
from portal.querysets import is_root_admin


class IsRootAdmin(permissions.BasePermission):
    """Tokens let a machine join the cloud: only root admins see or make them."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_root_admin(request.user))


class EnrollmentTokenSerializer(PortalModelSerializer):
    cluster = BriefRelatedField(queryset=Cluster.objects.all())
    valid_hours = serializers.IntegerField(
        write_only=True, required=False, default=24, min_value=1,
        max_value=enrollment.MAX_VALID_HOURS, help_text="Validity in hours (default 24).",
    )  # fmt: skip
    max_uses = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=enrollment.MAX_USES,
        help_text="How many hosts may register with it (default 1).",
    )  # fmt: skip
    token = serializers.SerializerMethodField(help_text="Shown once, in the create answer.")
    connect_command = serializers.SerializerMethodField(help_text="Only in the create answer.")

    class Meta:
        model = HostEnrollmentToken
        url_basename = "enrollmenttoken"
        fields = [
            "id", "uuid", "url", "display", "cluster", "prefix", "valid_hours", "max_uses",
            "uses", "used_at", "expires_at", "token", "connect_command", "created",
        ]  # fmt: skip
        read_only_fields = ["prefix", "uses", "used_at", "expires_at", "created"]

    def get_token(self, obj) -> str | None:
        return getattr(obj, "plaintext", None)

    def get_connect_command(self, obj) -> str | None:
        token = getattr(obj, "plaintext", None)
        return enrollment.connect_command(obj.cluster, token) if token else None


def _create(*, acting_user, client_ip=None, cluster, valid_hours=24, max_uses=1):
    row, token = enrollment.create_enrollment_token(
        acting_user=acting_user, cluster=cluster, valid_hours=valid_hours, max_uses=max_uses,
        client_ip=client_ip,
    )  # fmt: skip
    row.plaintext = token
    return row


class EnrollmentTokenViewSet(ServiceModelViewSet):
    """Create (the token is in the answer, once), list and revoke enrollment tokens."""

    queryset = HostEnrollmentToken.objects.select_related("cluster")
    serializer_class = EnrollmentTokenSerializer
    permission_classes = [IsRootAdmin]
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["id", "created", "expires_at"]
    create_service = staticmethod(_create)
    delete_service = staticmethod(enrollment.delete_enrollment_token)
