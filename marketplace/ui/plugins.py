"""Installed plugins: enable/disable, test (result stored and shown), upgrade, rollback,
uninstall (optionally removing data), export/import of one plugin and the site lock file."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from marketplace import services, transfer
from marketplace.choices import PluginStatus
from marketplace.forms import LockImportForm, UploadForm
from marketplace.models import CatalogItem, Plugin
from marketplace.ui.common import REFUSALS, MarketplaceView, reload_status
from marketplace.version import is_compatible, version_key
from portal.services.jobs import create_job


def _upgrades(plugins) -> dict[str, str]:
    """plugin id -> the newest compatible catalog version above the installed one."""
    ids = [p.plugin_id for p in plugins]
    newest: dict[str, str] = {}
    rows = CatalogItem.objects.filter(plugin_id__in=ids, catalog__enabled=True).values_list(
        "plugin_id", "version", "min_portal_version", "max_portal_version"
    )
    for plugin_id, version, low, high in rows:
        if is_compatible(low, high) and version_key(version) > version_key(
            newest.get(plugin_id, "0")
        ):
            newest[plugin_id] = version
    current = {p.plugin_id: p.version for p in plugins}
    return {
        pid: v for pid, v in newest.items() if version_key(v) > version_key(current.get(pid, "0"))
    }


def _with_last_test(plugins):
    for plugin in plugins:
        runs = list(plugin.test_runs.all())  # prefetched, newest first
        plugin.last_test = runs[0] if runs else None
    return plugins


def plugin_url(plugin: Plugin) -> str:
    return reverse("marketplace:plugin_detail", args=[plugin.pk])


class PluginListView(MarketplaceView):
    def get(self, request):
        plugins = _with_last_test(
            list(
                Plugin.objects.exclude(status=PluginStatus.UNINSTALLED)
                .select_related("catalog")
                .prefetch_related("test_runs")
            )
        )
        upgrades = _upgrades(plugins)
        for plugin in plugins:
            plugin.upgrade_to = upgrades.get(plugin.plugin_id)
        context = {
            "title": "Installed plugins",
            "plugins": plugins,
            "reload": reload_status(),
            "upload_form": UploadForm(),
            "lock_form": LockImportForm(),
        }
        return render(request, "marketplace/plugins.html", context)


class PluginDetailView(MarketplaceView):
    def get(self, request, pk):
        plugin = get_object_or_404(
            Plugin.objects.select_related("catalog").prefetch_related("test_runs"), pk=pk
        )
        _with_last_test([plugin])
        plugin.upgrade_to = _upgrades([plugin]).get(plugin.plugin_id)
        context = {
            "title": plugin.name,
            "plugin": plugin,
            "test_runs": plugin.test_runs.all()[:10],
            "reload": reload_status(),
        }
        return render(request, "marketplace/plugin_detail.html", context)


class PluginActionView(MarketplaceView):
    """POST ``action``: enable, disable, test, upgrade, rollback, uninstall."""

    def post(self, request, pk, action):
        plugin = get_object_or_404(Plugin, pk=pk)
        url, kwargs = plugin_url(plugin), self.service_kwargs()
        try:
            if action in ("enable", "disable"):
                services.set_plugin_enabled(plugin, action == "enable", **kwargs)
                return self.done(f"{plugin.name} {action}d.", url)
            if action == "test":
                job = create_job(
                    "marketplace.test",
                    acting_user=request.user,
                    resource=plugin,
                    params={"plugin": plugin.pk},
                )
                return self.job_started(job, f"Testing {plugin.name}", url)
            if action == "upgrade":
                job = services.request_install(plugin_id=plugin.plugin_id, **kwargs)
                return self.job_started(job, f"Upgrading {plugin.name}", url)
            if action == "rollback":
                job = services.request_rollback(plugin, **kwargs)
                return self.job_started(job, f"Rolling back {plugin.name}", url)
            if action == "uninstall":
                purge = request.POST.get("purge") in ("on", "true", "1")
                job = services.request_uninstall(plugin, purge=purge, **kwargs)
                note = " and removing its data" if purge else ""
                return self.job_started(job, f"Uninstalling {plugin.name}{note}", url)
        except REFUSALS as exc:
            return self.refused(exc, url)
        return HttpResponse("Unknown action.", status=400)


class PluginExportView(MarketplaceView):
    def get(self, request, pk):
        plugin = get_object_or_404(Plugin.objects.exclude(status=PluginStatus.UNINSTALLED), pk=pk)
        return attachment(
            transfer.export_plugin(plugin), f"{plugin.plugin_id}-{plugin.version}.portalpkg"
        )


class PackageImportView(MarketplaceView):
    """Import one plugin or extension package (verified, through the install path)."""

    def post(self, request):
        url = reverse("marketplace:plugin_list")
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.refused(_form_error(form), url)
        try:
            job = transfer.request_import(form.cleaned_data["file"].read(), **self.service_kwargs())
        except REFUSALS as exc:
            return self.refused(exc, url)
        return self.job_started(job, "Importing the package", url)


class LockExportView(MarketplaceView):
    def get(self, request):
        data = json.dumps(transfer.export_site(), indent=2).encode()
        return attachment(data, "cloudportal-plugins.lock.json", "application/json")


class LockImportView(MarketplaceView):
    def post(self, request):
        url = reverse("marketplace:plugin_list")
        form = LockImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.refused(_form_error(form), url)
        try:
            jobs = transfer.import_site(form.cleaned_data["file"], acting_user=request.user)
        except REFUSALS as exc:
            return self.refused(exc, url)
        if len(jobs) == 1:
            return self.job_started(jobs[0], "Applying the lock file", url)
        return self.done(f"Lock file applied: {len(jobs)} install job(s) queued.", url)


def _form_error(form):
    from django.core.exceptions import ValidationError

    return ValidationError({k: v for k, v in form.errors.items()})


def attachment(data: bytes, filename: str, content_type: str = "application/zip"):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
