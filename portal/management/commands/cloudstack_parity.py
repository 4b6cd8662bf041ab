"""Write the CloudStack API parity report (docs/cloudstack-parity.md by default)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Per command group: commands implemented / upstream and, for the implemented ones, "
        "parameters implemented / upstream; written as Markdown."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "docs" / "cloudstack-parity.md"),
            help="where to write the Markdown ('-' for stdout)",
        )
        parser.add_argument(
            "--import-reference",
            metavar="PATH",
            help="first refresh the stored upstream reference from a listApis-shaped JSON "
            "file (../shared/reference/cloudstack-apis.json)",
        )

    def handle(self, *args, output: str, import_reference: str | None, **options):
        import portal.cloudstack.commands  # noqa: F401  (registers every command)
        from portal.cloudstack import parity, upstream
        from portal.cloudstack.registry import REGISTRY

        if import_reference:
            try:
                data = json.loads(Path(import_reference).read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read {import_reference}: {exc}") from exc
            upstream.REFERENCE.write_text(upstream.dump(upstream.compact(data)))
            upstream.reference.cache_clear()
            upstream.params.cache_clear()
            upstream._by_lower.cache_clear()
        text = parity.markdown(REGISTRY)
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text)
        total = parity.totals(REGISTRY)
        self.stderr.write(
            f"commands {total['commands']}/{total['commands_upstream']}, "
            f"parameters {total['params']}/{total['params_upstream']}"
            + ("" if output == "-" else f" -> {output}")
        )
