"""Catalog pages: the catalogs (add, refresh, remove), browsing their items as cards with
compatibility badges, and one item's versions (changelog, usage, author) with Install."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from marketplace import services
from marketplace.forms import CatalogForm
from marketplace.models import Catalog, CatalogItem, Plugin
from marketplace.ui.common import REFUSALS, MarketplaceView, reload_status
from marketplace.version import version_key
from portal.ui.htmx import apply_errors


def _installed() -> dict[str, str]:
    return dict(Plugin.objects.filter(status="installed").values_list("plugin_id", "version"))


def _cards(items) -> list[dict]:
    """One card per item id: its newest version, the newest compatible one, all versions."""
    by_id: dict[str, list[CatalogItem]] = {}
    for item in items:
        by_id.setdefault(item.plugin_id, []).append(item)
    installed = _installed()
    cards = []
    for plugin_id, versions in sorted(by_id.items()):
        versions.sort(key=lambda i: version_key(i.version), reverse=True)
        compatible = [v for v in versions if v.compatible]
        cards.append(
            {
                "item": versions[0],
                "best": compatible[0] if compatible else None,
                "versions": versions,
                "installed": installed.get(plugin_id),
            }
        )
    return cards


class BrowseView(MarketplaceView):
    """Everything the enabled catalogs list, compatible or not."""

    def get(self, request):
        items = CatalogItem.objects.filter(catalog__enabled=True).select_related("catalog")
        q = request.GET.get("q", "").strip()
        if q:
            items = items.filter(name__icontains=q) | items.filter(plugin_id__icontains=q)
        context = {
            "title": "Marketplace",
            "cards": _cards(items),
            "q": q,
            "reload": reload_status(),
            "catalog_count": Catalog.objects.count(),
        }
        return render(request, "marketplace/browse.html", context)


class ItemDetailView(MarketplaceView):
    def get(self, request, plugin_id):
        items = list(
            CatalogItem.objects.filter(plugin_id=plugin_id, catalog__enabled=True).select_related(
                "catalog"
            )
        )
        if not items:
            from django.http import Http404

            raise Http404("No such item in the enabled catalogs.")
        card = _cards(items)[0]
        plugin = Plugin.objects.filter(plugin_id=plugin_id).first()
        context = {"title": card["item"].name, "card": card, "plugin": plugin}
        return render(request, "marketplace/item_detail.html", context)


class InstallView(MarketplaceView):
    """Queue the install (or upgrade) of one catalog version; answers its live log."""

    def post(self, request, pk):
        item = get_object_or_404(CatalogItem.objects.select_related("catalog"), pk=pk)
        url = reverse("marketplace:item_detail", args=[item.plugin_id])
        try:
            job = services.request_install(
                plugin_id=item.plugin_id,
                version=item.version,
                catalog=item.catalog,
                **self.service_kwargs(),
            )
        except REFUSALS as exc:
            return self.refused(exc, url)
        return self.job_started(job, f"Installing {item.plugin_id} {item.version}", url)


class CatalogListView(MarketplaceView):
    template_name = "marketplace/catalogs.html"

    def render_page(self, form):
        catalogs = Catalog.objects.annotate(item_count=Count("items")).order_by("name")
        return render(
            self.request,
            self.template_name,
            {"title": "Catalogs", "catalogs": catalogs, "form": form},
        )

    def get(self, request):
        return self.render_page(CatalogForm())

    def post(self, request):
        form = CatalogForm(request.POST)
        if form.is_valid():
            try:
                catalog = services.create_catalog(**self.service_kwargs(), **form.cleaned_data)
            except REFUSALS as exc:
                apply_errors(form, exc)
            else:
                try:
                    services.refresh_catalog(catalog, **self.service_kwargs())
                except REFUSALS as exc:
                    return self.done(
                        f"Catalog {catalog.name} added, but reading it failed: {exc}",
                        reverse("marketplace:catalog_list"),
                        "error",
                    )
                return self.done(
                    f"Catalog {catalog.name} added: {catalog.items.count()} item versions.",
                    reverse("marketplace:catalog_list"),
                )
        return self.render_page(form)


class CatalogRefreshView(MarketplaceView):
    def post(self, request, pk):
        catalog = get_object_or_404(Catalog, pk=pk)
        url = reverse("marketplace:catalog_list")
        try:
            services.refresh_catalog(catalog, **self.service_kwargs())
        except REFUSALS as exc:
            return self.refused(exc, url)
        return self.done(f"Catalog {catalog.name} refreshed.", url)


class CatalogDeleteView(MarketplaceView):
    def post(self, request, pk):
        catalog = get_object_or_404(Catalog, pk=pk)
        url = reverse("marketplace:catalog_list")
        try:
            services.delete_catalog(catalog, **self.service_kwargs())
        except REFUSALS as exc:
            return self.refused(exc, url)
        return self.done(f"Catalog {catalog.name} removed.", url)
