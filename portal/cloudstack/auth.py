"""Who is calling: API key + signature, or a ``login`` session with its session key."""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.contrib import auth
from django.utils import timezone

from portal.auth.hooks import authenticate_user
from portal.choices import AccountState
from portal.cloudstack.errors import ACCOUNT_ERROR, UNAUTHORIZED, ApiError
from portal.cloudstack.signing import parse_expires, signature_matches
from portal.models import ApiKeyPair, Domain

BAD_SIGNATURE = "unable to verify user credentials and/or request signature"
BAD_SESSION = "unable to verify user credentials"
SESSION_KEY = "cloudstack_sessionkey"
SESSION_COOKIE = "sessionkey"


def _ci(raw: dict[str, str], name: str) -> str | None:
    """A framework parameter matched case-insensitively (first one wins)."""
    for key, value in raw.items():
        if key.lower() == name:
            return value
    return None


def _enabled(user) -> bool:
    account = getattr(user, "account", None)
    if not user.is_active or user.state != AccountState.ENABLED:
        return False
    if account is None:
        return user.is_superuser
    return account.state == AccountState.ENABLED and account.domain.state == AccountState.ENABLED


def user_from_signature(raw: dict[str, str]):
    """The user whose enabled, unrevoked key signed ``raw``; raise 401 otherwise."""
    api_key, signature = _ci(raw, "apikey"), _ci(raw, "signature")
    if not api_key or not signature:
        raise ApiError(UNAUTHORIZED, BAD_SIGNATURE, None)
    if _ci(raw, "signatureversion") == "3":
        expires = _ci(raw, "expires")
        when = parse_expires(expires) if expires else None
        if when is None or when < timezone.now():
            raise ApiError(UNAUTHORIZED, BAD_SIGNATURE, None)
    pair = (
        ApiKeyPair.objects.select_related("user__account__domain", "user__account__role")
        .filter(api_key=api_key, revoked=False)
        .first()
    )
    if pair is None or not signature_matches(raw, pair.secret_key, signature):
        raise ApiError(UNAUTHORIZED, BAD_SIGNATURE, None)
    if not _enabled(pair.user):
        raise ApiError(UNAUTHORIZED, BAD_SIGNATURE, None)
    return pair.user


def user_from_session(request, raw: dict[str, str]):
    """The logged-in user if the ``sessionkey`` parameter and cookie both match the
    session's (CloudStack's default ``CookieAndParameter``); else None."""
    user = getattr(request, "user", None)
    expected = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if user is None or not user.is_authenticated or not expected:
        return None
    given = _ci(raw, "sessionkey") or ""
    cookie = request.COOKIES.get(SESSION_COOKIE, "")
    if not (hmac.compare_digest(given, expected) and hmac.compare_digest(cookie, expected)):
        return None
    return user if _enabled(user) else None


def login(request, params: dict[str, str]) -> dict:
    """CloudStack ``login``: check the password and the domain, open a Django session and
    answer the flat ``loginresponse`` fields with a fresh ``sessionkey``."""
    failure = ApiError(
        ACCOUNT_ERROR,
        "Failed to authenticate user "
        f"{params.get('username', '')} in domain {params.get('domain', '/')}; "
        "please provide valid credentials",
        None,
    )
    username, password = params.get("username", ""), params.get("password", "")
    hint = params.get("domainid") or params.get("domain") or "/"
    user = authenticate_user(request, username, password, hint)
    if user is None or getattr(user, "account", None) is None or not _enabled(user):
        raise failure
    domain_uuid = params.get("domainid")
    if domain_uuid:
        domain = (
            Domain.objects.filter(uuid__iexact=domain_uuid).first()
            if _is_uuid(domain_uuid)
            else None
        )
        if domain is None or domain.pk != user.account.domain_id:
            raise failure
    else:
        path = params.get("domain") or "/"
        path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
        root_name = Domain.objects.filter(parent=None).values_list("name", flat=True).first()
        if root_name and path.lower() == f"/{root_name.lower()}/":
            path = "/"
        if path.lower() != user.account.domain.path.lower():
            raise failure
    auth.login(request, user)
    key = secrets.token_urlsafe(20)
    request.session[SESSION_KEY] = key
    account = user.account
    return {
        "username": user.username,
        "userid": str(user.uuid),
        "domainid": str(account.domain.uuid),
        "account": account.name,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "timeout": settings.SESSION_COOKIE_AGE,
        "type": str(account.account_type if account.account_type != 3 else 1),
        "timezone": user.timezone or None,
        "registered": "false",
        "sessionkey": key,
        "is2faenabled": "false",
        "is2faverified": "true",
        "passwordchangerequired": False,
    }


def logout(request) -> None:
    auth.logout(request)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
