import logging

from compute.planner import Planner
from marketplace import hooks

log = logging.getLogger("sample_hypervisor.transitions")


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


@hooks.register("vm.state_transition")
def log_transition(instance, old_state, new_state, event):
    """Log every instance state change (after commit), as a driver's audit trail would."""
    log.info(
        "instance %s: %s -> %s (%s)",
        instance.uuid,
        old_state,
        new_state,
        event,
        extra={"instance_id": instance.pk, "old_state": old_state, "new_state": new_state},
    )
