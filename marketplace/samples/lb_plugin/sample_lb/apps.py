from marketplace.plugin import PortalPluginConfig


class HaproxyConfig(PortalPluginConfig):
    name = "sample_lb"
    label = "sample_lb"
    verbose_name = "HAProxy load balancer"
    plugin_id = "org.example.haproxy-lb"
    version = "1.0.0"
    author = "Cloud Portal samples"
    summary = "A network element providing the Lb service with HAProxy."
    license = "Apache-2.0"
    min_version = "0.1"
    max_version = "1.99"
    required_settings = ["stats_password"]
    extension_points = ["network.element"]
