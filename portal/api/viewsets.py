"""Base viewset: tenant-restricted querysets, and every write goes through a service.

A subclass declares ``queryset``, ``serializer_class``, ``filterset_class`` and the services:
``create_service(*, acting_user, client_ip, **validated_data) -> obj``,
``update_service(obj, *, acting_user, client_ip, **validated_data) -> obj`` and
``delete_service(obj, *, acting_user, client_ip)``. Services raise Django ``ValidationError``
(turned into 400 with field errors by ``portal.api.exceptions``).
"""

from rest_framework import permissions, status, viewsets
from rest_framework.response import Response

from portal.api.serializers import JobSerializer
from portal.querysets import is_root_admin


class IsAdminOrReadOnly(permissions.BasePermission):
    """Infrastructure: anyone authenticated may read, only root/resource admins write."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or is_root_admin(request.user)


class IsRootAdmin(permissions.BasePermission):
    """Root admins only, reading too (operator views such as the management servers)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_root_admin(request.user))


class ServiceViewMixin:
    """For every viewset whose writes call services: the queryset is restricted to what the
    user may see (or change, for unsafe methods), services get the actor, verbs validate
    their input with a serializer, and lifecycle verbs answer 202 with the job."""

    def get_queryset(self):
        action = "view" if self.request.method in permissions.SAFE_METHODS else "change"
        return super().get_queryset().restrict(self.request.user, action)

    def _actor(self) -> dict:
        return {
            "acting_user": self.request.user,
            "client_ip": getattr(self.request, "client_ip", None),
        }

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def job_response(self, job, **extra) -> Response:
        """Answer a lifecycle verb: 202 Accepted with the job to poll (plus ``extra``)."""
        data = {**JobSerializer(job, context=self.get_serializer_context()).data, **extra}
        return Response(data, status=status.HTTP_202_ACCEPTED)


class PortalModelViewSet(ServiceViewMixin, viewsets.ModelViewSet):
    create_service = None
    update_service = None
    delete_service = None

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(
            **self._actor(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).update_service(
            serializer.instance, **self._actor(), **serializer.validated_data
        )

    def perform_destroy(self, instance):
        type(self).delete_service(instance, **self._actor())
