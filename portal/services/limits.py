"""Resource limits: usage counting, the quota check deploys call, and limit updates.

A limit of ``-1`` (or no limit row) is unlimited. An account is bounded by its own limit and
by the limit of its domain and of every domain above it, each counting the usage of all
accounts in that domain's subtree (as CloudStack's ``ResourceLimitService``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from portal.choices import AccountType, ResourceType
from portal.models import Account, Domain, ResourceLimit
from portal.services.audit import record_event
from portal.services.tenancy import ancestors, domain_in_scope, is_system_or_root

GIB = 1024**3

# Resource types :func:`account_usage` counts (the others are not tracked yet).
COUNTED_TYPES = (
    ResourceType.INSTANCE,
    ResourceType.CPU,
    ResourceType.MEMORY,
    ResourceType.VOLUME,
    ResourceType.PRIMARY_STORAGE,
    ResourceType.NETWORK,
    ResourceType.PUBLIC_IP,
    ResourceType.TEMPLATE,
    ResourceType.PROJECT,
    ResourceType.SNAPSHOT,
)


class ResourceLimitExceeded(ValidationError):
    """A request would take an account (or one of its domains) over a resource limit.

    A Django ``ValidationError`` (so the API answers 400) carrying CloudStack's error code
    535 (``RESOURCE_ALLOCATION_ERROR`` / limit exceeded) for the ``/client/api`` layer.
    """

    error_code = 535

    def __init__(self, *, resource_type: str, limit: int, used: int, requested: int, owner):
        self.resource_type = resource_type
        self.limit = limit
        self.used = used
        self.requested = requested
        self.owner = owner
        kind = "account" if isinstance(owner, Account) else "domain"
        super().__init__(
            f"Maximum number of resources of type '{resource_type}' for {kind} '{owner}' "
            f"has been exceeded: limit {limit}, in use {used}, requested {requested}.",
            code="resource_limit_exceeded",
        )


def _usage(owner_q: dict[str, object]) -> dict[str, int]:
    """Usage of the accounts matched by ``owner_q`` (lookups relative to ``account``)."""
    from compute.choices import InstanceState
    from compute.models import Instance
    from networking.choices import IpState, NetworkState
    from networking.models import IPAddress, Network
    from portal.models import Project
    from storage.choices import VolumeState
    from storage.models import Snapshot, Template, Volume

    def scoped(prefix: str = "account") -> Q:
        return Q(**{f"{prefix}__{k}" if k else prefix: v for k, v in owner_q.items()})

    instances = (
        Instance.objects.filter(scoped(), removed__isnull=True)
        .exclude(
            state__in=[
                InstanceState.DESTROYED,
                InstanceState.EXPUNGING,
                InstanceState.EXPUNGED,
            ]
        )
        .aggregate(
            n=Count("id"),
            cpu=Coalesce(Sum("cpu_number"), 0),
            memory=Coalesce(Sum("memory"), 0),
        )
    )
    volumes = (
        Volume.objects.filter(scoped(), removed__isnull=True)
        .exclude(state__in=[VolumeState.DESTROY, VolumeState.EXPUNGED])
        .aggregate(n=Count("id"), size=Coalesce(Sum("size"), 0))
    )
    networks = (
        Network.objects.filter(scoped(), removed__isnull=True)
        .exclude(state=NetworkState.DESTROY)
        .count()
    )
    public_ips = IPAddress.objects.filter(scoped()).exclude(state=IpState.FREE).count()
    templates = Template.objects.filter(scoped(), removed__isnull=True).count()
    projects = Project.objects.filter(scoped()).count()
    snapshots = (
        Snapshot.objects.filter(scoped(), removed__isnull=True)
        .exclude(state__in=["Destroyed", "Error"])
        .count()
    )
    return {
        ResourceType.INSTANCE: instances["n"],
        ResourceType.CPU: instances["cpu"],
        ResourceType.MEMORY: instances["memory"],
        ResourceType.VOLUME: volumes["n"],
        ResourceType.PRIMARY_STORAGE: -(-volumes["size"] // GIB),  # GiB, rounded up
        ResourceType.NETWORK: networks,
        ResourceType.PUBLIC_IP: public_ips,
        ResourceType.TEMPLATE: templates,
        ResourceType.PROJECT: projects,
        ResourceType.SNAPSHOT: snapshots,
    }


def account_usage(account: Account) -> dict[str, int]:
    """What ``account`` uses now, by resource type: live instances (count, CPU cores,
    memory MiB), volumes (count, primary storage GiB), networks, public IPs, templates,
    projects. Destroyed, expunged and removed rows do not count."""
    return _usage({"": account})


def domain_usage(domain: Domain) -> dict[str, int]:
    """Usage of all accounts in ``domain``'s subtree."""
    return _usage({"domain__path__startswith": domain.path})


def effective_limit(limits: dict[str, int], resource_type: str) -> int:
    return limits.get(resource_type, -1)


