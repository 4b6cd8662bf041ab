"""Request middleware: the trusted client address for audit events."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The peer address; ``X-Forwarded-For`` only counts when the peer is a trusted proxy."""
    peer = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded and peer in settings.TRUSTED_PROXIES:
        return forwarded.split(",")[0].strip() or peer
    return peer


class ClientAddressMiddleware:
    """Sets ``request.client_ip`` once, for services that write audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_ip = client_ip(request)
        return self.get_response(request)
