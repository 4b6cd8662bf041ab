"""``manage.py console_proxy [--listen 127.0.0.1:8262]``: the WebSocket proxy between
browser consoles (noVNC) and the instances' VNC servers (see compute/console/)."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agents.server import parse_listen
from compute.console.proxy import ConsoleProxy


class Command(BaseCommand):
    help = "Run the console proxy: single-use console tokens -> the instances' VNC."

    def add_arguments(self, parser):
        parser.add_argument("--listen", default="127.0.0.1:8262", help="HOST:PORT for browsers")

    def handle(self, *args, **options):
        try:
            listen = parse_listen(options["listen"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        proxy = ConsoleProxy(listen, db_threads=1 if sqlite else 4)
        try:
            asyncio.run(proxy.serve_forever())
        except KeyboardInterrupt:
            pass
