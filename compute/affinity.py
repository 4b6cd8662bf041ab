"""What an instance's affinity groups ask of the planner.

Host affinity: when other members of a group run on a host, the instance goes to that host
(none running: any host). Host anti-affinity: the hosts that other members run on are
avoided. As upstream's HostAffinityProcessor and HostAntiAffinityProcessor, a member counts
while it has a host (Starting, Running, Migrating, Stopping).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from compute.models import AffinityGroup, AffinityGroupType, Instance


@dataclass
class AffinityConstraints:
    """Hosts the instance must use (``None``: no such rule) and hosts it must avoid."""

    required_host_ids: set[int] | None = None
    avoid_host_ids: set[int] = field(default_factory=set)
    rules: list[str] = field(default_factory=list)


def constraints_for(instance: Instance) -> AffinityConstraints:
    """The constraints of all the instance's groups, in two queries."""
    out = AffinityConstraints()
    groups = list(instance.affinity_groups.all())
    if not groups:
        return out
    members = (
        AffinityGroup.instances.through.objects.filter(
            affinitygroup__in=groups,
            instance__host__isnull=False,
            instance__removed__isnull=True,
        )
        .exclude(instance=instance)
        .values_list("affinitygroup_id", "instance__host_id")
    )
    hosts_of: dict[int, set[int]] = {}
    for group_id, host_id in members:
        hosts_of.setdefault(group_id, set()).add(host_id)
    for group in groups:
        hosts = hosts_of.get(group.pk, set())
        if group.group_type == AffinityGroupType.HOST_ANTI_AFFINITY:
            out.avoid_host_ids |= hosts
            if hosts:
                out.rules.append(f"host anti-affinity group {group.name}: avoid {len(hosts)}")
        elif hosts:
            out.required_host_ids = (
                hosts if out.required_host_ids is None else out.required_host_ids & hosts
            )
            out.rules.append(f"host affinity group {group.name}: on its members' host")
    return out


@contextmanager
def group_lock(instance: Instance) -> Iterator[bool]:
    """Serialise the placements of a group's members: the rows of the instance's groups are
    locked until the placement is recorded (yields whether there are groups), so two
    concurrent deploys of an anti-affinity group never pick the same host."""
    ids = list(instance.affinity_groups.order_by("pk").values_list("pk", flat=True))
    if not ids:
        yield False
        return
    with transaction.atomic():
        list(AffinityGroup.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
        yield True
