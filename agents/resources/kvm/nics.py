"""NIC hot-plug of the KVM resource: plug_nic and unplug_nic (addNicToVirtualMachine,
removeNicFromVirtualMachine). The interface goes into the domain's definition, and into the
running guest when it runs (PCI hot-plug through ACPI)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import libvirt

from agents.protocol import commands as c
from agents.resources.kvm import bridges
from agents.resources.kvm.conn import mapped_errors
from agents.resources.kvm.xmlgen import interface_element


class KvmNics:
    """Mixin; expects ``_domain``, ``_state``, ``_disk_flags`` (config, and live when the
    domain runs) and ``options`` of the KVM resource."""

    options: dict[str, Any]

    @staticmethod
    def _interface(dom: libvirt.virDomain, mac: str) -> ET.Element | None:
        root = ET.fromstring(dom.XMLDesc(0))
        for iface in root.findall("devices/interface"):
            found = iface.find("mac")
            if found is not None and found.get("address", "").lower() == mac.lower():
                return iface
        return None

    def plug_nic(self, cmd: c.PlugNicCommand) -> c.VmAnswer:
        dom = self._domain(cmd.vm_name)
        bridge = bridges.bridge_for(cmd.nic, self.options)
        with mapped_errors(f"plug NIC into {cmd.vm_name}"):
            if self._interface(dom, cmd.nic.mac) is not None:
                return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom), details="plugged")
            if self.options.get("manage_bridges", True):
                bridges.ensure_bridge(bridge)
            xml = ET.tostring(interface_element(cmd.nic, bridge), encoding="unicode")
            dom.attachDeviceFlags(xml, self._disk_flags(dom))
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))

    def unplug_nic(self, cmd: c.UnplugNicCommand) -> c.VmAnswer:
        dom = self._domain(cmd.vm_name)
        with mapped_errors(f"unplug NIC from {cmd.vm_name}"):
            iface = self._interface(dom, cmd.nic.mac)
            if iface is None:
                return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom), details="absent")
            dom.detachDeviceFlags(ET.tostring(iface, encoding="unicode"), self._disk_flags(dom))
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))
