"""The portal's version and plugin compatibility ranges (PEP 440 versions).

``max_version`` is inclusive, as in NetBox: ``max_version = "1.4"`` accepts 1.4 and its
pre-releases, ``"1.4.99"`` is the idiom for "any 1.4.x".
"""

from __future__ import annotations

from functools import cache
from importlib import metadata

from packaging.version import InvalidVersion, Version


@cache
def _installed_version() -> str:
    try:
        return metadata.version("cloudportal")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def portal_version() -> str:
    """The running portal's version (``settings.PORTAL_VERSION`` overrides, for tests)."""
    from django.conf import settings

    return getattr(settings, "PORTAL_VERSION", "") or _installed_version()


def compatibility_error(min_version: str, max_version: str, current: str | None = None) -> str:
    """Why a plugin declaring ``min_version``..``max_version`` cannot run here ('' if it can)."""
    current = current or portal_version()
    try:
        now = Version(current)
        if min_version and now < Version(min_version):
            return f"needs portal >= {min_version} (this is {current})"
        if max_version and now > Version(max_version):
            return f"needs portal <= {max_version} (this is {current})"
    except InvalidVersion as exc:
        return f"invalid version: {exc}"
    return ""


def is_compatible(min_version: str, max_version: str, current: str | None = None) -> bool:
    return not compatibility_error(min_version, max_version, current)


def version_key(value: str) -> Version:
    """Sort key for versions; unparsable ones sort first."""
    try:
        return Version(value)
    except InvalidVersion:
        return Version("0")
