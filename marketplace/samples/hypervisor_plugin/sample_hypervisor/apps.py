from marketplace.plugin import CheckResult, PortalPluginConfig


class FirecrackerConfig(PortalPluginConfig):
    name = "sample_hypervisor"
    label = "sample_hypervisor"
    verbose_name = "Firecracker hypervisor"
    plugin_id = "org.example.firecracker"
    version = "1.0.0"
    author = "Cloud Portal samples"
    summary = "Adds the Firecracker hypervisor type (agent-backed) and a packing planner."
    license = "Apache-2.0"
    min_version = "0.1"
    max_version = "1.99"
    default_settings = {"agent_kind": "simulator", "cpu_mode": "host-model"}
    extension_points = [
        "hypervisor.register",
        "deploy.planner",
        "libvirt.xml.rewrite",
        "vm.state_transition",
    ]

    def self_test(self):
        from agents.resources import KINDS

        kind = self.get_settings()["agent_kind"]
        return [CheckResult("agent resource", kind in KINDS, f"agent kind {kind}")]
