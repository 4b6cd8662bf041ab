"""Runs ``ansible-playbook`` (ngine_io.cloudstack modules, connection local) against a live
/client/api and reads back the PLAY RECAP and which tasks changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PLAYBOOKS = Path(__file__).parent / "ansible"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
_RECAP = re.compile(r"^localhost\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$", re.M)
_TASK = re.compile(r"^TASK \[(?P<name>[^\]]+)\]", re.M)
_STATUS = re.compile(r"^(?P<status>ok|changed|failed|fatal|skipping): \[localhost\]", re.M)


@dataclass(repr=False)
class PlaybookRun:
    """One ``ansible-playbook`` run: its exit code, the recap counts and the full output."""

    returncode: int
    recap: dict[str, int]
    output: str

    @property
    def changed(self) -> int:
        return self.recap["changed"]

    @property
    def changed_tasks(self) -> list[str]:
        """Names of the tasks that reported ``changed`` (in order)."""
        names, task = [], None
        for match in re.finditer(f"{_TASK.pattern}|{_STATUS.pattern}", self.output, re.M):
            if match.group("name"):
                task = match.group("name")
            elif match.group("status") == "changed":
                names.append(task)
        return names

    def __repr__(self) -> str:
        return f"recap {self.recap}, changed tasks {self.changed_tasks}:\n{self.output[-8000:]}"


class Ansible:
    """``Ansible(endpoint, key, secret, workdir)``; ``.play(name, tags=None, **vars)``."""

    def __init__(self, endpoint: str, key: str, secret: str, workdir: Path, **variables):
        self.workdir, self.variables, self.runs = workdir, variables, 0
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("CLOUDSTACK_", "ANSIBLE_"))
        }
        self.env = {
            **inherited,
            "CLOUDSTACK_ENDPOINT": endpoint,
            "CLOUDSTACK_KEY": key,
            "CLOUDSTACK_SECRET": secret,
            "CLOUDSTACK_TIMEOUT": "60",
            "ANSIBLE_CONFIG": str(workdir / "ansible.cfg"),  # none: defaults only
            "ANSIBLE_HOME": str(workdir / "home"),
            "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
            "LC_ALL": "C.UTF-8",
        }

    def play(self, playbook: str, tags: str | None = None, **variables) -> PlaybookRun:
        extra = self.workdir / "vars.json"
        extra.write_text(json.dumps({**self.variables, **variables}))
        cmd = [
            str(ANSIBLE_PLAYBOOK), "-i", "localhost,", "-c", "local",
            str(PLAYBOOKS / playbook), "-e", f"@{extra}",
        ]  # fmt: skip
        if tags:
            cmd += ["--tags", tags]
        done = subprocess.run(
            cmd,
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        output = done.stdout + done.stderr
        self.runs += 1
        (self.workdir / f"run-{self.runs}-{playbook}.log").write_text(output)
        recaps = _RECAP.findall(output)
        assert recaps, f"no PLAY RECAP (exit {done.returncode}):\n{output[-8000:]}"
        counts = dict(item.split("=") for item in recaps[-1].split())
        return PlaybookRun(done.returncode, {k: int(v) for k, v in counts.items()}, output)
