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
