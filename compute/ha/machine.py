"""The Host HA state machine (CloudStack's HAManager + KVM HA provider), evaluated
periodically by :func:`evaluate_hosts` (Celery beat ``compute.tasks.evaluate_host_ha``).

Per host with HA configured, on each evaluation:

* not enabled (host, its cluster or its zone): **Disabled**; no usable out-of-band
  management or in maintenance: **Ineligible**; otherwise it (re)starts **Available**;
* Available --health check fails--> **Suspect** --fails again--> **Checking**;
  a passing health check returns Suspect/Checking/Degraded/Recovered to Available;
* Checking: one activity check every ``kvm.ha.activity.check.interval`` (own agent, a
  neighbour's check through its own agent, storage heartbeat); after
  ``kvm.ha.activity.check.max.attempts`` checks, failures/attempts >=
  ``kvm.ha.activity.check.failure.ratio`` --> **Recovering**, else **Degraded** (alive but
  unhealthy; a new round of checks after ``kvm.ha.degraded.max.period``);
* Recovering: power reset through out-of-band management --> **Recovered**; when the host is
  still unhealthy ``kvm.ha.recover.wait.period`` later and ``kvm.ha.recover.failure.threshold``
  recoveries were tried --> **Fencing**, else another recovery;
* Fencing: power off through out-of-band management, confirmed Off --> **Fenced**. If it
  fails the host stays Fencing (retried next evaluation) and an Alert says why; nothing is
  restarted elsewhere;
* Fenced: stays until its agent answers again (then Available).

Recovery and fencing are skipped, with an alert, while more than
``kvm.ha.accepted.problematic.hosts.ratio`` of the cluster's hosts are problematic.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from compute.choices import HostStatus, ResourceState
from compute.ha import checks
from compute.ha.config import HASettings, ha_settings
from compute.models import Host, OutOfBandManagement
from compute.models.ha import Alert, HAState, HostHAConfig, ResourceHASwitch

log = logging.getLogger(__name__)

KEEP_CHECKS = 12
PROBLEMATIC_STATUS = (HostStatus.ALERT, HostStatus.DISCONNECTED, HostStatus.DOWN)
TROUBLED_HA = (
    HAState.SUSPECT,
    HAState.CHECKING,
    HAState.DEGRADED,
    HAState.RECOVERING,
    HAState.RECOVERED,
    HAState.FENCING,
    HAState.FENCED,
)
ALERT_TYPE = "ALERT_TYPE_HA_ACTION"


def ha_switched_on(host: Host) -> bool:
    """False when HA is disabled for the host's cluster or zone."""
    return (
        not ResourceHASwitch.objects.filter(enabled=False, cluster_id=host.cluster_id).exists()
        and not ResourceHASwitch.objects.filter(enabled=False, zone_id=host.zone_id).exists()
    )


def ineligible_reason(host: Host) -> str:
    """Why HA cannot act on ``host`` ('' when it can): fencing needs out-of-band management."""
    oobm = OutOfBandManagement.objects.filter(host=host).first()
    if oobm is None:
        return "out-of-band management is not configured"
    if not oobm.enabled:
        return "out-of-band management is disabled"
    if host.resource_state != ResourceState.ENABLED:
        return f"the host is {host.resource_state}"
    return ""


def raise_alert(cfg: HostHAConfig, subject: str, description: str) -> None:
    """One Alert row (not repeated while the same subject is the last alert of the host)."""
    host = cfg.host
    last = Alert.objects.filter(host=host, alert_type=ALERT_TYPE).order_by("-pk").first()
    if last is not None and last.name == subject and last.description == description:
        return
    Alert.objects.create(
        alert_type=ALERT_TYPE,
        name=subject,
        description=description,
        host=host,
        cluster_id=host.cluster_id,
        zone_id=host.zone_id,
    )
    log.warning("HA alert for host %s: %s: %s", host.name, subject, description)


def cluster_problematic(host: Host, limits: HASettings) -> str:
    """Why HA must not act in ``host``'s cluster ('' if it may): too many problematic hosts."""
    hosts = list(Host.objects.filter(cluster_id=host.cluster_id).values_list("pk", "status"))
    troubled = set(
        HostHAConfig.objects.filter(
            host__cluster_id=host.cluster_id, state__in=TROUBLED_HA
        ).values_list("host_id", flat=True)
    )
    problematic = {pk for pk, status in hosts if status in PROBLEMATIC_STATUS} | troubled
    problematic.add(host.pk)
    accepted = int(len(hosts) * limits.problematic_ratio)
    if len(problematic) > accepted:
        return (
            f"{len(problematic)} of the {len(hosts)} hosts of cluster {host.cluster.name} are "
            f"problematic (more than the {accepted} accepted by "
            f"kvm.ha.accepted.problematic.hosts.ratio={limits.problematic_ratio}): HA will not "
            "recover or fence; check the management network"
        )
    return ""


def _record(cfg: HostHAConfig, found: list[checks.Check]) -> None:
    cfg.last_checks = (list(cfg.last_checks or []) + [c.as_dict() for c in found])[-KEEP_CHECKS:]


def _move(cfg: HostHAConfig, state: str, now) -> None:
    if cfg.state != state:
        log.info("host %s HA: %s -> %s", cfg.host.name, cfg.state, state)
        cfg.state, cfg.state_changed, cfg.last_error = state, now, ""
    if state in (HAState.CHECKING, HAState.AVAILABLE):
        cfg.activity_checks = cfg.activity_failures = 0
    if state == HAState.AVAILABLE:
        cfg.recover_attempts = 0


def _since(cfg: HostHAConfig, now) -> float:
    return (now - (cfg.state_changed or now)).total_seconds()


