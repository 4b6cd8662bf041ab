"""Login throttling per client IP and per username, checked before any password hashing.

Counters live in Django's cache (Redis in production via the shared cache, process memory in
the embedded setup). A window is ``LOGIN_THROTTLE_WINDOW`` seconds.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

WINDOW = getattr(settings, "LOGIN_THROTTLE_WINDOW", 300)
MAX_PER_IP = getattr(settings, "LOGIN_THROTTLE_PER_IP", 30)
MAX_PER_USERNAME = getattr(settings, "LOGIN_THROTTLE_PER_USERNAME", 10)


def _keys(ip: str | None, username: str) -> list[tuple[str, int]]:
    return [
        (f"login-throttle:ip:{ip or '-'}", MAX_PER_IP),
        (f"login-throttle:user:{username.strip().lower()[:150]}", MAX_PER_USERNAME),
    ]


def is_throttled(ip: str | None, username: str) -> bool:
    """True when this IP or this username has failed too often in the current window."""
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(ip, username))


def record_failure(ip: str | None, username: str) -> None:
    for key, _ in _keys(ip, username):
        if not cache.add(key, 1, WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, WINDOW)


def reset(ip: str | None, username: str) -> None:
    """Forget the username's failures after a successful login (the IP's count stays)."""
    cache.delete(_keys(ip, username)[1][0])
