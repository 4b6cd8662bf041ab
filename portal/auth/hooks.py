"""Login through the ``auth.authenticate`` and ``auth.2fa.check`` extension points.

Plugins' authenticators are asked first (a user logs in, ``False`` refuses, ``None`` falls
through to Django's own password check); a second-factor code is accepted when any
provider says True. The built-in TOTP device (and recovery codes) is itself registered as
the in-tree ``auth.2fa.check`` provider.
"""

from __future__ import annotations

from django.contrib.auth import authenticate

from marketplace import hooks
from portal.auth import mfa


def authenticate_user(request, username: str, password: str, domain: str | None = None):
    """The user the plugins' authenticators or Django's backends accept, else None."""
    user = hooks.first_result("auth.authenticate", username, password, domain, request)
    if user is None:
        return authenticate(request, username=username, password=password)
    return user or None


def check_second_factor(user, code: str) -> bool:
    """True when a second-factor provider (built-in TOTP included) accepts ``code``."""
    return any(result is True for result in hooks.call_hooks("auth.2fa.check", user, code))


@hooks.register("auth.2fa.check", order=0)
def totp_provider(user, code: str) -> bool | None:
    """The built-in provider: the user's confirmed TOTP device, then a recovery code."""
    from portal.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    return mfa.verify(device, code) or mfa.use_recovery_code(user, code)
