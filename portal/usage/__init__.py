"""Usage records: per-account usage (instance hours by offering, volume, public IP and
snapshot hours) computed from usage events by a periodic job, as CloudStack's usage server
does. See :mod:`portal.usage.services`."""
