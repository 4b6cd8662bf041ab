"""Abstract base models shared by every app."""

import uuid

from django.db import models

from portal.querysets import RestrictedManager


class PortalModel(models.Model):
    """Base for every cloud object: a public UUID, timestamps and the restricted manager."""

    uuid = models.UUIDField(verbose_name="UUID", default=uuid.uuid4, unique=True, editable=False)
    created = models.DateTimeField(verbose_name="created", auto_now_add=True)
    updated = models.DateTimeField(verbose_name="updated", auto_now=True)

    objects = RestrictedManager()

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return getattr(self, "name", None) or str(self.uuid)
