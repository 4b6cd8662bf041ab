from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "storage"
    verbose_name = "Storage"

    def ready(self) -> None:
        # Register the job handlers: template downloads, data volumes and snapshots.
        from storage import downloads, snapshot_handlers, volume_handlers, volume_migrate  # noqa: F401
        from storage import iso_handlers  # noqa: F401
