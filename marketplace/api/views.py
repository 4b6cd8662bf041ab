"""Marketplace API: catalogs, catalog items (install), plugins (enable/disable, configure,
test, rollback, uninstall, export/import, site lock), script extensions and their runs.
Root admins only; every mutation goes through ``marketplace.services``."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from marketplace import reload, services, transfer
from marketplace.api import serializers as s
from marketplace.models import (
    Catalog,
    CatalogItem,
    Extension,
    ExtensionResourceMap,
    ExtensionRun,
    Plugin,
)
from marketplace.plugin import LOAD_ERRORS
from marketplace.services import bindings
from marketplace.services import extensions as ext_services
from portal.api.serializers import JobSerializer
from portal.api.viewsets import PortalModelViewSet
from portal.querysets import is_root_admin
from portal.services.jobs import create_job


class IsRootAdmin(permissions.BasePermission):
    """The marketplace installs code: root admins only, for reading too."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and is_root_admin(request.user))


class MarketplaceViewSet(PortalModelViewSet):
    permission_classes = [IsRootAdmin]

    def actor(self) -> dict:
        return self._actor()

    def job(self, job) -> Response:
        return self.job_response(job)

    def file(self, data: bytes, filename: str, content_type="application/zip") -> HttpResponse:
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


JOB = {202: JobSerializer}


class CatalogViewSet(MarketplaceViewSet):
    queryset = Catalog.objects.all()
    serializer_class = s.CatalogSerializer
    filterset_fields = ["kind", "enabled"]
    ordering_fields = ["id", "name"]
    create_service = staticmethod(services.create_catalog)
    update_service = staticmethod(services.update_catalog)
    delete_service = staticmethod(services.delete_catalog)

    @extend_schema(
        request=None, responses={200: s.CatalogSerializer}, summary="Read the index again"
    )
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        catalog = services.refresh_catalog(self.get_object(), **self.actor())
        return Response(self.get_serializer(catalog).data)


class CatalogItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Everything the catalogs list, compatible or not (``compatible`` says which)."""

    permission_classes = [IsRootAdmin]
    queryset = CatalogItem.objects.select_related("catalog")
    serializer_class = s.CatalogItemSerializer
    filterset_fields = ["catalog", "plugin_id", "kind", "version"]
    ordering_fields = ["id", "plugin_id", "version"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        rows = Plugin.objects.filter(status="installed").values_list("plugin_id", "version")
        context["installed"] = dict(rows)
        return context

    @extend_schema(request=s.InstallSerializer, responses=JOB, summary="Install or upgrade (job)")
    @action(detail=False, methods=["post"])
    def install(self, request):
        data = s.InstallSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.request_install(
            acting_user=request.user,
            client_ip=getattr(request, "client_ip", None),
            **data.validated_data,
        )
        return Response(JobSerializer(job, context={"request": request}).data, status=202)


class PluginViewSet(MarketplaceViewSet, mixins.ListModelMixin):
    queryset = Plugin.objects.select_related("catalog").prefetch_related("test_runs")
    serializer_class = s.PluginSerializer
    filterset_fields = ["status", "enabled", "kind"]
    ordering_fields = ["id", "plugin_id"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        return Response({"detail": "Install from a catalog item or import a package."}, status=405)

    def _enabled(self, value: bool):
        plugin = services.set_plugin_enabled(self.get_object(), value, **self.actor())
        return Response(self.get_serializer(plugin).data)

    @extend_schema(request=None, responses={200: s.PluginSerializer}, summary="Enable (no restart)")
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        return self._enabled(True)

    @extend_schema(
        request=None, responses={200: s.PluginSerializer}, summary="Disable (no restart)"
    )
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        return self._enabled(False)

    @extend_schema(request=s.PluginConfigSerializer, responses={200: s.PluginSerializer})
    @action(detail=True, methods=["post"])
    def configure(self, request, pk=None):
        data = s.PluginConfigSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plugin = services.configure_plugin(self.get_object(), **self.actor(), **data.validated_data)
        return Response(self.get_serializer(plugin).data)

    @extend_schema(request=None, responses=JOB, summary="Run static checks and the self-test (job)")
    @action(detail=True, methods=["post"], url_path="test")
    def run_test(self, request, pk=None):
        plugin = self.get_object()
        return self.job(
            create_job(
                "marketplace.test",
                acting_user=request.user,
                resource=plugin,
                params={"plugin": plugin.pk},
            )
        )

    @extend_schema(request=None, responses=JOB, summary="Back to the previous version (job)")
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        return self.job(services.request_rollback(self.get_object(), **self.actor()))

    @extend_schema(request=s.UninstallSerializer, responses=JOB, summary="Uninstall (job)")
    @action(detail=True, methods=["post"])
    def uninstall(self, request, pk=None):
        data = s.UninstallSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.request_uninstall(
            self.get_object(), purge=data.validated_data["purge"], **self.actor()
        )
        return self.job(job)

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY}, summary="Export as .portalpkg"
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        plugin = self.get_object()
        return self.file(
            transfer.export_plugin(plugin), f"{plugin.plugin_id}-{plugin.version}.portalpkg"
        )

    @extend_schema(
        request={"multipart/form-data": s.ImportSerializer},
        responses=JOB,
        summary="Import a package (job)",
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_package(self, request):
        data = s.ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self.job(transfer.request_import(data.validated_data["file"].read(), **self.actor()))

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT}, summary="The site lock file")
    @action(detail=False, methods=["get"])
    def lock(self, request):
        return Response(transfer.export_site())

    @extend_schema(
        request=s.LockSerializer,
        responses={202: JobSerializer(many=True)},
        summary="Apply a lock file",
    )
    @action(detail=False, methods=["post"], url_path="lock/import", parser_classes=[JSONParser])
    def import_lock(self, request):
        data = s.LockSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        jobs = transfer.import_site(data.validated_data["lock"], acting_user=request.user)
        return Response(
            JobSerializer(jobs, many=True, context={"request": request}).data, status=202
        )

    @extend_schema(responses={200: s.ReloadStatusSerializer}, summary="Processes still to reload")
    @action(detail=False, methods=["get"], url_path="reload-status")
    def reload_status(self, request):
        from django.conf import settings

        data = reload.status() | {
            "load_errors": {**getattr(settings, "PLUGIN_LOAD_ERRORS", {}), **LOAD_ERRORS}
        }
        return Response(s.ReloadStatusSerializer(data).data)


class ExtensionViewSet(MarketplaceViewSet):
    queryset = Extension.objects.prefetch_related("versions")
    serializer_class = s.ExtensionSerializer
    filterset_fields = ["type", "enabled"]
    ordering_fields = ["id", "name"]
    create_service = staticmethod(ext_services.create_extension)
    update_service = staticmethod(ext_services.update_extension)
    delete_service = staticmethod(ext_services.delete_extension)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("comment", None)
        if "files" not in data or "entrypoint" not in data:
            raise ValidationError({"files": "files and entrypoint are required."})
        serializer.instance = ext_services.create_extension(**self.actor(), **data)

    def _enabled(self, value: bool):
        extension = ext_services.set_extension_enabled(self.get_object(), value, **self.actor())
        return Response(self.get_serializer(extension).data)

    @extend_schema(request=None, responses={200: s.ExtensionSerializer})
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        return self._enabled(True)

    @extend_schema(request=None, responses={200: s.ExtensionSerializer})
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        return self._enabled(False)

    @extend_schema(request=s.RollbackSerializer, responses={200: s.ExtensionSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        data = s.RollbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extension = ext_services.rollback_extension(
            self.get_object(), number=data.validated_data["number"], **self.actor()
        )
        return Response(self.get_serializer(extension).data)

    @extend_schema(
        request=s.RunActionSerializer,
        responses={200: s.ExtensionRunSerializer},
        summary="Run an action",
    )
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        extension = self.get_object()
        data = s.RunActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        custom = extension.custom_actions.filter(name=values["action"], enabled=True).first()
        parameters = (
            ext_services.validate_parameters(custom, values["parameters"]) if custom else None
        )
        payload = ext_services.orchestrator_payload(
            extension,
            host=values["host"],
            vm=values["virtualmachine"],
            vm_details=values["vm_details"],
            parameters=parameters,
            action=values["action"] if custom else None,
            caller={"id": str(request.user.pk), "name": request.user.get_username()},
        )
        run = ext_services.run_action(extension, values["action"], payload, caller=request.user)
        return Response(s.ExtensionRunSerializer(run).data)

    @extend_schema(request=None, responses={200: s.ExtensionRunSerializer}, summary="Self-test")
    @action(detail=True, methods=["post"], url_path="test")
    def run_test(self, request, pk=None):
        run = ext_services.test_payload_run(self.get_object(), acting_user=request.user)
        return Response(s.ExtensionRunSerializer(run).data)

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY}, summary="Export as .portalpkg"
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        extension = self.get_object()
        return self.file(
            transfer.export_extension(extension), f"{extension.directory_name}.portalpkg"
        )


class ExtensionRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Every run: stdout and stderr apart, exit code, duration, timed out."""

    permission_classes = [IsRootAdmin]
    queryset = ExtensionRun.objects.all()
    serializer_class = s.ExtensionRunSerializer
    filterset_fields = ["extension", "action", "exit_code", "timed_out"]
    ordering_fields = ["id"]


class ExtensionBindingViewSet(MarketplaceViewSet):
    """Clusters of hypervisor type External bound to their Orchestrator extension
    (CloudStack's ``registerExtension``/``unregisterExtension``)."""

    queryset = ExtensionResourceMap.objects.select_related("extension")
    serializer_class = s.ExtensionBindingSerializer
    filterset_fields = ["extension", "resource_type", "resource_id"]
    ordering_fields = ["id"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    create_service = staticmethod(bindings.bind_cluster)
    delete_service = staticmethod(bindings.unbind_cluster)
