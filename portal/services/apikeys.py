"""API key services: register a key pair for a user, rename, revoke, delete."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal.models import ApiKeyPair
from portal.services.audit import record_event
from portal.services.tenancy import is_system_or_root, is_tenancy_admin, require_domain_scope


def _require_key_scope(acting_user, user) -> None:
    """Anyone manages its own keys; admins those of users in their scope."""
    if acting_user is None or acting_user.pk == user.pk or is_system_or_root(acting_user):
        return
    if is_tenancy_admin(acting_user) and user.account is not None:
        require_domain_scope(acting_user, user.account.domain)
        return
    raise PermissionDenied("You may only manage your own API keys.")


def create_api_key(*, acting_user, client_ip=None, user=None, name: str = "") -> ApiKeyPair:
    """Generate a key pair for ``user`` (default: the actor). The caller shows the secret
    once; it is stored encrypted and never returned again."""
    user = user or acting_user
    if user is None:
        raise ValidationError({"user": "This field is required."})
    _require_key_scope(acting_user, user)
    pair = ApiKeyPair(user=user, name=name)
    pair.full_clean()
    with transaction.atomic():
        pair.save()
        record_event(
            "REGISTER.USER.KEY",
            acting_user=acting_user,
            resource=pair,
            client_ip=client_ip,
            description=f"API key {pair.api_key[:8]}... registered for user {user}",
        )
    return pair


def update_api_key(pair: ApiKeyPair, *, acting_user, client_ip=None, **changes) -> ApiKeyPair:
    """Rename a key pair (the keys themselves never change)."""
    _require_key_scope(acting_user, pair.user)
    unknown = set(changes) - {"name"}
    if unknown:
        raise ValidationError({f: "This field cannot be changed." for f in sorted(unknown)})
    pair.name = changes.get("name", pair.name)
    pair.full_clean()
    with transaction.atomic():
        pair.save(update_fields=["name", "updated"])
        record_event("USER.KEY.UPDATE", acting_user=acting_user, resource=pair, client_ip=client_ip)
    return pair


def revoke_api_key(pair: ApiKeyPair, *, acting_user, client_ip=None) -> ApiKeyPair:
    """Revoke a key pair: requests signed with it are refused from now on."""
    _require_key_scope(acting_user, pair.user)
    if pair.revoked:
        raise ValidationError("The key pair is already revoked.")
    with transaction.atomic():
        pair.revoked = True
        pair.save(update_fields=["revoked", "updated"])
        record_event("USER.KEY.REVOKE", acting_user=acting_user, resource=pair, client_ip=client_ip)
    return pair


def delete_api_key(pair: ApiKeyPair, *, acting_user, client_ip=None) -> None:
    """Delete a key pair outright."""
    _require_key_scope(acting_user, pair.user)
    with transaction.atomic():
        record_event("USER.KEY.DELETE", acting_user=acting_user, resource=pair, client_ip=client_ip)
        pair.delete()
