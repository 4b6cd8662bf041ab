"""Parsing of storage URLs (primary pools, image stores) and template download URLs."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError

#: Where ``local`` (without a path) puts a host's local primary storage.
DEFAULT_LOCAL_PATH = "/var/lib/libvirt/images"


@dataclass
class StorageURL:
    """A parsed storage URL with the credentials taken out of it."""

    scheme: str
    server: str
    path: str
    clean_url: str
    credentials: dict[str, str] = field(default_factory=dict)


def _error(message: str, field_name: str = "url") -> ValidationError:
    return ValidationError({field_name: message})


def parse_storage_url(url: str, *, allowed: tuple[str, ...], field_name: str = "url") -> StorageURL:
    """Split ``nfs://server/path``, ``smb|cifs://server/share?user=&password=&domain=``,
    ``file:///path`` or ``local`` into parts. The returned ``clean_url`` has no credentials.
    """
    url = (url or "").strip()
    if url == "local" and "local" in allowed:
        return StorageURL("local", "", DEFAULT_LOCAL_PATH, f"file://{DEFAULT_LOCAL_PATH}")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise _error(f"'{url}' is not a valid URL.", field_name) from exc
    scheme = parts.scheme.lower()
    if scheme not in allowed:
        raise _error(
            f"Unsupported scheme '{scheme or url}'; use one of: {', '.join(allowed)}.", field_name
        )
    path = parts.path.rstrip("/") or ""
    if scheme in ("file", "local"):
        if parts.netloc or not path.startswith("/"):
            raise _error("A local path URL is file:///absolute/path.", field_name)
        return StorageURL("local", "", path, f"file://{path}")
    if not parts.hostname or not path or path == "/":
        raise _error(
            f"A {scheme} URL needs a server and a path: {scheme}://server/path.", field_name
        )
    if parts.username or parts.password:
        raise _error("Pass credentials as ?user=&password=&domain=, not in the host part.")
    server = parts.hostname + (f":{parts.port}" if parts.port else "")
    credentials: dict[str, str] = {}
    if scheme in ("smb", "cifs"):
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"user", "password", "domain"}
        if unknown:
            raise _error(f"Unknown URL parameters: {', '.join(sorted(unknown))}.", field_name)
        for key, name in (("user", "username"), ("password", "password"), ("domain", "domain")):
            if query.get(key):
                credentials[name] = query[key][-1]
    elif parts.query:
        raise _error(f"A {scheme} URL takes no parameters.", field_name)
    return StorageURL(scheme, server, path, f"{scheme}://{server}{path}", credentials)


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address if ``host`` is an IP literal, including legacy forms like ``2130706433``
    or ``0x7f.1`` that resolvers accept. No DNS lookup is made."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_download_url(url: str, field_name: str = "url") -> str:
    """Refuse URLs a download job must not fetch: non-http(s) schemes and hosts that are
    loopback, private, link-local or otherwise non-global IP literals.

    Host names are not resolved here (no network I/O in requests); the download job
    re-checks the resolved address before fetching.
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise _error(f"'{url}' is not a valid URL.", field_name) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise _error("Only http:// and https:// URLs can be registered.", field_name)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _error("The URL has no host.", field_name)
    if host == "localhost" or host.endswith(".localhost"):
        raise _error("The URL points to this machine.", field_name)
    address = _literal_ip(host)
    if address is not None and not operator_allows(address):
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise _error("The URL points to a private, loopback or link-local address.", field_name)
    return url


def operator_allows(address) -> bool:
    """True when the operator listed a network containing ``address`` in
    ``TEMPLATE_URL_ALLOWED_NETWORKS`` (e.g. a local mirror; tests allow loopback)."""
    from django.conf import settings

    for network in getattr(settings, "TEMPLATE_URL_ALLOWED_NETWORKS", []):
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except (ValueError, TypeError):
            continue
    return False


def check_resolved_address(host: str) -> None:
    """Resolve ``host`` (in a job, never in a request) and refuse it if any address is
    private, loopback, link-local, multicast or otherwise not global, unless allowed."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ValidationError(f"Cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if operator_allows(address):
            continue
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                f"{host} resolves to {address}, a private, loopback or link-local address."
            )
