"""Configuration services: read a setting at the most specific scope, change it, reset it.

``config_value(name, zone=..., cluster=..., storage=..., account=..., domain=...)`` answers
the typed value of the most specific scope the key supports that has a value: a storage
pool, then its cluster, a cluster then its zone, an account then its domain, and last the
global value or the key's default. Values are cached per key (the Django cache, shared by
every process) and the cache entry is dropped when a value changes.

The overprovisioning factors at cluster and storage-pool scope are kept in the cluster's and
pool's own columns (as upstream keeps them in ``cluster_details``); their global value is
what new clusters and pools start with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from portal.config.keys import (
    ACCOUNT,
    CLUSTER,
    DOMAIN,
    GLOBAL,
    STORAGE,
    ZONE,
    ConfigKey,
    all_keys,
    get_key,
)
from portal.models import ConfigurationValue
from portal.services.audit import record_event
from portal.services.tenancy import is_system_or_root

CACHE_KEY = "portal:config:v1:values"
CACHE_SECONDS = 300
SECRET_MASK = "******"

# (key, scope) -> (app_label.Model, column): scoped values kept on the object itself.
COLUMN_BACKED: dict[tuple[str, str], tuple[str, str]] = {
    ("cpu.overprovisioning.factor", CLUSTER): ("compute.Cluster", "cpu_overcommit_ratio"),
    ("mem.overprovisioning.factor", CLUSTER): ("compute.Cluster", "memory_overcommit_ratio"),
    ("storage.overprovisioning.factor", STORAGE): (
        "storage.StoragePool",
        "overprovisioning_factor",
    ),
}
# The model of each scope's objects.
SCOPE_MODELS = {
    ZONE: "compute.Zone",
    CLUSTER: "compute.Cluster",
    STORAGE: "storage.StoragePool",
    ACCOUNT: "portal.Account",
    DOMAIN: "portal.Domain",
}


class UnknownKey(LookupError):
    """No configuration key of that name is declared."""


def key_or_error(name: str) -> ConfigKey:
    key = get_key(name)
    if key is None:
        raise UnknownKey(name)
    return key


def _rows(name: str) -> dict[tuple[str, int], str]:
    """The stored values of ``name`` by (scope, object id): every key's values are loaded
    with one query and cached together."""
    values = cache.get(CACHE_KEY)
    if values is None:
        values = {}
        for row in ConfigurationValue.objects.all():
            values.setdefault(row.name, {})[(row.scope, row.scope_id)] = row.stored
        cache.set(CACHE_KEY, values, CACHE_SECONDS)
    return values.get(name, {})


def invalidate(name: str = "") -> None:
    """Forget the cached values (after ``name`` changed)."""
    cache.delete(CACHE_KEY)


def forget_cached_values() -> None:
    """Drop every cached value (tests; after restoring a database)."""
    cache.delete(CACHE_KEY)


def _chain(key: ConfigKey, objs: dict[str, Any]) -> list[tuple[str, Any]]:
    """(scope, object) pairs to look at, most specific first, limited to the key's scopes."""
    storage, cluster, zone = objs.get(STORAGE), objs.get(CLUSTER), objs.get(ZONE)
    account, domain = objs.get(ACCOUNT), objs.get(DOMAIN)
    if storage is not None:
        cluster = cluster or getattr(storage, "cluster", None)
        zone = zone or getattr(storage, "zone", None)
    if cluster is not None:
        zone = zone or cluster.zone
    if account is not None:
        domain = domain or account.domain
    chain = [(STORAGE, storage), (CLUSTER, cluster), (ZONE, zone)]
    chain += [(ACCOUNT, account), (DOMAIN, domain)]
    return [(s, o) for s, o in chain if o is not None and s in key.scopes]


def _scoped_raw(key: ConfigKey, scope: str, obj) -> str | None:
    """The value set at exactly ``scope`` for ``obj`` (None: not set there)."""
    backed = COLUMN_BACKED.get((key.name, scope))
    if backed is not None:
        value = getattr(obj, backed[1])
        return None if value is None else str(value)
    return _rows(key.name).get((scope, obj.pk))


def raw_value(key: ConfigKey, **objs) -> tuple[str, str]:
    """(raw value, scope it came from) for the most specific scope with a value."""
    for scope, obj in _chain(key, objs):
        value = _scoped_raw(key, scope, obj)
        if value is not None:
            return value, scope
    value = _rows(key.name).get((GLOBAL, 0))
    return (value, GLOBAL) if value is not None else (key.default, GLOBAL)


