"""Template tags for the marketplace's UI extension points: the Marketplace nav section
(root admins), plugin menu items (``ui.menu_items``) and named template slots
(``ui.template_slot``). Disabled plugins' hooks are never called; a failing hook is
logged and skipped (see ``marketplace.hooks``)."""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from marketplace import hooks
from portal.querysets import is_root_admin

register = template.Library()

ADMIN_LINKS = [
    ("Browse", "marketplace:browse"),
    ("Installed plugins", "marketplace:plugin_list"),
    ("Script extensions", "marketplace:extension_list"),
]


def _menu_items(request) -> list[dict]:
    items = []
    for result in hooks.call_hooks("ui.menu_items", request):
        for entry in result or []:
            if isinstance(entry, dict) and entry.get("label") and entry.get("url"):
                url = str(entry["url"])
                if url.startswith("/") and not url.startswith("//"):  # local links only
                    items.append({"label": str(entry["label"]), "url": url})
    return items


@register.inclusion_tag("marketplace/nav.html", takes_context=True)
def marketplace_nav(context):
    """The Marketplace section (root admins) and the menu items of enabled plugins."""
    request = context["request"]
    path = request.path
    admin = []
    if is_root_admin(request.user):
        for label, name in ADMIN_LINKS:
            url = reverse(name)
            admin.append({"label": label, "url": url, "current": path.startswith(url)})
        admin[0]["current"] = path == admin[0]["url"] or path.startswith(
            reverse("marketplace:catalog_list")
        )
    plugins = [item | {"current": path.startswith(item["url"])} for item in _menu_items(request)]
    return {"admin_links": admin, "plugin_links": plugins}


@register.simple_tag(takes_context=True)
def template_slot(context, slot: str):
    """The HTML the enabled plugins give for slot ``slot`` (unsafe strings are escaped)."""
    parts = [
        conditional_escape(html)
        for html in hooks.call_hooks("ui.template_slot", slot, context.flatten())
        if html
    ]
    return (
        mark_safe(
            f'<div class="plugin-slot" data-slot="{conditional_escape(slot)}">'  # noqa: S308
            + "".join(parts)
            + "</div>"
        )
        if parts
        else ""
    )
