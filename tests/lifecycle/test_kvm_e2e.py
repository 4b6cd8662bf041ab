"""The whole deploy path on a real libvirtd + QEMU (TCG): a tiny guest boots from a template
copied to primary storage, through the management services, job handlers and the KVM agent
over signed HTTP."""

import subprocess
import time
from pathlib import Path

import pytest

from compute.lifecycle import deploy_instance, destroy_instance, stop_instance
from compute.models import ServiceOffering
from networking.models import TrafficType
from networking.services import create_physical_network
from portal.tasks import run_job
from storage.models import OSType
from tests.factories import ClusterFactory, HostFactory, StoragePoolFactory, TemplateFactory
from tests.lab.fixtures import SECRET as LAB_SECRET

pytestmark = pytest.mark.libvirt


def wait_for(path: Path, text: str, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if path.exists() and text in path.read_text(errors="replace"):
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {path} after {timeout}s")


@pytest.mark.django_db
def test_tiny_guest_boots_from_a_template_on_primary_storage(
    libvirt_lab, tiny_guest, lab_workdir, agent_server, tenant, no_broker, record_property
):
    secondary, pool_dir, serial = (lab_workdir / d for d in ("secondary", "pool", "serial"))
    secondary.mkdir()
    serial.mkdir()
    image = secondary / "tiny.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(image), "32M"], check=True)
    server = agent_server(
        "kvm",
        {
            "uri": libvirt_lab.uri,
            "accel": "auto",
            "template_roots": [str(secondary)],
            "serial_log_dir": str(serial),
            "bridge_prefix": "brcs",
        },
    )
    cluster = ClusterFactory(hypervisor="KVM")
    zone = cluster.zone
    host = HostFactory(
        cluster=cluster,
        url=server.url,
        agent_secret=LAB_SECRET,
        cpus=2,
        cpu_speed=1000,
        memory=4 * 1024**3,
    )
    pool = StoragePoolFactory(
        cluster=cluster,
        protocol="Filesystem",
        path=str(pool_dir),
        url=f"file://{pool_dir}",
        capacity_bytes=20 * 1024**3,
    )
    template = TemplateFactory(
        hypervisor="KVM",
        format="QCOW2",
        size=32 * 1024**2,
        install_path=str(image),
        os_type=OSType.objects.first(),
        zone=None,
        details={
            "kernel": str(tiny_guest.kernel),
            "initrd": str(tiny_guest.initrd),
            "cmdline": tiny_guest.cmdline,
        },
    )
    physical = create_physical_network(
        acting_user=None, zone=zone, name="kvm-phys", vlan_range="3100-3101"
    )
    TrafficType.objects.create(physical_network=physical, traffic_type="Guest")
    offering = ServiceOffering.objects.create(name="tiny", cpu_number=1, cpu_speed=1000, memory=256)

    started = time.monotonic()
    instance, job = deploy_instance(
        acting_user=tenant, zone=zone, service_offering=offering, template=template, name="tiny"
    )
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error_text
    instance.refresh_from_db()
    assert instance.state == "Running" and instance.host == host
    log = serial / f"i-{instance.account_id}-{instance.pk}-VM.serial.log"
    boot_s = wait_for(log, "CI-MARKER-BOOTED", timeout=120)
    wait_for(log, "CI-MARKER-DISK /dev/vda", timeout=30)  # the root volume is attached
    record_property("deploy_to_marker_s", round(time.monotonic() - started, 1))
    record_property("marker_after_running_s", round(boot_s, 1))
    root = instance.volumes.get()
    assert (pool_dir / f"vol-{root.uuid}").exists()
    assert (pool_dir / f"tpl-{template.uuid}").exists()  # copied once to primary storage

    assert run_job(stop_instance(instance, acting_user=tenant, forced=True).pk) == "succeeded"
    instance.refresh_from_db()
    assert instance.state == "Stopped"
    assert run_job(destroy_instance(instance, acting_user=tenant, expunge=True).pk) == "succeeded"
    instance.refresh_from_db()
    assert instance.state == "Expunged"
    assert not (pool_dir / f"vol-{root.uuid}").exists()
    pool.refresh_from_db()
    assert pool.allocated_bytes == 0
