"""Fixtures of the External-cluster tests (imported by this package's conftest): a zone
ready for External instances, the MockCloud backend, and a ``cs`` client on a live portal
whose jobs run inline."""

import pytest

MOCKCLOUD_TOKEN = "mockcloud-api-token-42"


@pytest.fixture
def external_zone(defaults):
    """(zone, pod): Enabled, a zone-wide pool and a guest physical network (VLANs 100-102)."""
    from compute.choices import AllocationState
    from networking.models import TrafficType
    from networking.services import create_physical_network
    from tests.factories import PodFactory, StoragePoolFactory, ZoneFactory

    zone = ZoneFactory(allocation_state=AllocationState.ENABLED)
    pod = PodFactory(zone=zone)
    StoragePoolFactory(cluster=None, pod=None, zone=zone, scope="ZONE", capacity_bytes=200 << 30)
    physical = create_physical_network(
        acting_user=None, zone=zone, name="phys", vlan_range="100-102"
    )
    TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    return zone, pod


@pytest.fixture
def mockcloud_backend():
    """The MockCloud sample's HTTP backend on loopback (token :data:`MOCKCLOUD_TOKEN`)."""
    from tests.marketplace.helpers import mock_backend_module

    server = mock_backend_module().MockCloud(MOCKCLOUD_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def live_cs_api(live_server, root_admin, settings, tmp_path, monkeypatch):
    """``live_cs_api(extensions_dir)``: a root admin's ``cs`` client on the live portal,
    jobs run right after their transaction, createExtension paths read from the directory."""
    from cs import CloudStack

    from portal.services import jobs
    from portal.services.apikeys import create_api_key
    from portal.tasks import run_job

    monkeypatch.setattr(jobs, "enqueue", lambda job: run_job(job.pk))
    settings.PLUGINS_DIR = tmp_path / "plugins"

    def make(extensions_dir) -> CloudStack:
        settings.CLOUDSTACK_EXTENSIONS_DIR = str(extensions_dir)
        pair = create_api_key(acting_user=root_admin, user=root_admin)
        return CloudStack(
            endpoint=f"{live_server.url}/client/api",
            key=pair.api_key,
            secret=pair.secret_key,
            poll_interval=0.1,
            fetch_result=True,
        )

    return make
