"""createTemplate's agent side on KVM against a real libvirtd: ``create_template_from_volume``
writes a flattened qcow2 (of the volume or of one of its snapshots) to secondary storage,
only inside ``template_roots``."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from agents.protocol import PoolSpec
from agents.protocol import commands as c

pytestmark = pytest.mark.libvirt
libvirt = pytest.importorskip("libvirt")

MIB = 1024 * 1024


def _info(path) -> dict:
    out = subprocess.run(
        ["qemu-img", "info", "--output=json", str(path)], capture_output=True, check=True
    )
    return json.loads(out.stdout)


def test_template_from_volume_and_snapshot(libvirt_lab, lab_workdir, agent_server, client_for):
    pool_name = f"ci-tpl-{uuid.uuid4().hex[:6]}"
    secondary, pool_dir = lab_workdir / "secondary", lab_workdir / "pool"
    secondary.mkdir()
    options = {"uri": libvirt_lab.uri, "accel": "auto", "template_roots": [str(secondary)]}
    client = client_for(agent_server("kvm", options))
    spec = PoolSpec(name=pool_name, type="dir", path=str(pool_dir))
    try:
        assert client.send(c.ModifyStoragePoolCommand(pool=spec, add=True)).result
        made = client.send(
            c.CreateVolumeCommand(pool=pool_name, volume="root-9", size_bytes=24 * MIB)
        )
        assert made.result, made.details
        snap = client.send(c.CreateSnapshotCommand(pool=pool_name, volume="root-9", snapshot="s1"))
        assert snap.result, snap.details

        target = secondary / "template" / "tmpl" / "2" / "9" / "t.qcow2"
        answer = client.send(
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", destination=str(target)
            )
        )
        assert answer.result, answer.details
        assert answer.path == str(target) and answer.size_bytes == 24 * MIB
        info = _info(target)
        assert info["format"] == "qcow2" and "backing-filename" not in info
        assert not list(target.parent.glob("*.part"))

        from_snap = secondary / "s.qcow2"
        answer = client.send(
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", snapshot="s1", destination=str(from_snap)
            )
        )
        assert answer.result, answer.details
        assert _info(from_snap)["virtual-size"] == 24 * MIB

        for bad in (
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", destination=str(lab_workdir / "out.qcow2")
            ),
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="root-9", snapshot="nope", destination=str(from_snap)
            ),
            c.CreateTemplateFromVolumeCommand(
                pool=pool_name, volume="absent", destination=str(from_snap)
            ),
        ):
            refused = client.send(bad)
            assert refused.result is False, bad
        assert not (lab_workdir / "out.qcow2").exists()
    finally:
        client.send(c.ModifyStoragePoolCommand(pool=spec, add=False))
