from django.apps import AppConfig


class ComputeConfig(AppConfig):
    name = "compute"
    verbose_name = "Compute"

    def ready(self) -> None:
        # Register the job handlers in every process (web, worker, tests).
        from compute import host_handlers, pool_connect  # noqa: F401
        from compute.lifecycle import handlers, ops_handlers, restore  # noqa: F401
        from compute.services import oobm  # noqa: F401  (the simulator oobm.power driver)
