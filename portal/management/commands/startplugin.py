"""``python manage.py startplugin NAME [--id ID] [--directory DIR]``: a working plugin
project (pyproject with the ``cloudportal.plugins`` entry point, config class, a hook, a
URL, a self-test) and a test that passes."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from marketplace.scaffold import render_plugin


class Command(BaseCommand):
    help = "Create a new portal plugin project."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Python package name, e.g. acme_firewall")
        parser.add_argument("--id", dest="plugin_id", help="Plugin id (default: org.example.NAME)")
        parser.add_argument("--directory", default=".", help="Where to create the project")

    def handle(self, name, plugin_id=None, directory=".", **options):
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,60}", name):
            raise CommandError("NAME must be a lower-case Python identifier.")
        target = Path(directory) / name
        if target.exists():
            raise CommandError(f"{target} already exists.")
        for path, content in render_plugin(name, plugin_id or f"org.example.{name}").items():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_text(content)
        self.stdout.write(self.style.SUCCESS(f"Created {target}. Test it: pytest {target}/tests"))
