"""CloudStack's API rate limit (``api.throttling.*``): at most ``api.throttling.max``
calls per account in each window of ``api.throttling.interval`` seconds, counted in the
shared cache; root admins are not limited, as upstream."""

from __future__ import annotations

import time

from django.core.cache import cache

from portal.cloudstack.errors import ApiError
from portal.querysets import is_root_admin
from portal.services.configuration import config_value

API_LIMIT_EXCEEDED = 429


def check_rate(user) -> None:
    """Count one call of ``user``'s account; 429 once the window's budget is spent."""
    if not config_value("api.throttling.enabled") or user is None or is_root_admin(user):
        return
    interval = config_value("api.throttling.interval")
    limit = config_value("api.throttling.max")
    now = time.time()
    window = int(now // interval)
    key = f"cs-throttle:{user.account_id or 'u' + str(user.pk)}:{interval}:{window}"
    cache.add(key, 0, interval + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, interval + 1)
        count = 1
    if count > limit:
        retry_ms = int(((window + 1) * interval - now) * 1000) + 1
        raise ApiError(
            API_LIMIT_EXCEEDED,
            f"The given user has reached his/her account api limit, please retry after "
            f"{retry_ms} ms.",
        )
