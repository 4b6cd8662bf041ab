from compute.planner import Planner
from marketplace import hooks


class FirecrackerDriver:
    """Talks to hosts through the portal's agent protocol (an agent resource kind)."""

    hypervisor = "Firecracker"
    agent_kind = "simulator"

    def supports(self, feature: str) -> bool:
        return feature in {"start", "stop", "reboot", "destroy"}


class PackingPlanner(Planner):
    """Fill the most loaded host first (the opposite of dispersing)."""

    name = "firecracker-packing"

    def order(self, hosts, request):
        return hosts.order_by("-memory_allocated", "id")


@hooks.register("hypervisor.register")
def hypervisors():
    return {"Firecracker": FirecrackerDriver}


@hooks.register("deploy.planner")
def planner():
    return PackingPlanner


@hooks.register("libvirt.xml.rewrite")
def domain_metadata(values, instance):
    """Ask the agent's ``cpu_mode``/``description`` rewriters for a host-model CPU and a
    description naming the instance (agents/resources/kvm/rewriters.py)."""
    from django.apps import apps

    mode = apps.get_app_config("sample_hypervisor").get_settings().get("cpu_mode", "host-model")
    return {**values, "cpu_mode": mode, "description": f"Instance {instance.uuid}"}
