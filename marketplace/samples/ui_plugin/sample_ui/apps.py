from marketplace.plugin import PortalPluginConfig


class StatusPageConfig(PortalPluginConfig):
    name = "sample_ui"
    label = "sample_ui"
    verbose_name = "Status page"
    plugin_id = "org.example.status-page"
    version = "1.0.0"
    author = "Cloud Portal samples"
    summary = "A public status page, a dashboard banner and /api/plugins/.../summary/."
    license = "Apache-2.0"
    min_version = "0.1"
    max_version = "1.99"
    default_settings = {"banner": "All systems operational"}
    extension_points = [
        "ui.menu_items",
        "ui.template_slot",
        "api.client_commands",
        "celery.periodic",
    ]
