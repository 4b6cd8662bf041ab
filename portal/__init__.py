"""The portal: project settings plus tenancy (domains, accounts, users, roles), jobs and events."""

from .celery import app as celery_app

__all__ = ["celery_app"]
