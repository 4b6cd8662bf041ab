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
