"""Deployment planner: choose a host and a primary storage pool for an instance.

Planners are pluggable: a plugin registers a subclass of :class:`Planner` with
:func:`register_planner`. Built in: ``firstfit`` (lowest id first) and ``userdispersing``
(hosts with the fewest of the account's instances first), as in CloudStack. Placement claims
capacity atomically (see :mod:`compute.capacity`) and moves on to the next candidate when a
concurrent deploy won the race, so concurrent deploys never overcommit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q

from compute import capacity
from compute.choices import AllocationState, HostStatus, InstanceState, ResourceState
from compute.models import Host, Zone
from storage.choices import PoolScope, PoolState
from storage.models import StoragePool

CANDIDATE_PAGE = 32
ACTIVE_STATES = [
    InstanceState.STARTING,
    InstanceState.RUNNING,
    InstanceState.MIGRATING,
    InstanceState.STOPPING,
]


class InsufficientCapacity(Exception):
    """Nothing fits; CloudStack answers this with error code 533."""

    code = 533


@dataclass
class PlacementRequest:
    """What the instance needs."""

    zone: Zone
    cpu_number: int
    cpu_speed: int
    memory_mib: int
    root_disk_bytes: int = 0
    hypervisor: str = ""
    host_tags: list[str] = field(default_factory=list)
    storage_tags: list[str] = field(default_factory=list)
    local_storage: bool = False
    account_id: int | None = None
    host_id: int | None = None
    avoid_host_ids: set[int] = field(default_factory=set)
    required_host_ids: set[int] | None = None  # host affinity: one of these, or nothing
    affinity_rules: list[str] = field(default_factory=list)

    @property
    def cpu_mhz(self) -> int:
        return self.cpu_number * self.cpu_speed

    def describe(self) -> str:
        return f"{self.cpu_number} CPU x {self.cpu_speed} MHz and {self.memory_mib} MiB"


@dataclass
class Placement:
    host: Host
    pool: StoragePool | None


class Planner:
    """First fit: the eligible hosts in id order."""

    name = "firstfit"

    def eligible_hosts(self, request: PlacementRequest):
        """Hosts that are Up, Enabled, in enabled pods/clusters, with room (in SQL)."""
        hosts = Host.objects.filter(
            zone=request.zone,
            host_type="Routing",
            status=HostStatus.UP,
            resource_state=ResourceState.ENABLED,
            cluster__allocation_state=AllocationState.ENABLED,
            pod__allocation_state=AllocationState.ENABLED,
        ).select_related("cluster")
        if request.hypervisor:
            hosts = hosts.filter(hypervisor=request.hypervisor)
        if request.host_id:
            hosts = hosts.filter(pk=request.host_id)
        if request.avoid_host_ids:
            hosts = hosts.exclude(pk__in=request.avoid_host_ids)
        if request.required_host_ids is not None:
            hosts = hosts.filter(pk__in=request.required_host_ids)
        return hosts.alias(
            free_cpu=capacity.HOST_CPU_LIMIT - F("cpu_allocated_mhz"),
            free_memory=capacity.HOST_MEMORY_LIMIT - F("memory_allocated"),
        ).filter(free_cpu__gte=request.cpu_mhz, free_memory__gte=request.memory_mib * capacity.MIB)

    def order(self, hosts, request: PlacementRequest):
        return hosts.order_by("id")

    def candidates(self, request: PlacementRequest) -> Iterator[Host]:
        """Eligible hosts in the planner's order, fetched a page at a time (most placements
        take the first one), at most ``PLANNER_MAX_CANDIDATES``."""
        limit = getattr(settings, "PLANNER_MAX_CANDIDATES", 1000)
        hosts = self.order(self.eligible_hosts(request), request)
        wanted = set(request.host_tags)
        for start in range(0, limit, CANDIDATE_PAGE):
            page = list(hosts[start : min(start + CANDIDATE_PAGE, limit)])
            yield from (h for h in page if wanted <= set(h.host_tags or []))
            if len(page) < CANDIDATE_PAGE:
                return


class UserDispersingPlanner(Planner):
    """Spread an account's instances: hosts running fewest of them first."""

    name = "userdispersing"

    def order(self, hosts, request: PlacementRequest):
        if request.account_id is None:
            return super().order(hosts, request)
        mine = Count(
            "instances",
            filter=Q(instances__account_id=request.account_id, instances__state__in=ACTIVE_STATES),
        )
        return hosts.annotate(account_instances=mine).order_by("account_instances", "id")


