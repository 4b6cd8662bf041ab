"""The console through the real KVM agent: libvirtd + QEMU (TCG) define the guest with a
VNC password, the proxy learns the port from the agent's get_vnc_port and authenticates."""

from __future__ import annotations

import pytest

from agents.protocol import VmSpec
from agents.protocol import commands as c
from compute.console import issue_console
from compute.lifecycle.specs import vm_name
from tests.console.fixtures import refused, rfb_session
from tests.lab.fixtures import SECRET

pytestmark = [pytest.mark.libvirt, pytest.mark.django_db(transaction=True)]
pytest.importorskip("libvirt")


def test_console_of_a_kvm_guest_through_the_agent(
    libvirt_lab, tiny_guest, lab_workdir, agent_server, client_for, console_proxy, tenant,
    record_property,
):  # fmt: skip
    from tests.factories import ClusterFactory, HostFactory, InstanceFactory

    options = {"uri": libvirt_lab.uri, "accel": "auto", "serial_log_dir": str(lab_workdir),
               "bridge_prefix": "brcon"}  # fmt: skip
    server = agent_server("kvm", options)
    host = HostFactory(cluster=ClusterFactory(hypervisor="KVM"), url=server.url,
                       agent_secret=SECRET)  # fmt: skip
    instance = InstanceFactory(zone=host.zone, host=host, hypervisor="KVM", state="Running",
                               account=tenant.account, vnc_password="kvm-pw1")  # fmt: skip
    name = vm_name(instance)
    client = client_for(server)
    spec = VmSpec(name=name, cpus=1, memory_mib=128, vnc_password="kvm-pw1",
                  kernel=str(tiny_guest.kernel), initrd=str(tiny_guest.initrd),
                  cmdline="console=ttyS0 console=tty0 panic=-1 ci_sleep")  # fmt: skip
    started = client.send(c.StartVmCommand(vm=spec))
    assert started.result, started.details
    try:
        grant = issue_console(acting_user=tenant, instance=instance)
        url = f"{grant.url}?token={grant.token}"
        width, height, desktop = rfb_session(url)
        assert width >= 640 and height >= 400
        record_property("kvm_console", f"{width}x{height} {desktop!r}")
        assert refused(url)[0] == 4401

        instance.vnc_password = "wrong"
        instance.save(update_fields=["vnc_password"])
        grant = issue_console(acting_user=tenant, instance=instance)
        code, reason = refused(f"{grant.url}?token={grant.token}")
        assert code == 4502 and "authentication failed" in reason
    finally:
        assert client.send(c.DestroyVmCommand(vm_name=name)).result
