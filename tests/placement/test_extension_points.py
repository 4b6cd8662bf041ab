"""Core extension points that plugins use: planners and VM state-transition hooks."""

import pytest

from compute.lifecycle import deploy_instance, stop_instance
from compute.models import ServiceOffering
from compute.planner import PlacementRequest, Planner, place
from marketplace import hooks
from portal.tasks import run_job
from tests.factories import ClusterFactory, HostFactory


class LastHostPlanner(Planner):
    name = "lasthost"

    def order(self, hosts, request):
        return hosts.order_by("-id")


@pytest.mark.django_db
def test_a_planner_offered_through_the_hook_is_selectable(defaults):
    cluster = ClusterFactory()
    HostFactory(cluster=cluster)
    last = HostFactory(cluster=cluster)
    request = PlacementRequest(zone=cluster.zone, cpu_number=1, cpu_speed=500, memory_mib=64)
    with pytest.raises(ValueError, match="Unknown planner"):
        place(request, "lasthost")
    with hooks.register_temporarily("deploy.planner", lambda: LastHostPlanner):
        assert place(request, "lasthost").host == last


@pytest.mark.django_db(transaction=True)
def test_state_transitions_reach_hooks_after_commit(tenant, cloud, no_broker):
    seen = []

    def listener(instance, old, new, event):
        seen.append((old, new))

    with hooks.register_temporarily("vm.state_transition", listener):
        instance, job = deploy_instance(
            acting_user=tenant,
            zone=cloud["zone"],
            template=cloud["template"],
            service_offering=ServiceOffering.objects.get(name="Small Instance"),
        )
        run_job(job.pk)
        instance.refresh_from_db()
        run_job(stop_instance(instance, acting_user=tenant).pk)
    assert ("Starting", "Running") in seen
    assert ("Running", "Stopping") in seen and ("Stopping", "Stopped") in seen
