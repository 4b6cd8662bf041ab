"""make run reloads the processes that load Django apps when the plugin set changes."""

import os
import signal

import pytest

from portal.management.commands import runportal


def test_plugin_generation_change_restarts_web_and_workers_only(monkeypatch):
    sup = runportal.Supervisor(lambda message: None)
    sup.start("redis", ["sleep", "60"], dict(os.environ))
    sup.start("web", ["sleep", "60"], dict(os.environ))
    redis_pid, web_pid = (proc.pid for _, proc in sup.procs)
    generations = iter([3, 3, 4, 4, 4, 4])  # runs out (StopIteration) if no reload happens
    monkeypatch.setattr(runportal, "plugin_generation", lambda: next(generations))
    restart = sup.restart

    def restart_then_stop(name):
        restart(name)
        sup.stop_signal = signal.SIGTERM  # end run_forever after the reload

    monkeypatch.setattr(sup, "restart", restart_then_stop)
    try:
        with pytest.raises(runportal.Stopped):
            sup.run_forever()
        pids = {name: proc.pid for name, proc in sup.procs}
        assert pids["redis"] == redis_pid  # not a Django process: untouched
        assert pids["web"] != web_pid  # restarted with the same command
        assert all(proc.poll() is None for _, proc in sup.procs)
    finally:
        sup.stop_all()
