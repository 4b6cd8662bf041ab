from marketplace.plugin import CheckResult, PortalPluginConfig


class DummyConfig(PortalPluginConfig):
    name = "dummy_plugin"
    label = "dummy_plugin"
    verbose_name = "Dummy plugin"
    plugin_id = "org.example.dummy"
    version = "1.0.0"
    author = "Test Suite"
    summary = "A plugin that exists to be installed, gated and removed."
    license = "Apache-2.0"
    min_version = "0.1"
    max_version = "9.0"
    default_settings = {"greeting": "hello"}
    extension_points = ["vm.state_transition", "ui.menu_items"]

    def self_test(self):
        return [CheckResult("greeting", bool(self.get_settings()["greeting"]), "configured")]
