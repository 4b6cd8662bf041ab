"""Out-of-band management of hosts: power on/off/cycle/reset/status through a driver.

Drivers are ``oobm.power`` providers (``(host, action) -> power state | None``): each one
answers for the hosts whose :class:`~compute.models.OutOfBandManagement` names it and returns
None for the others. The in-tree ``simulator`` driver (below) keeps the power state in the
database, so the whole path runs without a BMC.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from compute.models import Host, OutOfBandManagement
from marketplace import hooks
from portal.services.audit import record_event
from portal.services.jobs import JobError, job_handler

log = logging.getLogger(__name__)

ACTIONS = ("on", "off", "cycle", "reset", "soft", "status")
POWER_STATES = ("On", "Off", "Unknown")
CONFIG_FIELDS = ("driver", "address", "port", "username", "password")


class OOBMDriverError(Exception):
    """A driver reached no verdict: the BMC is unreachable, refused the credentials or the
    action. The message says why (never the password)."""


def run_power_driver(host: Host, action: str) -> str | None:
    """The first ``oobm.power`` driver's answer for ``host``. A driver's OOBMDriverError
    becomes a ValidationError on ``driver``; other driver crashes are logged and skipped."""
    for func in hooks.get_hooks("oobm.power"):
        try:
            state = func(host, action)
        except OOBMDriverError as exc:
            raise ValidationError({"driver": str(exc)}) from exc
        except Exception:
            log.exception("oobm.power driver %s.%s failed", func.__module__, func.__qualname__)
            continue
        if state is not None:
            return state
    return None


def configure_oobm(
    host: Host, *, acting_user, client_ip: str | None = None, **fields
) -> OutOfBandManagement:
    """Create or change a host's out-of-band management settings (driver, address, port,
    username, password). A new configuration starts disabled."""
    unknown = set(fields) - set(CONFIG_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown out-of-band management setting." for name in unknown})
    if "driver" in fields and not (fields["driver"] or "").strip():
        raise ValidationError({"driver": "A driver is required."})
    with transaction.atomic():
        oobm, _ = OutOfBandManagement.objects.select_for_update().get_or_create(host=host)
        for name, value in fields.items():
            setattr(oobm, name, value if value is not None else "")
        oobm.full_clean()
        oobm.save()
        record_event(
            "HOST.OOBM.CONFIGURE",
            acting_user=acting_user,
            resource=host,
            client_ip=client_ip,
            description=f"Out-of-band management of host {host} configured ({oobm.driver})",
        )
    return oobm


def set_oobm_enabled(
    host: Host, enabled: bool, *, acting_user, client_ip: str | None = None
) -> OutOfBandManagement:
    """Enable or disable out-of-band management of a configured host."""
    with transaction.atomic():
        oobm = OutOfBandManagement.objects.select_for_update().filter(host=host).first()
        if oobm is None:
            raise ValidationError({"host": "Out-of-band management is not configured."})
        oobm.enabled = enabled
        oobm.save(update_fields=["enabled", "updated"])
        record_event(
            "HOST.OOBM.ENABLE" if enabled else "HOST.OOBM.DISABLE",
            acting_user=acting_user,
            resource=host,
            client_ip=client_ip,
            description=f"Out-of-band management of host {host} "
            + ("enabled" if enabled else "disabled"),
        )
    return oobm


def host_power_action(
    host: Host, action: str, *, acting_user, client_ip: str | None = None
) -> OutOfBandManagement:
    """Run ``action`` (on/off/cycle/reset/soft/status) through the host's ``oobm.power`` driver,
    store the power state it reports and write a ``HOST.OOBM.POWER`` event."""
    action = (action or "").lower()
    if action not in ACTIONS:
        raise ValidationError({"action": f"Choose one of: {', '.join(ACTIONS)}."})
    oobm = OutOfBandManagement.objects.filter(host=host).first()
    if oobm is None or not oobm.enabled:
        raise ValidationError({"host": "Out-of-band management is not enabled for this host."})
    host.oobm = oobm
    state = run_power_driver(host, action)
    if state not in POWER_STATES:
        raise ValidationError(
            {"driver": f"No out-of-band management driver '{oobm.driver}' answered."}
        )
    with transaction.atomic():
        OutOfBandManagement.objects.filter(pk=oobm.pk).update(power_state=state)
        oobm.power_state = state
        record_event(
            "HOST.OOBM.POWER",
            acting_user=acting_user,
            resource=host,
            client_ip=client_ip,
            description=f"Power {action} of host {host}: {state}",
        )
    return oobm


def request_power_action(host: Host, action: str, *, acting_user, client_ip: str | None = None):
    """Check the request and enqueue ``host.oobm.power``: the driver (which may talk to a BMC
    over the network) runs in a worker, never in the request. Returns the job."""
    from portal.services.jobs import create_job

    action = (action or "").lower()
    if action not in ACTIONS:
        raise ValidationError({"action": f"Choose one of: {', '.join(ACTIONS)}."})
    oobm = OutOfBandManagement.objects.filter(host=host).first()
    if oobm is None or not oobm.enabled:
        raise ValidationError({"host": "Out-of-band management is not enabled for this host."})
    with transaction.atomic():
        return create_job(
            "host.oobm.power",
            acting_user=acting_user,
            resource=oobm,
            params={"action": action, "host_id": host.pk, "client_ip": client_ip},
        )


@job_handler("host.oobm.power")
def power_action_job(job, report) -> dict:
    """Run the power action through the driver and record the state it reports."""
    host = Host.objects.get(pk=job.params["host_id"])
    report(30, f"Power {job.params['action']} of host {host.name}")
    try:
        oobm = host_power_action(
            host,
            job.params["action"],
            acting_user=job.user,
            client_ip=job.params.get("client_ip"),
        )
    except ValidationError as exc:
        raise JobError("; ".join(exc.messages), code=530) from exc
    return {"host": str(host.uuid), "action": job.params["action"], "power_state": oobm.power_state}


# -- the in-tree driver ------------------------------------------------------------------
_SIMULATED = {"on": "On", "off": "Off", "cycle": "On", "reset": "On", "soft": "Off"}


@hooks.register("oobm.power", order=100)
def simulator_power(host: Host, action: str) -> str | None:
    """The ``simulator`` driver: no BMC, the power state lives in the database row."""
    oobm = getattr(host, "oobm", None)
    if oobm is None or oobm.driver != "simulator":
        return None
    if action == "status":
        return oobm.power_state if oobm.power_state != "Unknown" else "On"
    return _SIMULATED[action]


from compute.services import oobm_ipmitool  # noqa: E402, F401  (registers the ipmitool driver)
