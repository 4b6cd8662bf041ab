from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "storage"
    verbose_name = "Storage"

    def ready(self) -> None:
        # Register the job handlers: template downloads and data volumes.
        from storage import downloads, volume_handlers  # noqa: F401
