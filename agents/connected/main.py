"""``python -m agents serve --connect URL``: run a connected agent until SIGTERM/Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket

from agents.resources import create_provider

DEFAULT_STATE = "/var/lib/cloudportal/agent.json"


def add_arguments(serve: argparse.ArgumentParser) -> None:
    """The ``serve`` options of a connected agent (``--connect`` switches the mode)."""
    group = serve.add_argument_group("connected agent (dials the management server)")
    group.add_argument("--connect", metavar="URL", help="management gateway, http(s)://host:port")
    group.add_argument("--token", default="", help="enrollment token (first registration)")
    group.add_argument("--state", help=f"identity file (default {DEFAULT_STATE})")
    group.add_argument("--ca", help="CA bundle that signed the gateway's TLS certificate")
    group.add_argument("--host-id", help="simulator: the simulated host's id (default hostname)")
    group.add_argument("--fleet", type=int, default=0, help="simulator: serve N hosts")


def host_keys(args: argparse.Namespace) -> list[str | None]:
    """Which hosts of the provider this process serves: ``None`` (the only host) for KVM
    and Hyper-V; for the simulator ``--host-id`` (default: the machine's hostname) or, with
    ``--fleet N``, ``<host-id>-00000`` ... ``<host-id>-<N-1>``."""
    if args.resource != "simulator":
        if args.fleet:
            raise SystemExit("--fleet is only for the simulator resource")
        return [None]
    base = args.host_id or socket.gethostname().split(".")[0] or "sim"
    if args.fleet:
        width = len(str(args.fleet - 1))
        return [f"{base}-{i:0{width}d}" for i in range(args.fleet)]
    return [base]


def serve_connected(args: argparse.Namespace) -> int:
    """Build the provider and serve every host key until stopped; the exit code is 3 when
    the gateway refused the registration (used or expired token, wrong identity)."""
    from agents.connected.agent import ConnectedAgent, StateFile, client_ssl_context, load_options

    options = load_options(args.config)
    keys = host_keys(args)
    if args.resource == "simulator":
        options.setdefault("max_hosts", len(keys) + 1)  # + the fleet's "default" host
    provider = create_provider(args.resource, options)
    token = args.token or os.environ.get("CLOUDPORTAL_ENROLLMENT_TOKEN", "")
    agent = ConnectedAgent(
        args.connect,
        provider,
        args.resource,
        token=token,
        state=StateFile(args.state or DEFAULT_STATE),
        keys=keys,
        ssl_context=client_ssl_context(args.ca) if args.connect.startswith("https") else None,
    )

    async def main() -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, task.cancel)  # type: ignore[union-attr]
        logging.info("connected agent (%s, %d host(s)) dialling %s", args.resource, len(keys),
                     agent.url)  # fmt: skip
        try:
            return await agent.run()
        except asyncio.CancelledError:
            return 0

    try:
        return asyncio.run(main())
    finally:
        provider.close()
