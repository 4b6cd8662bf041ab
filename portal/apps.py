from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Tenancy and jobs"

    def ready(self) -> None:
        from portal import resource_cleanup

        resource_cleanup.connect()  # tags and details go with their resource
