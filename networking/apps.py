from django.apps import AppConfig


class NetworkingConfig(AppConfig):
    name = "networking"
    verbose_name = "Networking"

    def ready(self) -> None:
        # Register the network element's job handlers (firewall/NAT rules, security groups).
        from networking import rule_handlers  # noqa: F401
