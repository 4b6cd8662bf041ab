"""``manage.py agent_gateway [--listen 127.0.0.1:8260] [--relay-port 8261]``: run the gateway
that connected agents dial (see docs/agent-protocol.md, "Connected agents")."""

import asyncio
import ssl

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agents.server import parse_listen
from compute.gateway import relay_key, relay_url
from compute.gateway.server import Gateway


class Command(BaseCommand):
    help = "Run the WebSocket gateway of connected agents (and its loopback relay endpoint)."

    def add_arguments(self, parser):
        parser.add_argument("--listen", default="127.0.0.1:8260", help="HOST:PORT for agents")
        parser.add_argument(
            "--relay-port", type=int, default=None,
            help="loopback port of the relay (default: from AGENT_GATEWAY_RELAY_URL)",
        )  # fmt: skip
        parser.add_argument("--tls-cert", default="", help="PEM certificate (enables wss://)")
        parser.add_argument("--tls-key", default="", help="PEM key (default: in --tls-cert)")
        parser.add_argument(
            "--ping-interval", type=float, default=None,
            help="seconds between agent heartbeats (default AGENT_PING_INTERVAL)",
        )  # fmt: skip

    def handle(self, *args, **options):
        try:
            listen = parse_listen(options["listen"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        relay_port = options["relay_port"] or _port_of(relay_url())
        ctx = None
        if options["tls_cert"]:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(options["tls_cert"], options["tls_key"] or None)
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        gateway = Gateway(
            listen=listen,
            relay_port=relay_port,
            relay_key=relay_key(),
            ping_interval=options["ping_interval"] or settings.AGENT_PING_INTERVAL,
            ssl_context=ctx,
            db_threads=1 if sqlite else 8,  # registrations wait on database round trips
        )
        try:
            asyncio.run(gateway.serve_forever())
        except KeyboardInterrupt:
            pass


def _port_of(url: str) -> int:
    from urllib.parse import urlsplit

    port = urlsplit(url).port
    if port is None:
        raise CommandError(f"AGENT_GATEWAY_RELAY_URL {url!r} has no port")
    return port
