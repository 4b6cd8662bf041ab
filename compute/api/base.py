"""API helpers shared by the compute and storage viewsets."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from portal.api.viewsets import PortalModelViewSet


class ServiceModelViewSet(PortalModelViewSet):
    """A :class:`PortalModelViewSet` whose service errors use the API's field names.

    Services name model fields (``url``); when the serializer exposes one under another name
    (``agent_url = CharField(source="url")``) the 400 answer names the API field.
    """

    def _api_error(self, exc: DjangoValidationError, serializer) -> DjangoValidationError:
        if not hasattr(exc, "error_dict"):
            return exc
        renamed = {
            field.source: name
            for name, field in serializer.fields.items()
            if field.source not in (None, "*", name)
        }
        if not renamed:
            return exc
        return DjangoValidationError(
            {renamed.get(key, key): errors for key, errors in exc.error_dict.items()}
        )

    def perform_create(self, serializer):
        try:
            super().perform_create(serializer)
        except DjangoValidationError as exc:
            raise self._api_error(exc, serializer) from exc

    def perform_update(self, serializer):
        try:
            super().perform_update(serializer)
        except DjangoValidationError as exc:
            raise self._api_error(exc, serializer) from exc

    def state_verb(self, service, request) -> Response:
        """Run a synchronous state-change service on the object and answer with it."""
        obj = self.get_object()
        obj = service(obj, acting_user=request.user, client_ip=getattr(request, "client_ip", None))
        return Response(self.get_serializer(obj).data, status=status.HTTP_200_OK)


def verb_schema(serializer_class, summary: str):
    """OpenAPI description of a bodiless POST verb answering with the object."""
    return extend_schema(request=None, responses={200: serializer_class}, summary=summary)
