"""TOTP (RFC 6238) enrollment and verification, and single-use recovery codes."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone

from portal.models import RecoveryCode, TOTPDevice
from portal.services.audit import record_event

ISSUER = "Cloud Portal"
RECOVERY_CODES = 10


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def begin_enrollment(user) -> TOTPDevice:
    """A fresh, unconfirmed device for ``user`` (replacing an unconfirmed one). A user with
    a confirmed device keeps it: disable two-factor first to enroll a new one."""
    existing = TOTPDevice.objects.filter(user=user).first()
    if existing is not None and existing.confirmed:
        return existing
    device, _ = TOTPDevice.objects.update_or_create(
        user=user,
        defaults={"secret": pyotp.random_base32(), "last_used_step": None, "confirmed": False},
    )
    return device


def provisioning_uri(device: TOTPDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username, issuer_name=ISSUER)


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG QR code."""
    image = qrcode.make(provisioning_uri(device), image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def verify(device: TOTPDevice, code: str) -> bool:
    """Accept a code of the current step (±1 for clock drift) not used before."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    now = int(time.time())
    for drift in (0, -1, 1):
        step = now // totp.interval + drift
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            if device.last_used_step is not None and step <= device.last_used_step:
                return False  # replayed
            updated = (
                TOTPDevice.objects.filter(pk=device.pk)
                .exclude(last_used_step__gte=step)
                .update(last_used_step=step)
            )
            device.last_used_step = step
            return bool(updated)
    return False


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with new ones; the plain codes are shown once."""
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, code_hash=_digest(code)) for code in codes]
        )
    return codes


def use_recovery_code(user, code: str) -> bool:
    """Spend one unused recovery code; False if it is unknown or used."""
    return bool(
        RecoveryCode.objects.filter(user=user, code_hash=_digest(code), used__isnull=True).update(
            used=timezone.now()
        )
    )


def confirm_enrollment(device: TOTPDevice, code: str, *, client_ip=None) -> list[str] | None:
    """Confirm the device with a first code; returns the new recovery codes (None if the
    code is wrong)."""
    if not verify(device, code):
        return None
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed", "updated"])
        codes = new_recovery_codes(device.user)
        record_event(
            "USER.2FA.ENABLE",
            acting_user=device.user,
            resource=device.user,
            client_ip=client_ip,
            description=f"Two-factor authentication enabled for user {device.user}",
        )
    return codes


def disable(user, *, client_ip=None) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        record_event(
            "USER.2FA.DISABLE",
            acting_user=user,
            resource=user,
            client_ip=client_ip,
            description=f"Two-factor authentication disabled for user {user}",
        )
