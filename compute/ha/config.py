"""Host HA settings: upstream's ``kvm.ha.*`` keys (KVMHAConfig), cluster-scoped, read with
:func:`portal.services.configuration.config_value` (so ``updateConfiguration`` with a
``clusterid`` changes them for one cluster)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.config.keys import CLUSTER, ConfigKey, register
from portal.services.configuration import config_value


def _key(name: str, type_: str, default: str, description: str) -> ConfigKey:
    return ConfigKey(
        name=name,
        type=type_,
        default=default,
        description=description,
        scopes=(CLUSTER,),
        component="KVMHAConfig",
        group="Compute",
        subgroup="High Availability",
        minimum=0,
    )


KEYS = (
    _key(
        "kvm.ha.health.check.timeout",
        "Long",
        "10",
        "The maximum length of time, in seconds, expected for an health check to complete.",
    ),
    _key(
        "kvm.ha.activity.check.timeout",
        "Long",
        "60",
        "The maximum length of time, in seconds, expected for an activity check to complete.",
    ),
    _key(
        "kvm.ha.activity.check.interval",
        "Long",
        "60",
        "The interval, in seconds, between activity checks.",
    ),
    _key(
        "kvm.ha.activity.check.max.attempts",
        "Long",
        "10",
        "The maximum number of activity check attempts to perform before deciding to recover "
        "or degrade a resource.",
    ),
    _key(
        "kvm.ha.activity.check.failure.ratio",
        "Double",
        "0.7",
        "The activity check failure threshold ratio. This is used with the activity check "
        "maximum attempts for deciding to recover or degrade a resource. For most "
        "environments, please keep this value above 0.5.",
    ),
    _key(
        "kvm.ha.degraded.max.period",
        "Long",
        "300",
        "The maximum length of time, in seconds, a resource can be in degraded state where "
        "only health checks are performed.",
    ),
    _key(
        "kvm.ha.recover.timeout",
        "Long",
        "60",
        "The maximum length of time, in seconds, expected for a recovery operation to complete.",
    ),
    _key(
        "kvm.ha.recover.wait.period",
        "Long",
        "600",
        "The maximum length of time, in seconds, to wait for a resource to recover.",
    ),
    _key(
        "kvm.ha.recover.failure.threshold",
        "Long",
        "1",
        "The maximum recovery attempts to be made for a resource, after which the resource is "
        "fenced. The recovery counter resets when a health check passes for a resource.",
    ),
    _key(
        "kvm.ha.fence.timeout",
        "Long",
        "60",
        "The maximum length of time, in seconds, expected for a fence operation to complete.",
    ),
    _key(
        "kvm.ha.accepted.problematic.hosts.ratio",
        "Double",
        "0.3",
        "The ratio of problematic Hosts accepted on a Cluster. If a cluster has more than the "
        "accepted ratio, HA will not Fence/Recover Hosts; instead, it will notify admins to "
        "check it could be a network issue.",
    ),
)
register(*KEYS)


@dataclass(frozen=True)
class HASettings:
    """The ``kvm.ha.*`` values in force for one cluster."""

    health_timeout: float
    activity_timeout: float
    activity_interval: float
    max_activity_checks: int
    failure_ratio: float
    degraded_max_period: float
    recover_timeout: float
    recover_wait: float
    recover_threshold: int
    fence_timeout: float
    problematic_ratio: float


def ha_settings(cluster) -> HASettings:
    """The HA settings of ``cluster`` (cluster value, else global, else upstream default)."""

    def value(name: str):
        return config_value(f"kvm.ha.{name}", cluster=cluster)

    return HASettings(
        health_timeout=float(value("health.check.timeout")),
        activity_timeout=float(value("activity.check.timeout")),
        activity_interval=float(value("activity.check.interval")),
        max_activity_checks=max(1, int(value("activity.check.max.attempts"))),
        failure_ratio=float(value("activity.check.failure.ratio")),
        degraded_max_period=float(value("degraded.max.period")),
        recover_timeout=float(value("recover.timeout")),
        recover_wait=float(value("recover.wait.period")),
        recover_threshold=int(value("recover.failure.threshold")),
        fence_timeout=float(value("fence.timeout")),
        problematic_ratio=float(value("accepted.problematic.hosts.ratio")),
    )