PLANNERS: dict[str, type[Planner]] = {}


def register_planner(cls: type[Planner]) -> type[Planner]:
    """Extension point: make a planner selectable by its ``name``."""
    PLANNERS[cls.name] = cls
    return cls


register_planner(Planner)
register_planner(UserDispersingPlanner)


def _plugin_planner(name: str) -> type[Planner] | None:
    """Extension point ``deploy.planner``: enabled plugins offer planner classes."""
    from marketplace import hooks

    offered = hooks.call_hooks("deploy.planner")
    return next(
        (c for c in offered if isinstance(c, type) and getattr(c, "name", None) == name), None
    )


def pools_for(host: Host, request: PlacementRequest) -> list[StoragePool]:
    """Primary storage pools the host can use, with room and the requested tags."""
    scope = Q(scope=PoolScope.ZONE, zone_id=host.zone_id) | Q(
        scope=PoolScope.CLUSTER, cluster_id=host.cluster_id
    )
    if request.local_storage:
        scope = Q(scope=PoolScope.HOST, host_id=host.pk)
    pools = (
        StoragePool.objects.filter(scope, state=PoolState.UP)
        .alias(free=capacity.POOL_LIMIT - F("allocated_bytes"))
        .filter(free__gte=request.root_disk_bytes)
        .order_by("allocated_bytes", "id")
    )
    wanted = set(request.storage_tags)
    return [p for p in pools if wanted <= set(p.tags or [])]


def place(request: PlacementRequest, strategy: str = "firstfit") -> Placement:
    """Choose a host and pool and claim their capacity, or raise InsufficientCapacity."""
    if request.zone.allocation_state != AllocationState.ENABLED:
        raise InsufficientCapacity(f"Zone {request.zone.name} is disabled.")
    planner = PLANNERS.get(strategy) or _plugin_planner(strategy)
    if planner is None:
        raise ValueError(f"Unknown planner {strategy!r}; known: {', '.join(sorted(PLANNERS))}")
    for host in planner().candidates(request):
        pools = pools_for(host, request) if request.root_disk_bytes else [None]
        for pool in pools:
            if not capacity.claim_host(
                host, cpu_mhz=request.cpu_mhz, memory_mib=request.memory_mib
            ):
                break  # lost the race for this host: try the next one
            if pool is None or capacity.claim_pool(pool, size_bytes=request.root_disk_bytes):
                return Placement(host=host, pool=pool)
            capacity.release_host(host.pk, cpu_mhz=request.cpu_mhz, memory_mib=request.memory_mib)
    raise InsufficientCapacity(explain(request))


def explain(request: PlacementRequest) -> str:
    """Say why nothing fits, counting the hosts each rule excluded."""
    zone_hosts = Host.objects.filter(zone=request.zone, host_type="Routing")
    if request.hypervisor:
        zone_hosts = zone_hosts.filter(hypervisor=request.hypervisor)
    counts = zone_hosts.aggregate(
        total=Count("id"),
        not_up=Count("id", filter=~Q(status=HostStatus.UP)),
        not_enabled=Count("id", filter=~Q(resource_state=ResourceState.ENABLED)),
        disabled_cluster=Count("id", filter=~Q(cluster__allocation_state=AllocationState.ENABLED)),
    )
    hypervisor = f" {request.hypervisor}" if request.hypervisor else ""
    if not counts["total"]:
        return f"No{hypervisor} host in zone {request.zone.name}."
    reasons = [f"{counts['total']} host(s) considered"]
    for key, label in (
        ("not_up", "not Up"),
        ("not_enabled", "not Enabled"),
        ("disabled_cluster", "in a disabled cluster"),
    ):
        if counts[key]:
            reasons.append(f"{counts[key]} {label}")
    reasons.extend(request.affinity_rules)
    if request.host_tags:
        reasons.append(f"host tags required: {', '.join(request.host_tags)}")
    if request.storage_tags and request.root_disk_bytes:
        reasons.append(f"storage tags required: {', '.join(request.storage_tags)}")
    if request.root_disk_bytes:
        reasons.append(f"{request.root_disk_bytes // 1024**3} GiB of primary storage needed")
    return (
        f"Insufficient capacity: no host with {request.describe()} free in zone "
        f"{request.zone.name} ({'; '.join(reasons)})."
    )