def config_value(name: str, **objs) -> Any:
    """The typed value of setting ``name`` for the given zone/cluster/storage/account/domain
    objects (keyword names: ``zone``, ``cluster``, ``storage``, ``account``, ``domain``)."""
    key = key_or_error(name)
    objs = {STORAGE if k == "storage" else k: v for k, v in objs.items()}
    raw, _ = raw_value(key, **objs)
    try:
        return key.parse(raw)
    except ValueError:  # a value stored before its key's rules tightened: the default
        return key.parse(key.default)


@dataclass
class Setting:
    """One row of listConfigurations: a key and its value at one scope."""

    key: ConfigKey
    value: str
    scope: str
    obj: Any = None

    @property
    def shown_value(self) -> str:
        return SECRET_MASK if self.key.secret and self.value else self.value


def scope_model(scope: str):
    return apps.get_model(SCOPE_MODELS[scope])


def settings_at(scope: str = GLOBAL, obj=None) -> list[Setting]:
    """Every key that may be set at ``scope`` with its effective value there."""
    out = []
    for key in all_keys():
        if scope != GLOBAL and scope not in key.scopes:
            continue
        raw, _ = raw_value(key, **({scope: obj} if obj is not None else {}))
        out.append(Setting(key, raw, scope if obj is not None else key.most_specific_scope, obj))
    return out


def _check(acting_user, key: ConfigKey, scope: str) -> None:
    if not is_system_or_root(acting_user):
        raise PermissionDenied("Only a root admin may change configuration settings.")
    if scope != GLOBAL and scope not in key.scopes:
        raise ValidationError(
            f"Scope {scope} is not valid for {key.name}: it may be set at " + ", ".join(key.scopes)
        )


def _write(key: ConfigKey, scope: str, obj, value: str | None, acting_user, client_ip) -> None:
    backed = COLUMN_BACKED.get((key.name, scope))
    if backed is not None:
        if value is None:
            value = raw_value(key)[0]
        _update_backing_object(obj, backed[1], value, acting_user, client_ip)
        return
    scope_id = obj.pk if obj is not None else 0
    rows = ConfigurationValue.objects.filter(name=key.name, scope=scope, scope_id=scope_id)
    if value is None:
        rows.delete()
    else:
        fields = {"secret_value": value, "value": ""} if key.secret else {"value": value}
        ConfigurationValue.objects.update_or_create(
            name=key.name,
            scope=scope,
            scope_id=scope_id,
            defaults={**fields, "updated_by": acting_user},
        )


def _update_backing_object(obj, column: str, value: str, acting_user, client_ip) -> None:
    from decimal import Decimal

    if obj._meta.label == "compute.Cluster":
        from compute.services.clusters import update_cluster as update
    else:
        from storage.services.pools import update_storage_pool as update
    update(obj, acting_user=acting_user, client_ip=client_ip, **{column: Decimal(value)})


def update_configuration(
    name: str, value: str, *, scope: str = GLOBAL, obj=None, acting_user, client_ip=None
) -> Setting:
    """Set ``name`` to ``value`` at ``scope`` (root admins only); the value is checked
    against the key's type and bounds first."""
    key = key_or_error(name)
    _check(acting_user, key, scope)
    try:
        stored = key.normalise(value)
    except ValueError as exc:
        raise ValidationError({"value": f"Invalid value for {name}: {exc}"}) from exc
    with transaction.atomic():
        _write(key, scope, obj, stored, acting_user, client_ip)
        record_event(
            "CONFIGURATION.VALUE.EDIT",
            acting_user=acting_user,
            client_ip=client_ip,
            description=f"Value of {name} changed at {scope} scope"
            + (f" for {obj}" if obj is not None else "")
            + ("" if key.secret else f" to {stored}"),
        )
        transaction.on_commit(lambda: invalidate(name))
    invalidate(name)
    return Setting(key, stored, scope, obj)


def reset_configuration(
    name: str, *, scope: str = GLOBAL, obj=None, acting_user, client_ip=None
) -> Setting:
    """Drop the value of ``name`` at ``scope``: the parent scope's value or the default
    applies again (a cluster's or pool's factor is set back to the global value)."""
    key = key_or_error(name)
    _check(acting_user, key, scope)
    with transaction.atomic():
        _write(key, scope, obj, None, acting_user, client_ip)
        record_event(
            "CONFIGURATION.VALUE.EDIT",
            acting_user=acting_user,
            client_ip=client_ip,
            description=f"Value of {name} reset at {scope} scope"
            + (f" for {obj}" if obj is not None else ""),
        )
        transaction.on_commit(lambda: invalidate(name))
    invalidate(name)
    if obj is not None:
        obj.refresh_from_db()
    raw, _ = raw_value(key, **({scope: obj} if obj is not None else {}))
    return Setting(key, raw, scope, obj)
