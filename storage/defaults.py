"""Disk offerings and guest OS types present after migration."""

DEFAULT_DISK_OFFERINGS = [
    ("Small", "Small Disk, 5 GB", 5, False),
    ("Medium", "Medium Disk, 20 GB", 20, False),
    ("Large", "Large Disk, 100 GB", 100, False),
    ("Custom", "Custom Disk", None, True),
]

DEFAULT_OS_TYPES = [
    ("Linux", "Other Linux (64-bit)"),
    ("Linux", "Debian GNU/Linux 12 (64-bit)"),
    ("Linux", "Ubuntu 24.04 LTS"),
    ("Linux", "Rocky Linux 9"),
    ("CentOS", "CentOS 7"),
    ("Windows", "Windows Server 2022 (64-bit)"),
    ("Windows", "Windows Server 2019 (64-bit)"),
    ("Other", "Other (64-bit)"),
    ("Other", "Other PV (64-bit)"),
]


def create_defaults(apps, schema_editor=None) -> None:
    DiskOffering = apps.get_model("storage", "DiskOffering")
    OSType = apps.get_model("storage", "OSType")
    for name, text, size, custom in DEFAULT_DISK_OFFERINGS:
        DiskOffering.objects.get_or_create(
            name=name, defaults={"display_text": text, "disk_size": size, "customized": custom}
        )
    for category, description in DEFAULT_OS_TYPES:
        OSType.objects.get_or_create(description=description, defaults={"category": category})
