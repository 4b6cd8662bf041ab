"""Host HA: CloudStack's HA framework for hosts (state machine, health and activity checks,
fencing through out-of-band management). See :mod:`compute.ha.machine`."""
