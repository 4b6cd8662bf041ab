"""Command line: ``python -m agents serve --resource kvm --listen 127.0.0.1:8250 --config F``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from agents.config import AgentConfig
from agents.resources import KINDS, create_provider
from agents.server import AgentHTTPServer, parse_listen


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m agents")
    sub = parser.add_subparsers(dest="action", required=True)
    serve = sub.add_parser("serve", help="run the agent HTTP server")
    serve.add_argument("--resource", choices=KINDS, required=True)
    serve.add_argument("--listen", default="127.0.0.1:8250", type=parse_listen)
    serve.add_argument("--config", required=True, help="JSON or TOML config file")
    serve.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(message)s")
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


if __name__ == "__main__":
    sys.exit(main())
