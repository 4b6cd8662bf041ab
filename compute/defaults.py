"""Service offerings present after migration, as a fresh CloudStack has them."""

DEFAULT_SERVICE_OFFERINGS = [
    # name, display text, cpus, MHz, MiB
    ("Small Instance", "Small Instance", 1, 500, 512),
    ("Medium Instance", "Medium Instance", 1, 1000, 1024),
]


def create_defaults(apps, schema_editor=None) -> None:
    ServiceOffering = apps.get_model("compute", "ServiceOffering")
    for name, text, cpus, speed, memory in DEFAULT_SERVICE_OFFERINGS:
        ServiceOffering.objects.get_or_create(
            name=name,
            defaults={
                "display_text": text,
                "cpu_number": cpus,
                "cpu_speed": speed,
                "memory": memory,
            },
        )
