"""REST verbs for templates and ISOs that /client/api also has (same services): extract a
download link, copy to other zones, attach/detach an ISO on an instance."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from compute.models import Zone
from portal.api.serializers import JobSerializer
from storage.models import Template
from storage.services import isos
from storage.services.extract import expiration_s, extract_template
from storage.services.template_copy import copy_template


class TemplateCopySerializer(serializers.Serializer):
    zones = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Zone.objects.all(), help_text="destination zones"
    )


class IsoAttachSerializer(serializers.Serializer):
    iso = serializers.PrimaryKeyRelatedField(queryset=Template.objects.filter(is_iso=True))
    forced = serializers.BooleanField(default=False, help_text="swap an attached ISO")


EXTRACT_ANSWER = inline_serializer(
    "TemplateExtract",
    {
        "url": serializers.URLField(),
        "extract_id": serializers.UUIDField(),
        "expires_in": serializers.IntegerField(help_text="seconds the link stays valid"),
    },
)


class TemplateActionsMixin:
    """``POST templates/{id}/extract/`` (200, the link) and ``.../copy/`` (202, the job)."""

    @extend_schema(request=None, responses={200: EXTRACT_ANSWER})
    @action(detail=True, methods=["post"])
    def extract(self, request, pk=None):
        out = extract_template(
            self.get_object(),
            mode="HTTP_DOWNLOAD",
            base_url=request.build_absolute_uri("/"),
            **self._actor(),
        )
        return Response(
            {"url": out["url"], "extract_id": out["extract_id"], "expires_in": expiration_s()}
        )

    @extend_schema(request=TemplateCopySerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        data = self._input(TemplateCopySerializer)
        return self.job_response(
            copy_template(self.get_object(), destinations=data["zones"], **self._actor())
        )


class InstanceIsoMixin:
    """``POST instances/{id}/attach-iso/`` and ``.../detach-iso/`` (202, the job)."""

    @extend_schema(request=IsoAttachSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"], url_path="attach-iso")
    def attach_iso(self, request, pk=None):
        data = self._input(IsoAttachSerializer)
        iso = Template.objects.restrict(request.user, "view").filter(pk=data["iso"].pk).first()
        if iso is None:
            raise serializers.ValidationError({"iso": "Not found."})
        return self.job_response(
            isos.attach_iso(iso, self.get_object(), forced=data["forced"], **self._actor())
        )

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"], url_path="detach-iso")
    def detach_iso(self, request, pk=None):
        return self.job_response(isos.detach_iso(self.get_object(), **self._actor()))
