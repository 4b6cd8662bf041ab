from django.db import models


class Backend(models.Model):
    """A pool member the element configured (kept by the plugin)."""

    rule = models.CharField(max_length=100)
    address = models.GenericIPAddressField()
    port = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.rule} -> {self.address}:{self.port}"
