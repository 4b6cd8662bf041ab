from django.core.exceptions import ValidationError

from marketplace import hooks


class SampleBlockDriver:
    """Primary storage driver (storage/drivers.py interface): shared pools only."""

    provider = "SampleBlock"

    def validate(self, pool) -> None:
        if pool.scope == "HOST":
            raise ValidationError({"scope": "SampleBlock pools are shared: cluster or zone."})


@hooks.register("storage.primary_driver")
def primary_drivers():
    return {"SampleBlock": SampleBlockDriver}
