"""``manage.py create_enrollment_token --cluster NAME|UUID [--uses N] [--hours H]``: print a
token with which connected agents register as hosts of the cluster (shown once)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compute.models import Cluster
from compute.services.enrollment import connect_command, create_enrollment_token


class Command(BaseCommand):
    help = "Create an enrollment token for connected agents of a cluster and print it once."

    def add_arguments(self, parser):
        parser.add_argument("--cluster", required=True, help="cluster name or UUID")
        parser.add_argument("--uses", type=int, default=1, help="how many hosts may register")
        parser.add_argument("--hours", type=int, default=24, help="validity in hours")
        parser.add_argument("--quiet", action="store_true", help="print only the token")

    def handle(self, *args, cluster, uses, hours, quiet, **options):
        matches = Cluster.objects.filter(name=cluster)
        if not matches.exists():
            try:
                matches = Cluster.objects.filter(uuid=cluster)
                matches.exists()
            except ValidationError:
                matches = Cluster.objects.none()
        if matches.count() != 1:
            raise CommandError(f"No single cluster named or with UUID {cluster!r}.")
        try:
            row, token = create_enrollment_token(
                acting_user=None, cluster=matches.get(), valid_hours=hours, max_uses=uses
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if quiet:
            self.stdout.write(token)
            return
        self.stdout.write(
            f"Enrollment token for cluster {row.cluster.name} ({uses} use(s), expires "
            f"{row.expires_at:%Y-%m-%d %H:%M} UTC; shown only now):\n{token}\n\n"
            f"On the host:\n  {connect_command(row.cluster, token)}"
        )
