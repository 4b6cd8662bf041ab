"""Marketplace API serializers. Secrets (``secret_config``, ``secret_details``) are
write-only."""

from rest_framework import serializers
from rest_framework.reverse import reverse

from compute.models import Cluster
from marketplace.models import (
    Catalog,
    CatalogItem,
    Extension,
    ExtensionResourceMap,
    ExtensionRun,
    Plugin,
    PluginTestRun,
)
from marketplace.plugin import LOAD_ERRORS, loaded_plugins
from portal.api.serializers import PortalModelSerializer


class MarketplaceSerializer(PortalModelSerializer):
    def get_url(self, obj) -> str | None:
        basename = getattr(self.Meta, "url_basename", None)
        request = self.context.get("request")
        return reverse(f"marketplace-api:{basename}-detail", kwargs={"pk": obj.pk}, request=request)


class CatalogSerializer(MarketplaceSerializer):
    class Meta:
        model = Catalog
        url_basename = "catalog"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "kind",
            "location",
            "ref",
            "index_path",
            "enabled",
            "last_fetched",
            "last_error",
            "created",
            "updated",
        ]
        read_only_fields = ["last_fetched", "last_error"]

    location = serializers.CharField(source="url", max_length=500)


class CatalogItemSerializer(MarketplaceSerializer):
    compatible = serializers.BooleanField(read_only=True)
    installed_version = serializers.SerializerMethodField()

    class Meta:
        model = CatalogItem
        url_basename = "catalogitem"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "catalog",
            "plugin_id",
            "version",
            "kind",
            "name",
            "summary",
            "description",
            "author",
            "homepage",
            "license",
            "changelog",
            "usage",
            "artifact",
            "sha256",
            "size",
            "min_portal_version",
            "max_portal_version",
            "compatible",
            "installed_version",
            "metadata",
        ]
        read_only_fields = fields

    def get_installed_version(self, obj) -> str | None:
        return self.context.get("installed", {}).get(obj.plugin_id)


class PluginSerializer(MarketplaceSerializer):
    loaded = serializers.SerializerMethodField()
    load_error = serializers.SerializerMethodField()
    pending_reload = serializers.SerializerMethodField()
    last_test = serializers.SerializerMethodField()

    class Meta:
        model = Plugin
        url_basename = "plugin"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "plugin_id",
            "kind",
            "name",
            "version",
            "module",
            "app_label",
            "sha256",
            "source",
            "catalog",
            "status",
            "status_message",
            "enabled",
            "config",
            "previous",
            "metadata",
            "loaded",
            "load_error",
            "pending_reload",
            "last_test",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_loaded(self, obj) -> bool:
        return obj.plugin_id in loaded_plugins()

    def get_load_error(self, obj) -> str:
        return LOAD_ERRORS.get(obj.plugin_id, "")

    def get_pending_reload(self, obj) -> bool:
        config = loaded_plugins().get(obj.plugin_id)
        if obj.status != "installed":
            return config is not None
        return config is None or config.version != obj.version

    def get_last_test(self, obj) -> dict | None:
        runs = list(obj.test_runs.all()[:1])
        return PluginTestRunSerializer(runs[0]).data if runs else None


class PluginTestRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = PluginTestRun
        fields = ["id", "version", "ok", "results", "created"]


class PluginConfigSerializer(serializers.Serializer):
    config = serializers.JSONField(required=False)
    secret_config = serializers.JSONField(required=False, write_only=True)


class InstallSerializer(serializers.Serializer):
    plugin_id = serializers.CharField()
    version = serializers.CharField(required=False, default="")
    catalog = serializers.PrimaryKeyRelatedField(
        queryset=Catalog.objects.all(), required=False, allow_null=True
    )


class UninstallSerializer(serializers.Serializer):
    purge = serializers.BooleanField(default=False, help_text="Also remove the plugin's data.")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .portalpkg exported by a portal.")


class LockSerializer(serializers.Serializer):
    lock = serializers.JSONField()


class ExtensionSerializer(MarketplaceSerializer):
    files = serializers.JSONField(write_only=True, required=False, help_text="Path -> content.")
    entrypoint = serializers.CharField(write_only=True, required=False)
    secret_details = serializers.CharField(write_only=True, required=False, allow_blank=True)
    comment = serializers.CharField(write_only=True, required=False)
    current = serializers.SerializerMethodField()

    class Meta:
        model = Extension
        url_basename = "extension"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "type",
            "description",
            "enabled",
            "current_version",
            "timeout",
            "requires_prepare_vm",
            "details",
            "secret_details",
            "plugin_id",
            "metadata",
            "files",
            "entrypoint",
            "comment",
            "current",
            "created",
            "updated",
        ]
        read_only_fields = ["current_version", "plugin_id", "metadata", "enabled"]

    def get_current(self, obj) -> dict | None:
        version = next((v for v in obj.versions.all() if v.number == obj.current_version), None)
        if version is None:
            return None
        return {
            "number": version.number,
            "entrypoint": version.entrypoint,
            "sha256": version.sha256,
            "files": version.files,
            "comment": version.comment,
        }


class RunActionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=100)
    host = serializers.JSONField(required=False, default=dict, help_text="Host details")
    virtualmachine = serializers.JSONField(required=False, default=dict)
    vm_details = serializers.JSONField(required=False, default=dict)
    parameters = serializers.JSONField(required=False, default=dict)


class RollbackSerializer(serializers.Serializer):
    number = serializers.IntegerField(required=False, allow_null=True, default=None)


class ExtensionRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRun
        fields = [
            "id",
            "extension",
            "version",
            "action",
            "resource_type",
            "resource_id",
            "exit_code",
            "stdout",
            "stderr",
            "duration",
            "timed_out",
            "truncated",
            "caller",
            "created",
        ]


class ReloadStatusSerializer(serializers.Serializer):
    generation = serializers.IntegerField()
    loaded_generation = serializers.IntegerField()
    pending_reload = serializers.BooleanField()
    processes = serializers.ListField(child=serializers.DictField())
    load_errors = serializers.DictField(child=serializers.CharField())


class ExtensionBindingSerializer(MarketplaceSerializer):
    """A cluster of hypervisor type External bound to an Orchestrator extension."""

    cluster = serializers.PrimaryKeyRelatedField(
        queryset=Cluster.objects.all(),
        write_only=True,
        help_text="An External cluster.",
    )

    class Meta:
        model = ExtensionResourceMap
        url_basename = "extensionbinding"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "extension",
            "cluster",
            "resource_type",
            "resource_id",
            "details",
            "created",
        ]
        read_only_fields = ["resource_type", "resource_id"]
