"""Create the root admin user ``admin`` if it does not exist (run by ``make run``).

First run: the password is ``PORTAL_ADMIN_PASSWORD`` when set; otherwise a random one is
generated, stored in ``var/admin_password`` (mode 0600) and printed. Later runs never change
the password (``--reset-password`` does, from ``PORTAL_ADMIN_PASSWORD`` or a new random one).
The user is a superuser in the ROOT domain's ``admin`` account.
"""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

USERNAME = "admin"


def password_file():
    return settings.VAR_DIR / "admin_password"


def root_admin_account():
    """The ROOT domain's ``admin`` account, or None if the model or row does not exist."""
    from django.apps import apps

    try:
        account_model = apps.get_model("portal", "Account")
    except LookupError:
        return None
    return account_model.objects.filter(name="admin", domain__parent=None).first()


def login_hint() -> str:
    """Where the admin password is, for start-up banners. Never reads the database."""
    path = password_file()
    if path.exists():
        return f"user {USERNAME}, password in {path}: {path.read_text().strip()}"
    return f"user {USERNAME}, password as set by PORTAL_ADMIN_PASSWORD when the user was created"


class Command(BaseCommand):
    help = "Create the root admin user 'admin' if missing; never changes an existing password."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Set a new password: PORTAL_ADMIN_PASSWORD if set, else a random one.",
        )

    @transaction.atomic
    def handle(self, *args, reset_password=False, **options):
        user_model = get_user_model()
        user = user_model.objects.filter(username=USERNAME).first()
        created = user is None
        if created:
            user = user_model(username=USERNAME, is_staff=True, is_superuser=True)
        changed = created or not (user.is_staff and user.is_superuser)
        user.is_staff = user.is_superuser = True
        if hasattr(user, "account_id") and user.account_id is None:
            account = root_admin_account()
            if account is not None:
                user.account = account
                changed = True

        generated = None
        if created or reset_password:
            password = os.environ.get("PORTAL_ADMIN_PASSWORD", "")
            if not password:
                password = generated = secrets.token_urlsafe(12)
            user.set_password(password)
            changed = True
        if changed:
            user.save()

        path = password_file()
        if generated:
            path.unlink(missing_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(generated + "\n")
            self.stdout.write(
                f"Admin user '{USERNAME}' {'created' if created else 'password reset'}; "
                f"password: {generated} (kept in {path})"
            )
        elif created or reset_password:
            path.unlink(missing_ok=True)  # a stale generated password would mislead
            self.stdout.write(
                f"Admin user '{USERNAME}' {'created' if created else 'password reset'} "
                "with the password from PORTAL_ADMIN_PASSWORD"
            )
        else:
            self.stdout.write(f"Admin user '{USERNAME}' exists; password unchanged")
