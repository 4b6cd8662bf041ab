"""Shared helpers: a Ready data volume (attached or not) on the simulator cloud."""

from storage.services.volumes import attach_volume, detach_volume
from tests.volumes.helpers import deploy, new_volume, run

__all__ = ["attached_volume", "deploy", "detached_volume", "run", "sim_host"]


def sim_host(simulator, host):
    """The simulated host behind a Host row."""
    return simulator.provider.get(host.url.rsplit("/hosts/", 1)[1])


def attached_volume(user, cloud, instance=None, **kwargs):
    """(instance, volume): a running instance with a Ready 5 GiB data volume attached."""
    instance = instance or deploy(user, cloud)
    volume = new_volume(user, cloud, **kwargs)
    job = run(attach_volume(volume, instance, acting_user=user))
    assert job.status == "succeeded", job.error_text
    volume.refresh_from_db()
    instance.refresh_from_db()
    return instance, volume


def detached_volume(user, cloud, **kwargs):
    """A Ready data volume that is attached to nothing."""
    _, volume = attached_volume(user, cloud, **kwargs)
    assert run(detach_volume(volume, acting_user=user)).status == "succeeded"
    volume.refresh_from_db()
    return volume
