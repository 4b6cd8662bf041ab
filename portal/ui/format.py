"""Small formatting helpers shared by tables and templates."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString


def badge(choices, value) -> SafeString:
    """A coloured status badge; the colour comes from the choices class."""
    color = choices.color(value) if hasattr(choices, "color") else "secondary"
    try:
        label = choices(value).label
    except ValueError:
        label = value
    return format_html('<span class="badge {}">{}</span>', color, label)


def filesize(value) -> str:
    """Bytes as KiB/MiB/GiB/TiB with one decimal."""
    size = float(value or 0)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def percent(used, total) -> int:
    """Used/total as a whole percentage in 0..100 (0 when total is 0)."""
    if not total:
        return 0
    return max(0, min(100, round(100 * used / total)))
