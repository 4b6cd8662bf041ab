"""The script runner: CloudStack's contract with its weak points fixed."""

import os
import sys
import time

from marketplace.runner import run_executable


def script(tmp_path, body: str):
    path = tmp_path / "ext.py"
    path.write_text(f"#!{sys.executable}\nimport json, os, subprocess, sys, time\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_stdout_and_stderr_are_kept_apart(tmp_path):
    exe = script(
        tmp_path, 'print("log line", file=sys.stderr)\nprint(json.dumps({"status": "success"}))'
    )
    result = run_executable([exe, "status", "p.json", "5"], timeout=10, cwd=tmp_path)
    assert result.success and result.json() == {"status": "success"}
    assert result.stderr.strip() == "log line"


def test_non_zero_exit_is_a_failure_with_its_output(tmp_path):
    exe = script(
        tmp_path, 'print(json.dumps({"status": "error", "error": "Invalid action"}))\nsys.exit(3)'
    )
    result = run_executable([exe, "bogus", "p.json", "5"], timeout=10, cwd=tmp_path)
    assert (result.exit_code, result.success, result.timed_out) == (3, False, False)
    assert result.json()["error"] == "Invalid action"


def test_large_output_does_not_deadlock_and_is_capped(tmp_path):
    exe = script(tmp_path, 'sys.stdout.write("x" * 3_000_000)\nsys.stderr.write("y" * 200_000)')
    started = time.monotonic()
    result = run_executable([exe], timeout=20, cwd=tmp_path, max_output=100_000)
    assert time.monotonic() - started < 10
    assert result.exit_code == 0 and result.truncated
    assert len(result.stdout) == 100_000 and len(result.stderr) == 100_000


def test_timeout_kills_the_whole_process_group(tmp_path):
    pidfile = tmp_path / "child.pid"
    exe = script(
        tmp_path,
        f'child = subprocess.Popen(["sleep", "60"])\nopen("{pidfile}", "w").write(str(child.pid))\n'
        "time.sleep(60)",
    )
    started = time.monotonic()
    result = run_executable([exe], timeout=1, cwd=tmp_path)
    assert result.timed_out and result.exit_code is None and not result.success
    assert time.monotonic() - started < 8
    grandchild = int(pidfile.read_text())
    time.sleep(0.2)
    try:
        os.kill(grandchild, 0)
        alive = open(f"/proc/{grandchild}/stat").read().split()[2] != "Z"
    except ProcessLookupError:
        alive = False
    assert not alive


def test_environment_is_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://secret")
    exe = script(tmp_path, "print(json.dumps(dict(os.environ)))")
    env = run_executable([exe], timeout=10, cwd=tmp_path).json()
    assert "DATABASE_URL" not in env and "SECRET_KEY" not in env
    assert set(env) <= {"PATH", "LANG", "HOME", "TMPDIR", "LC_CTYPE", "PWD"}


def test_missing_executable_is_reported_not_raised(tmp_path):
    result = run_executable([str(tmp_path / "nope")], timeout=5, cwd=tmp_path)
    assert result.exit_code == 127 and "cannot execute" in result.stderr