def check_limit(account: Account, resource_type: str, requested: int = 1) -> None:
    """Raise :class:`ResourceLimitExceeded` if ``account`` may not take ``requested`` more
    of ``resource_type`` (its own limit, then its domain's and every ancestor's).

    Root admin accounts are never limited. Call it inside the transaction that allocates:
    the account row is then locked, so two concurrent deploys cannot both pass the check.
    """
    if requested <= 0 or account.account_type == AccountType.ADMIN:
        return
    if transaction.get_connection().in_atomic_block:
        # Serialise concurrent allocations of one account until the caller commits.
        Account.objects.select_for_update(no_key=True).filter(pk=account.pk).first()
    own = ResourceLimit.objects.filter(account=account, resource_type=resource_type).first()
    if own is not None and own.max != -1:
        used = account_usage(account).get(resource_type, 0)
        if used + requested > own.max:
            raise ResourceLimitExceeded(
                resource_type=resource_type,
                limit=own.max,
                used=used,
                requested=requested,
                owner=account,
            )
    chain = ancestors(account.domain)
    limits = {
        limit.domain_id: limit.max
        for limit in ResourceLimit.objects.filter(
            domain__in=chain, resource_type=resource_type
        ).exclude(max=-1)
    }
    for domain in chain:
        if domain.pk not in limits:
            continue
        used = domain_usage(domain).get(resource_type, 0)
        if used + requested > limits[domain.pk]:
            raise ResourceLimitExceeded(
                resource_type=resource_type,
                limit=limits[domain.pk],
                used=used,
                requested=requested,
                owner=domain,
            )


def _require_limit_scope(acting_user, *, account: Account | None, domain: Domain | None) -> None:
    """Root admins set any limit; domain admins those of accounts in their subtree and of
    domains strictly below their own. Nobody else sets limits."""
    if is_system_or_root(acting_user):
        return
    if account is not None:
        if account.pk == getattr(acting_user, "account_id", None):
            raise PermissionDenied("You cannot change your own account's limits.")
        allowed = domain_in_scope(acting_user, account.domain)
    else:
        allowed = domain_in_scope(acting_user, domain, strictly_below=True)
    if not allowed:
        raise PermissionDenied("You may not change this resource limit.")


#: the largest maximum the 64-bit column holds
LIMIT_MAX = 2**63 - 1


def _check_max(value) -> None:
    if value is None or int(value) < -1:
        raise ValidationError({"max": "The maximum must be -1 (unlimited) or at least 0."})
    if int(value) > LIMIT_MAX:
        raise ValidationError({"max": f"At most {LIMIT_MAX} (or -1 for unlimited)."})


def set_resource_limit(
    *,
    acting_user,
    client_ip=None,
    resource_type: str,
    max: int,  # noqa: A002 - CloudStack's name
    account: Account | None = None,
    domain: Domain | None = None,
) -> tuple[ResourceLimit, bool]:
    """Create or update the limit of ``resource_type`` for an account or a domain
    (CloudStack's ``updateResourceLimit``). Returns ``(limit, created)``."""
    if (account is None) == (domain is None):
        raise ValidationError({"account": "Give either an account or a domain (not both)."})
    if resource_type not in ResourceType.values:
        raise ValidationError({"resource_type": f"Unknown resource type '{resource_type}'."})
    _check_max(max)
    _require_limit_scope(acting_user, account=account, domain=domain)
    with transaction.atomic():
        limit, created = ResourceLimit.objects.select_for_update().get_or_create(
            account=account, domain=domain, resource_type=resource_type, defaults={"max": max}
        )
        if not created:
            limit.max = max
            limit.save(update_fields=["max"])
        record_event(
            "RESOURCE.LIMIT.UPDATE",
            acting_user=acting_user,
            resource=account or domain,
            client_ip=client_ip,
            description=f"Limit {resource_type} of {account or domain} set to {max}",
        )
    return limit, created


def update_resource_limit(limit: ResourceLimit, *, acting_user, client_ip=None, **changes):
    """Change the maximum of an existing limit (its owner and type are fixed)."""
    for field in ("account", "domain", "resource_type"):
        if field in changes and changes[field] != getattr(limit, field):
            raise ValidationError({field: "Cannot be changed; set a new limit instead."})
    new_max = changes.get("max", limit.max)
    limit, _ = set_resource_limit(
        acting_user=acting_user,
        client_ip=client_ip,
        resource_type=limit.resource_type,
        max=new_max,
        account=limit.account,
        domain=limit.domain,
    )
    return limit


def delete_resource_limit(limit: ResourceLimit, *, acting_user, client_ip=None) -> None:
    """Remove a limit (the resource becomes unlimited at this level)."""
    _require_limit_scope(acting_user, account=limit.account, domain=limit.domain)
    owner = limit.account or limit.domain
    with transaction.atomic():
        record_event(
            "RESOURCE.LIMIT.DELETE",
            acting_user=acting_user,
            resource=owner,
            client_ip=client_ip,
            description=f"Limit {limit.resource_type} of {owner} removed",
        )
        limit.delete()
