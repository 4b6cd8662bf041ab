#!/usr/bin/env python3
"""ipmi_sim's chassis_control program for the lab BMC: the power state lives in a file.

ipmi_sim runs ``ipmi_chassis.py <state-dir> <mc> get power`` (prints ``power:1``) and
``... set power 0|1`` / ``set reset 1`` / ``set shutdown 1`` (soft off). Every call is
appended to ``<state-dir>/actions.log`` so tests can see what the BMC was asked to do.
A file ``<state-dir>/refuse`` makes every ``set`` fail (a BMC that cannot power off).
"""

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    state_dir, _mc, op, *params = argv
    root = Path(state_dir)
    power = root / "power"
    with (root / "actions.log").open("a") as log:
        log.write(" ".join([op, *params]) + "\n")
    if op == "get":
        for name in params:
            if name == "power":
                print("power:" + (power.read_text().strip() if power.exists() else "1"))
        return 0
    if (root / "refuse").exists():
        print("power control refused by the lab BMC")
        return 1
    for name, value in zip(params[::2], params[1::2], strict=False):
        if name == "power":
            power.write_text(value)
        elif name == "shutdown" and value == "1":  # soft off: the guest OS shuts down
            power.write_text("0")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
