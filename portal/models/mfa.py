"""Two-factor authentication: a TOTP device per user and single-use recovery codes."""

from django.conf import settings
from django.db import models

from portal.fields import EncryptedTextField


class TOTPDevice(models.Model):
    """A user's authenticator app (RFC 6238). Unconfirmed until the first code is checked."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.CASCADE,
        related_name="totp_device",
    )
    secret = EncryptedTextField(verbose_name="shared secret (base32)")
    confirmed = models.BooleanField(verbose_name="confirmed", default=False)
    last_used_step = models.BigIntegerField(
        verbose_name="last accepted time step", null=True, blank=True
    )
    created = models.DateTimeField(verbose_name="created", auto_now_add=True)
    updated = models.DateTimeField(verbose_name="updated", auto_now=True)

    class Meta:
        verbose_name = "TOTP device"

    def __str__(self) -> str:
        return f"TOTP of {self.user}"


class RecoveryCode(models.Model):
    """One single-use recovery code, stored as a SHA-256 digest (the codes are random)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="user",
        on_delete=models.CASCADE,
        related_name="recovery_codes",
    )
    code_hash = models.CharField(verbose_name="code digest", max_length=64)
    used = models.DateTimeField(verbose_name="used", null=True, blank=True)
    created = models.DateTimeField(verbose_name="created", auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recoverycode_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"
