"""Simulator latency and failure injection, per command."""

import time

from agents.protocol import commands as c
from agents.resources.simulator import SimulatorResource


def test_latency_is_added_per_command():
    sim = SimulatorResource({"latency_ms": {"ping": 150}})
    started = time.monotonic()
    assert sim.execute(c.PingCommand()).result
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    assert sim.execute(c.CheckHealthCommand()).result
    assert time.monotonic() - started < 0.1


def test_injected_failure_is_a_typed_failed_answer_and_can_be_lifted():
    sim = SimulatorResource({"faults": {"check_health": "disk controller on fire"}})
    answer = sim.execute(c.CheckHealthCommand())
    assert (answer.result, answer.error, answer.details) == (
        False,
        "injected_failure",
        "disk controller on fire",
    )
    assert sim.execute(c.PingCommand()).result  # other commands are unaffected
    sim.faults.clear()
    assert sim.execute(c.CheckHealthCommand()).result


def test_hosts_of_one_fleet_share_their_pools():
    """Primary storage is shared: a template copied through one host is there for all."""
    from agents.resources.simulator import SimulatorFleet

    fleet = SimulatorFleet({})
    first, second = fleet.get("h1"), fleet.get("h2")
    copied = first.execute(
        c.CopyTemplateCommand(source="http://x/t.qcow2", pool="primary", volume="tpl-1")
    )
    assert copied.result, copied.details
    clone = second.execute(
        c.CreateVolumeCommand(pool="primary", volume="root-1", size_bytes=1024**3, template="tpl-1")
    )
    assert clone.result, clone.details
