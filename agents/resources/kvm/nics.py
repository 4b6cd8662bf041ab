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
    """Mixin; expects ``_domain``, ``_state`` and ``options`` of the KVM resource."""

    options: dict[str, Any]

    @staticmethod
    def _interface(dom: libvirt.virDomain, mac: str, flags: int) -> ET.Element | None:
        root = ET.fromstring(dom.XMLDesc(flags))
        for iface in root.findall("devices/interface"):
            found = iface.find("mac")
            if found is not None and found.get("address", "").lower() == mac.lower():
                return iface
        return None

    def _where(self, dom: libvirt.virDomain, mac: str) -> tuple[ET.Element | None, int, int]:
        """(the interface, flags of where it is, flags of where it is missing): the live
        domain and the definition are checked apart, as a live unplug waits for the guest."""
        found, present, missing = None, 0, 0
        places = [(libvirt.VIR_DOMAIN_AFFECT_CONFIG, libvirt.VIR_DOMAIN_XML_INACTIVE)]
        if dom.isActive():
            places.append((libvirt.VIR_DOMAIN_AFFECT_LIVE, 0))
        for affect, xml_flags in places:
            iface = self._interface(dom, mac, xml_flags)
            if iface is None:
                missing |= affect
            else:
                found, present = found if found is not None else iface, present | affect
        return found, present, missing

    def plug_nic(self, cmd: c.PlugNicCommand) -> c.VmAnswer:
        dom = self._domain(cmd.vm_name)
        bridge = bridges.bridge_for(cmd.nic, self.options)
        with mapped_errors(f"plug NIC into {cmd.vm_name}"):
            _, _, missing = self._where(dom, cmd.nic.mac)
            if not missing:
                return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom), details="plugged")
            if self.options.get("manage_bridges", True):
                bridges.ensure_bridge(bridge)
            xml = ET.tostring(interface_element(cmd.nic, bridge), encoding="unicode")
            dom.attachDeviceFlags(xml, missing)
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))

    def unplug_nic(self, cmd: c.UnplugNicCommand) -> c.VmAnswer:
        """Out of the definition at once; out of the running guest once it acknowledges the
        ACPI unplug (QEMU finishes it asynchronously)."""
        dom = self._domain(cmd.vm_name)
        with mapped_errors(f"unplug NIC from {cmd.vm_name}"):
            iface, present, _ = self._where(dom, cmd.nic.mac)
            if iface is None or not present & libvirt.VIR_DOMAIN_AFFECT_CONFIG:
                return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom), details="absent")
            dom.detachDeviceFlags(ET.tostring(iface, encoding="unicode"), present)
        return c.VmAnswer(vm_name=cmd.vm_name, state=self._state(dom))
