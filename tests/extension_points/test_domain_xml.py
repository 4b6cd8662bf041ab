"""``libvirt.xml.rewrite``: management-side plugins add per-instance ``VmSpec.metadata``;
the KVM agent runs its domain XML rewriters (entry points ``cloudportal_agent.domain_xml``
and the ``xml_rewriters`` option) over the generated XML."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from importlib.metadata import EntryPoint

import pytest

from agents.protocol import VmSpec
from agents.protocol import commands as c
from agents.resources.kvm import xmlgen
from agents.resources.kvm.xmlgen import DomainOptions, domain_xml

REWRITERS = [
    "agents.resources.kvm.rewriters:cpu_mode",
    "agents.resources.kvm.rewriters:description",
]
META = {"cpu_mode": "host-model", "description": "web server"}


def spec(**metadata) -> VmSpec:
    return VmSpec(name="i-2-7-VM", cpus=1, memory_mib=128, metadata=metadata)


def test_configured_rewriters_run_on_the_generated_xml():
    dom = ET.fromstring(domain_xml(spec(**META), DomainOptions(rewriters=REWRITERS)))
    assert dom.find("cpu").get("mode") == "host-model"
    assert dom.find("description").text == "web server"
    plain = ET.fromstring(domain_xml(spec(**META), DomainOptions()))
    assert plain.find("cpu") is None and plain.find("description") is None


def test_entry_point_rewriters_run_and_a_broken_one_is_skipped(monkeypatch):
    found = [
        EntryPoint("a", "agents.resources.kvm.rewriters:description", xmlgen.REWRITER_GROUP),
        EntryPoint("b", "no.such.module:rewrite", xmlgen.REWRITER_GROUP),
        EntryPoint("c", "json:dumps", xmlgen.REWRITER_GROUP),  # returns no <domain>: skipped
    ]
    monkeypatch.setattr(
        xmlgen, "entry_points", lambda group: found if group == xmlgen.REWRITER_GROUP else []
    )
    dom = ET.fromstring(domain_xml(spec(description="from an entry point"), DomainOptions()))
    assert dom.find("description").text == "from an entry point"
    assert dom.find("name").text == "i-2-7-VM"


def test_kvm_agent_defines_the_rewritten_domain(agent_server, client_for):
    libvirt = pytest.importorskip("libvirt")
    server = agent_server(
        "kvm", {"uri": "test:///default", "manage_bridges": False, "xml_rewriters": REWRITERS}
    )
    agent = client_for(server)
    name = f"i-{uuid.uuid4().hex[:6]}"
    vm = VmSpec(name=name, cpus=1, memory_mib=128, metadata=META)
    assert agent.send(c.StartVmCommand(vm=vm)).result
    try:
        defined = ET.fromstring(libvirt.open("test:///default").lookupByName(name).XMLDesc(0))
        assert defined.find("description").text == "web server"
        assert defined.find("cpu").get("mode") == "host-model"
    finally:
        agent.send(c.DestroyVmCommand(vm_name=name))


def test_management_hook_fills_the_vm_spec_metadata(sample_plugin):
    from compute.lifecycle.specs import rewriter_metadata, vm_spec
    from tests.factories import InstanceFactory

    instance = InstanceFactory()
    assert rewriter_metadata(instance) == {}
    plugin = sample_plugin("hypervisor_plugin")
    assert rewriter_metadata(instance) == {
        "cpu_mode": "host-model",
        "description": f"Instance {instance.uuid}",
    }
    assert vm_spec(instance, [], []).metadata["cpu_mode"] == "host-model"  # the call site
    plugin.set_enabled(False)
    assert rewriter_metadata(instance) == {}
