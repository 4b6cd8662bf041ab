"""Command line: ``python -m agents serve --resource kvm --listen 127.0.0.1:8250 --config F``
and ``python -m agents add-account --config F --username U`` (password from a prompt or
stdin) to add an enrollment account; ``python -m agents serve --resource R --connect URL
--token T`` runs a connected agent (it dials the management gateway, see agents.connected)."""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from types import FrameType

from agents.accounts import Account
from agents.config import AgentConfig, add_account
from agents.connected import main as connected
from agents.enroll import DEFAULT_ITERATIONS, MAX_ITERATIONS, MIN_ITERATIONS
from agents.errors import InvalidCommand
from agents.resources import KINDS, create_provider
from agents.server import AgentHTTPServer, parse_listen


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m agents")
    sub = parser.add_subparsers(dest="action", required=True)
    serve = sub.add_parser("serve", help="run the agent HTTP server")
    serve.add_argument("--resource", choices=KINDS, required=True)
    serve.add_argument("--listen", default="127.0.0.1:8250", type=parse_listen)
    serve.add_argument("--config", help="JSON or TOML config file (required without --connect)")
    serve.add_argument("--log-level", default="INFO")
    connected.add_arguments(serve)  # --connect URL --token T: the agent dials in
    account = sub.add_parser("add-account", help="add (or replace) an enrollment account")
    account.add_argument("--config", required=True, help="JSON or TOML config file")
    account.add_argument("--username", required=True)
    account.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    args = parser.parse_args(argv)
    if args.action == "add-account":
        return _add_account(args)

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(message)s")
    if args.connect:
        return connected.serve_connected(args)
    if not args.config:
        parser.error("serve needs --config (or --connect for a connected agent)")
    config = AgentConfig.load(args.config)
    provider = create_provider(args.resource, config.resource)
    server = AgentHTTPServer(args.listen, provider, config, resource_kind=args.resource)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    logging.info("agent (%s) listening on %s", args.resource, server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        provider.close()
    return 0


def _add_account(args: argparse.Namespace) -> int:
    if not MIN_ITERATIONS <= args.iterations <= MAX_ITERATIONS:
        print(f"--iterations must be {MIN_ITERATIONS}..{MAX_ITERATIONS}", file=sys.stderr)
        return 2
    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.username}: ")
        if getpass.getpass("Again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        print("the password must have at least 8 characters", file=sys.stderr)
        return 2
    try:
        add_account(args.config, Account.from_password(args.username, password, args.iterations))
    except (InvalidCommand, OSError) as exc:
        print(f"add-account: {exc}", file=sys.stderr)
        return 1
    print(f"enrollment account {args.username!r} written to {args.config}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
