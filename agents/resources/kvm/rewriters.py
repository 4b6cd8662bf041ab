"""In-tree domain XML rewriters (``xml_rewriters = ["agents.resources.kvm.rewriters:NAME"]``
in the agent's resource options, or the ``cloudportal_agent.domain_xml`` entry point group).

Each is ``(xml_text, vm_spec_dict) -> xml_text``; ``vm_spec_dict["metadata"]`` carries the
per-instance values management-side plugins added through ``libvirt.xml.rewrite``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET


def cpu_mode(xml: str, spec: dict) -> str:
    """``<cpu mode='...'/>`` from ``metadata["cpu_mode"]`` (host-model, host-passthrough)."""
    mode = (spec.get("metadata") or {}).get("cpu_mode", "")
    if mode not in ("host-model", "host-passthrough"):
        return xml
    dom = ET.fromstring(xml)
    for old in dom.findall("cpu"):
        dom.remove(old)
    ET.SubElement(dom, "cpu", {"mode": mode})
    return ET.tostring(dom, encoding="unicode")


def description(xml: str, spec: dict) -> str:
    """``<description>`` from ``metadata["description"]`` (shown by ``virsh desc``)."""
    text = (spec.get("metadata") or {}).get("description", "")
    if not text:
        return xml
    dom = ET.fromstring(xml)
    element = dom.find("description")
    if element is None:
        element = ET.Element("description")
        dom.insert(2, element)
    element.text = text
    return ET.tostring(dom, encoding="unicode")
