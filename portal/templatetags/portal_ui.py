"""Template tags of the portal UI: navigation by role, badges, bars, job progress."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from portal.querysets import is_root_admin
from portal.services.tenancy import is_tenancy_admin
from portal.ui import format as fmt

register = template.Library()

TENANT_NAV = [
    (
        "Cloud",
        [
            ("Dashboard", "home"),
            ("Instances", "compute:instance_list"),
            ("Volumes", "storage:volume_list"),
            ("Networks", "networking:network_list"),
            ("SSH key pairs", "compute:keypair_list"),
            ("Templates", "storage:template_list"),
        ],
    ),
    ("Activity", [("Jobs", "portal:job_list"), ("Events", "portal:event_list")]),
]
TENANCY_NAV = [
    (
        "Tenancy",
        [
            ("Domains", "portal:domain_list"),
            ("Accounts", "portal:account_list"),
            ("Users", "portal:user_list"),
        ],
    ),
]
ADMIN_NAV = [
    (
        "Infrastructure",
        [
            ("Zone wizard", "compute:zone_wizard"),
            ("Zones", "compute:zone_list"),
            ("Pods", "compute:pod_list"),
            ("Clusters", "compute:cluster_list"),
            ("Hosts", "compute:host_list"),
            ("Primary storage", "storage:pool_list"),
            ("Secondary storage", "storage:imagestore_list"),
            ("Physical networks", "networking:physical_list"),
            ("Public IP ranges", "networking:iprange_list"),
        ],
    ),
    (
        "Offerings",
        [
            ("Service offerings", "compute:offering_list"),
            ("Disk offerings", "storage:diskoffering_list"),
            ("Network offerings", "networking:offering_list"),
        ],
    ),
    ("Access", [("Roles", "portal:role_list")]),
    ("Configuration", [("Settings", "portal:settings")]),
]


@register.inclusion_tag("ui/nav.html", takes_context=True)
def portal_nav(context):
    request = context["request"]
    user = request.user
    sections = list(TENANT_NAV)
    if is_tenancy_admin(user):
        sections += TENANCY_NAV
    if is_root_admin(user):
        sections += ADMIN_NAV
    path = request.path
    out = []
    for title, links in sections:
        items = []
        for label, name in links:
            url = reverse(name)
            current = path == url or (url != "/" and path.startswith(url))
            items.append({"label": label, "url": url, "current": current})
        out.append({"title": title, "links": items})
    return {"sections": out}


@register.simple_tag
def status_badge(choices, value):
    return fmt.badge(choices, value)


@register.filter
def filesize(value):
    return fmt.filesize(value)


@register.simple_tag
def bar(used, total, label=""):
    pct = fmt.percent(used, total)
    css = "full" if pct >= 90 else "warn" if pct >= 75 else ""
    return format_html(
        # a span (display: block): a div would close the <p> (and the progress) around it
        '<span class="bar {}" role="meter" aria-valuemin="0" aria-valuemax="100" '
        'aria-valuenow="{}" aria-label="{}"><span style="width:{}%"></span></span>',
        css,
        pct,
        label or f"{pct}%",
        pct,
    )


@register.filter
def is_admin(user):
    return is_root_admin(user)


def _color_map() -> dict[str, tuple[str, str]]:
    from compute import choices as compute_choices  # noqa: F401 - registers subclasses
    from networking import choices as networking_choices  # noqa: F401
    from portal.choices import ColoredChoices
    from storage import choices as storage_choices  # noqa: F401

    out: dict[str, tuple[str, str]] = {}
    for cls in ColoredChoices.__subclasses__():
        for value, label in cls.choices:
            out.setdefault(value, (cls.color(value), label))
    return out


@register.filter(name="badge")
def badge_filter(value):
    """A badge for any status value, coloured by its ColoredChoices class."""
    if value in (None, ""):
        return ""
    global _COLORS
    if _COLORS is None:
        _COLORS = _color_map()
    color, label = _COLORS.get(value, ("secondary", value))
    return format_html('<span class="badge {}">{}</span>', color, label)


_COLORS = None


@register.simple_tag(takes_context=True)
def page_title(context) -> str:
    """The page's own title: ``title``, else the detail page's object ("Host h1"), else the
    page's URL name; base.html appends " · Cloud Portal"."""
    if context.get("title"):
        return str(context["title"])
    obj = context.get("object")
    if obj is not None and hasattr(obj, "_meta"):
        return f"{capfirst(obj._meta.verbose_name)} {obj}"
    match = getattr(context.get("request"), "resolver_match", None)
    name = getattr(match, "url_name", "") or ""
    if not name or name == "home":
        return "Dashboard"
    return capfirst(name.replace("_", " "))
