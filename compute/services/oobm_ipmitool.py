"""The ``ipmitool`` out-of-band management driver (CloudStack's driver of the same name).

Runs ``ipmitool`` as an argument list (never a shell string) with a timeout. The BMC password
reaches it through the ``IPMI_PASSWORD`` environment variable (``-E``), never through argv,
so it does not show up in ``ps``. Settings (a Django setting, else the environment
variable; CloudStack's names in brackets):

- ``OOBM_IPMITOOL_PATH`` (``outofbandmanagement.ipmitool.path``), default ``ipmitool`` on PATH
- ``OOBM_IPMITOOL_INTERFACE`` (``outofbandmanagement.ipmitool.interface``), default ``lanplus``
- ``OOBM_IPMITOOL_RETRIES`` (``outofbandmanagement.ipmitool.retries``), default 1
- ``OOBM_ACTION_TIMEOUT`` (``outofbandmanagement.action.timeout``), default 60 seconds
- ``OOBM_IPMITOOL_CIPHER``: the ``-C`` cipher suite, default 3 (HMAC-SHA1 + AES-128, which
  every IPMI 2.0 BMC offers; ``probe``: ipmitool asks the BMC, one round trip more)
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

from django.conf import settings

from compute.models import Host
from compute.services.oobm import OOBMDriverError
from marketplace import hooks

log = logging.getLogger(__name__)

DRIVER = "ipmitool"
DEFAULT_PORT = 623
# Our action -> ipmitool's ``chassis power`` argument.
POWER_ARGS = {
    "status": "status",
    "on": "on",
    "off": "off",
    "cycle": "cycle",
    "reset": "reset",
    "soft": "soft",
}
# The power state an accepted action leaves the host in (CloudStack's PowerOperation).
STATE_AFTER = {"on": "On", "off": "Off", "cycle": "On", "reset": "On", "soft": "Off"}


def _setting(name: str, default: str) -> str:
    """A Django setting if set (tests), else the environment variable, else ``default``."""
    return str(getattr(settings, name, None) or os.environ.get(name) or default)


def _binary() -> str:
    path = _setting("OOBM_IPMITOOL_PATH", "ipmitool")
    found = shutil.which(path) or shutil.which(path, path="/usr/bin:/usr/sbin")
    if not found:
        raise OOBMDriverError(
            f"ipmitool is not installed ({path} not found; apt-get install ipmitool)"
        )
    return found


def ipmitool_argv(oobm, action: str) -> list[str]:
    """The ipmitool argument list for ``action`` on the BMC of ``oobm`` (no password)."""
    if not oobm.address:
        raise OOBMDriverError("The BMC address is not configured.")
    argv = [
        _binary(),
        "-I",
        _setting("OOBM_IPMITOOL_INTERFACE", "lanplus"),
        "-H",
        oobm.address,
        "-p",
        str(oobm.port or DEFAULT_PORT),
        "-U",
        oobm.username or "",
        "-E",  # password from IPMI_PASSWORD
        "-R",
        str(int(_setting("OOBM_IPMITOOL_RETRIES", "1"))),
        "-N",
        "2",
    ]
    cipher = _setting("OOBM_IPMITOOL_CIPHER", "3")
    if cipher == "probe":
        cipher = ""
    if cipher:
        argv += ["-C", cipher]
    return [*argv, "chassis", "power", POWER_ARGS[action]]


def run_ipmitool(oobm, action: str, timeout: float | None = None) -> str:
    """Run one ``chassis power`` action within ``timeout`` seconds (at most
    OOBM_ACTION_TIMEOUT); its standard output, or OOBMDriverError saying why."""
    argv = ipmitool_argv(oobm, action)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "IPMI_PASSWORD": oobm.password or ""}
    timeout = min(float(_setting("OOBM_ACTION_TIMEOUT", "60")), timeout or float("inf"))
    target = f"{oobm.address}:{oobm.port or DEFAULT_PORT}"
    try:
        proc = subprocess.run(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OOBMDriverError(
            f"The BMC at {target} did not answer power {action} within {timeout:g} s."
        ) from exc
    if proc.returncode != 0:
        detail = "; ".join(
            line.strip()
            for line in (proc.stderr or proc.stdout).splitlines()
            if line.strip() and "Cipher Suites" not in line
        )
        if "establish IPMI" in detail or "Address lookup" in detail:
            raise OOBMDriverError(
                f"No IPMI session with the BMC at {target} (wrong address, port, username or "
                f"password?): {detail}"
            )
        raise OOBMDriverError(f"Power {action} refused by the BMC at {target}: {detail}")
    return proc.stdout


def parse_status(output: str) -> str:
    """``Chassis Power is on`` -> ``On`` (``Unknown`` for anything else)."""
    text = output.strip().lower()
    if text.endswith(" on"):
        return "On"
    if text.endswith(" off"):
        return "Off"
    return "Unknown"


@hooks.register("oobm.power", order=50)
def ipmitool_power(host: Host, action: str) -> str | None:
    """The ``ipmitool`` driver: ``chassis power <action>`` through the host's BMC."""
    oobm = getattr(host, "oobm", None)
    if oobm is None or oobm.driver != DRIVER:
        return None
    if action not in POWER_ARGS:
        raise OOBMDriverError(f"ipmitool has no power action '{action}'.")
    # Host HA bounds fencing by kvm.ha.fence.timeout through ``host.oobm_timeout``.
    output = run_ipmitool(oobm, action, getattr(host, "oobm_timeout", None))
    if action == "status":
        return parse_status(output)
    log.info("ipmitool: power %s of host %s accepted", action, host.pk)
    return STATE_AFTER[action]
