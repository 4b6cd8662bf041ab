"""Script extensions: versions, edit in the browser (each save is a new version), rollback,
enable/disable, self-test, run history (stdout, stderr, exit code, duration, timed out),
bindings and export."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from marketplace import transfer
from marketplace.forms import ExtensionEditForm, UploadForm
from marketplace.models import Extension
from marketplace.services import extensions as ext_services
from marketplace.ui.common import REFUSALS, MarketplaceView
from marketplace.ui.plugins import attachment
from portal.ui.htmx import apply_errors


def extension_url(extension: Extension) -> str:
    return reverse("marketplace:extension_detail", args=[extension.pk])


class ExtensionListView(MarketplaceView):
    def get(self, request):
        extensions = Extension.objects.prefetch_related("versions", "resource_maps").order_by(
            "name"
        )
        context = {"title": "Script extensions", "extensions": extensions, "form": UploadForm()}
        return render(request, "marketplace/extensions.html", context)


class ExtensionDetailView(MarketplaceView):
    def context(self, extension: Extension, form=None) -> dict:
        versions = list(extension.versions.select_related("created_by").order_by("-number"))
        current = next((v for v in versions if v.number == extension.current_version), None)
        path = self.request.GET.get("file") or (current.entrypoint if current else "")
        if form is None and current is not None:
            form = ExtensionEditForm(initial={"path": path, "content": current.files.get(path, "")})
        from compute.models import Cluster

        maps = list(extension.resource_maps.all())
        clusters = {c.pk: c for c in Cluster.objects.filter(pk__in=[m.resource_id for m in maps])}
        for binding in maps:
            binding.cluster = clusters.get(binding.resource_id)
        return {
            "title": extension.name,
            "extension": extension,
            "versions": versions,
            "current": current,
            "files": sorted(current.files) if current else [],
            "form": form,
            "runs": extension.runs.select_related("caller")[:25],
            "bindings": maps,
            "custom_actions": extension.custom_actions.all(),
        }

    def get(self, request, pk):
        extension = get_object_or_404(Extension, pk=pk)
        return render(request, "marketplace/extension_detail.html", self.context(extension))

    def post(self, request, pk):
        """Save the edited file as a new version."""
        extension = get_object_or_404(Extension, pk=pk)
        form = ExtensionEditForm(request.POST)
        if form.is_valid():
            current = extension.versions.get(number=extension.current_version)
            files = dict(current.files)
            files[form.cleaned_data["path"]] = form.cleaned_data["content"].replace("\r\n", "\n")
            try:
                ext_services.update_extension(
                    extension,
                    files=files,
                    comment=form.cleaned_data["comment"] or f"edited {form.cleaned_data['path']}",
                    **self.service_kwargs(),
                )
            except REFUSALS as exc:
                apply_errors(form, exc)
            else:
                return self.done(
                    f"Saved as version {extension.current_version}.", extension_url(extension)
                )
        return render(request, "marketplace/extension_detail.html", self.context(extension, form))


class ExtensionActionView(MarketplaceView):
    """POST ``action``: enable, disable, rollback (``number``), test."""

    def post(self, request, pk, action):
        extension = get_object_or_404(Extension, pk=pk)
        url, kwargs = extension_url(extension), self.service_kwargs()
        try:
            if action in ("enable", "disable"):
                ext_services.set_extension_enabled(extension, action == "enable", **kwargs)
                return self.done(f"{extension.name} {action}d.", url)
            if action == "rollback":
                number = request.POST.get("number", "")
                ext_services.rollback_extension(
                    extension, number=int(number) if number.isdigit() else None, **kwargs
                )
                return self.done(
                    f"{extension.name} now runs version {extension.current_version}.", url
                )
            if action == "test":
                run = ext_services.test_payload_run(extension, acting_user=request.user)
                level = "success" if run.success else "error"
                return self.done(
                    f"Self-test {run.action}: exit code {run.exit_code}"
                    f"{' (timed out)' if run.timed_out else ''}.",
                    url,
                    level,
                )
        except REFUSALS as exc:
            return self.refused(exc, url)
        from django.http import HttpResponse

        return HttpResponse("Unknown action.", status=400)


class ExtensionExportView(MarketplaceView):
    def get(self, request, pk):
        extension = get_object_or_404(Extension, pk=pk)
        return attachment(
            transfer.export_extension(extension), f"{extension.directory_name}.portalpkg"
        )
