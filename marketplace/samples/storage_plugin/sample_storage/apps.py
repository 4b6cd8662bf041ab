from marketplace.plugin import PortalPluginConfig


class SampleBlockConfig(PortalPluginConfig):
    name = "sample_storage"
    label = "sample_storage"
    verbose_name = "Sample block storage"
    plugin_id = "org.example.sample-block"
    version = "1.0.0"
    author = "Cloud Portal samples"
    summary = "A primary storage provider (SampleBlock) for shared pools."
    license = "Apache-2.0"
    min_version = "0.1"
    max_version = "1.99"
    extension_points = ["storage.primary_driver"]