def _health(cfg: HostHAConfig, limits: HASettings, now) -> bool:
    check = checks.health_check(cfg.host, limits.health_timeout)
    cfg.last_health_check = now
    _record(cfg, [check])
    return bool(check.ok)


def _checking(cfg: HostHAConfig, limits: HASettings, now) -> None:
    last = cfg.last_activity_check
    if last is not None and now - last < timedelta(seconds=limits.activity_interval):
        return
    alive, found = checks.activity_check(cfg.host, limits.activity_timeout)
    _record(cfg, found)
    cfg.last_activity_check = now
    cfg.activity_checks += 1
    if alive is False:
        cfg.activity_failures += 1
    if cfg.activity_checks >= limits.max_activity_checks:
        ratio = cfg.activity_failures / cfg.activity_checks
        _move(cfg, HAState.RECOVERING if ratio >= limits.failure_ratio else HAState.DEGRADED, now)


def _act(cfg: HostHAConfig, limits: HASettings, now, action: str) -> bool:
    """Recovery (``reset``) or fencing (``off``) unless the cluster is problematic. A failed
    attempt is retried no sooner than ``kvm.ha.activity.check.interval`` later (the time of
    the last attempt is kept in ``last_activity_check``), so a broken BMC is not hammered."""
    last = cfg.last_activity_check
    if cfg.last_error and last and now - last < timedelta(seconds=limits.activity_interval):
        return False
    cfg.last_activity_check = now
    blocked = cluster_problematic(cfg.host, limits)
    if blocked:
        cfg.last_error = blocked
        raise_alert(cfg, f"HA stopped for host {cfg.host.name}", blocked)
        return False
    if action == "off":
        result = checks.fence(cfg.host, limits.fence_timeout)
    else:
        try:
            checks.power(cfg.host, "reset", limits.recover_timeout)
            result = checks.Check("recover", True, "power reset through out-of-band management")
        except Exception as exc:  # noqa: BLE001 - a failed recovery is a finding, not a crash
            result = checks.Check("recover", False, "; ".join(getattr(exc, "messages", [str(exc)])))
    _record(cfg, [result])
    if not result.ok:
        cfg.last_error = result.detail
        what = "Fencing" if action == "off" else "Recovery"
        raise_alert(cfg, f"{what} of host {cfg.host.name} failed", result.detail)
        return False
    cfg.last_error = ""
    return True


def evaluate(cfg: HostHAConfig, now=None) -> str:
    """Advance one host's state machine by one step; returns the new state."""
    now = now or timezone.now()
    host = cfg.host
    limits = ha_settings(host.cluster)
    if not cfg.enabled or not ha_switched_on(host):
        _move(cfg, HAState.DISABLED, now)
    elif cfg.state not in (HAState.FENCING, HAState.FENCED) and ineligible_reason(host):
        _move(cfg, HAState.INELIGIBLE, now)
        cfg.last_error = ineligible_reason(host)
    elif cfg.state in (HAState.DISABLED, HAState.INELIGIBLE):
        cfg.last_error = ""
        _move(cfg, HAState.AVAILABLE, now)
    elif cfg.state == HAState.FENCING:
        if _act(cfg, limits, now, "off"):
            from compute.ha.vms import host_fenced

            _move(cfg, HAState.FENCED, now)
            items = host_fenced(host)
            raise_alert(
                cfg,
                f"Host {host.name} fenced",
                f"powered off by Host HA; {len(items)} HA instance(s) to restart elsewhere",
            )
    elif cfg.state == HAState.RECOVERING:
        if _act(cfg, limits, now, "reset"):
            cfg.recover_attempts += 1
            _move(cfg, HAState.RECOVERED, now)
    elif _health(cfg, limits, now):
        if cfg.state != HAState.AVAILABLE:
            _move(cfg, HAState.AVAILABLE, now)
    elif cfg.state == HAState.AVAILABLE:
        _move(cfg, HAState.SUSPECT, now)
    elif cfg.state == HAState.SUSPECT:
        _move(cfg, HAState.CHECKING, now)
        cfg.last_activity_check = None
        _checking(cfg, limits, now)
    elif cfg.state == HAState.CHECKING:
        _checking(cfg, limits, now)
    elif cfg.state == HAState.DEGRADED and _since(cfg, now) >= limits.degraded_max_period:
        _move(cfg, HAState.CHECKING, now)
    elif cfg.state == HAState.RECOVERED and _since(cfg, now) >= limits.recover_wait:
        failed_enough = cfg.recover_attempts >= limits.recover_threshold
        _move(cfg, HAState.FENCING if failed_enough else HAState.RECOVERING, now)
    _save(cfg)
    return cfg.state


def _save(cfg: HostHAConfig) -> None:
    fields = [
        "state",
        "state_changed",
        "activity_checks",
        "activity_failures",
        "recover_attempts",
        "last_health_check",
        "last_activity_check",
        "last_checks",
        "last_error",
        "updated",
    ]
    cfg.save(update_fields=fields)


def evaluate_hosts() -> dict[str, int]:
    """One evaluation of every host with HA configured; {state: hosts} afterwards. Each host
    is evaluated under a row lock taken with SKIP LOCKED (PostgreSQL), so two workers never
    evaluate the same host at once."""
    counts: dict[str, int] = {}
    for pk in HostHAConfig.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            cfg = (
                HostHAConfig.objects.select_for_update(skip_locked=True)
                .select_related("host", "host__cluster")
                .filter(pk=pk)
                .first()
            )
            if cfg is None:
                continue
            try:
                state = evaluate(cfg)
            except Exception:  # one host's bug must not stop HA for the others
                log.exception("Host HA evaluation of host %s failed", cfg.host_id)
                continue
        counts[state] = counts.get(state, 0) + 1
    return counts
