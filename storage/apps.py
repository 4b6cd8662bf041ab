from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "storage"
    verbose_name = "Storage"

    def ready(self) -> None:
        # Register the job handlers: template downloads and creation, ISO attachment, data
        # volumes (attach, migrate) and snapshots.
        from storage import (  # noqa: F401
            downloads,
            iso_handlers,
            snapshot_handlers,
            template_copy_handlers,
            template_handlers,
            volume_handlers,
            volume_migrate,
        )
