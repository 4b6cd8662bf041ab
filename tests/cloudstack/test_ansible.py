"""Ansible's CloudStack modules (ngine_io.cloudstack, as the ``ansible`` package bundles them)
against a live server whose async jobs run on a real Celery worker: each playbook converges,
reports ``changed=0`` when run again, and its teardown leaves nothing behind.

The worker is another process, so it shares Django's test database only on PostgreSQL: these
tests run in ``make test``'s PostgreSQL pass."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.cloudstack.ansible_runner import Ansible
from tests.cloudstack.test_clients import _keys, client_cloud  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def _public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return raw.decode() + " ansible@test"


@pytest.fixture
def tenant_ansible(live_server, client_cloud, celery_worker_process, tenant, tmp_path):  # noqa: F811
    """An :class:`Ansible` runner with the tenant's keys and the cloud's names as variables."""
    return Ansible(
        f"{live_server.url}/client/api",
        *_keys(tenant),
        tmp_path,
        zone=client_cloud["zone"].name,
        template=client_cloud["template"].name,
        service_offering=client_cloud["offering"].name,
        disk_offering="Small",
        public_key=_public_key(),
        vm_state="started",
        volume_state="attached",
    )


def _tenant_resources(account) -> dict[str, int]:
    from compute.models import Instance, SSHKeyPair
    from networking.models import IPAddress, Network
    from networking.models_rules import FirewallRule, PortForwardingRule, SecurityGroup
    from storage.models import Volume

    return {
        "instances": Instance.objects.filter(account=account, removed__isnull=True).count(),
        "volumes": Volume.objects.filter(account=account, removed__isnull=True).count(),
        "networks": Network.objects.filter(account=account, removed__isnull=True).count(),
        "public ips": IPAddress.objects.filter(account=account).count(),
        "port forwards": PortForwardingRule.objects.filter(account=account).count(),
        "firewall rules": FirewallRule.objects.filter(account=account).count(),
        "security groups": SecurityGroup.objects.filter(account=account)
        .exclude(name="default")
        .count(),
        "ssh keys": SSHKeyPair.objects.filter(account=account).count(),
    }


def test_tenant_playbook_converges_is_idempotent_and_tears_down(tenant_ansible, tenant):
    from compute.models import Instance
    from networking.models import IPAddress
    from networking.models_rules import FirewallRule, PortForwardingRule, SecurityGroup
    from portal.models import ResourceTag
    from storage.models import Volume

    first = tenant_ansible.play("tenant.yml")
    assert first.returncode == 0 and first.recap["failed"] == 0, first
    print("tenant converge changed:", first.changed, first.changed_tasks)
    assert first.changed == 10, first  # every task created something
    vm = Instance.objects.get(account=tenant.account, name="ans-vm")
    assert vm.state == "Running" and vm.display_name == "Ansible VM"
    assert vm.ssh_keypair.name == "ans-key"
    data = Volume.objects.get(account=tenant.account, name="ans-data")
    assert data.instance_id == vm.pk
    ip = IPAddress.objects.get(account=tenant.account, is_source_nat=False)
    assert list(ResourceTag.objects.filter(resource_uuid=ip.uuid).values_list("key", "value")) == [
        ("role", "web")
    ]
    forward = PortForwardingRule.objects.get(account=tenant.account)
    assert (forward.public_start_port, forward.private_start_port) == (2222, 22)
    assert FirewallRule.objects.get(account=tenant.account).cidr_list == ["198.51.100.0/24"]
    group = SecurityGroup.objects.get(account=tenant.account, name="ans-sg")
    assert group.rules.count() == 2

    second = tenant_ansible.play("tenant.yml")
    assert second.returncode == 0, second
    assert second.changed == 0, (second.changed_tasks, second)

    for vm_state, volume_state in (("stopped", "detached"), ("started", "attached")):
        step = tenant_ansible.play(
            "tenant.yml", tags="vm,volume", vm_state=vm_state, volume_state=volume_state
        )
        assert step.returncode == 0, step
        assert step.changed_tasks == ["Instance", "Data volume"], step
        again = tenant_ansible.play(
            "tenant.yml", tags="vm,volume", vm_state=vm_state, volume_state=volume_state
        )
        assert again.changed == 0, (again.changed_tasks, again)
    vm.refresh_from_db()
    assert vm.state == "Running"

    down = tenant_ansible.play("tenant-teardown.yml")
    assert down.returncode == 0 and down.recap["failed"] == 0, down
    print("tenant teardown changed:", down.changed, down.changed_tasks)
    assert set(_tenant_resources(tenant.account).values()) == {0}, _tenant_resources(tenant.account)
    again = tenant_ansible.play("tenant-teardown.yml")
    assert again.returncode == 0 and again.changed == 0, (again.changed_tasks, again)


def _admin_resources() -> dict[str, int]:
    from compute.models import Cluster, Host, Pod, ServiceOffering, Zone
    from portal.models import Account, Domain, Role
    from storage.models import DiskOffering, StoragePool

    return {
        "zones": Zone.objects.filter(name="ans-zone").count(),
        "pods": Pod.objects.filter(name="ans-pod").count(),
        "clusters": Cluster.objects.filter(name="ans-cluster").count(),
        "hosts": Host.objects.filter(name="ans-node-1").count(),
        "pools": StoragePool.objects.filter(name="ans-primary").count(),
        "domains": Domain.objects.filter(name="ans-domain").count(),
        "accounts": Account.objects.filter(name="ans-account").count(),
        "roles": Role.objects.filter(name="ans-role").count(),
        "service offerings": ServiceOffering.objects.filter(name="ans-offering").count(),
        "disk offerings": DiskOffering.objects.filter(name="ans-disk").count(),
    }


def test_admin_playbook_converges_is_idempotent_and_tears_down(
    live_server, defaults, celery_worker_process, root_admin, enrolling_agent, tmp_path
):
    from compute.models import Host
    from portal.models import Account
    from tests.cloud_fixtures import ENROLL_PASSWORD, ENROLL_USER

    agent = enrolling_agent()
    ansible = Ansible(
        f"{live_server.url}/client/api",
        *_keys(root_admin),
        tmp_path,
        host_name="ans-node-1",
        host_url=f"{agent.url}/hosts/ans-node-1",
        host_username=ENROLL_USER,
        host_password=ENROLL_PASSWORD,
    )
    first = ansible.play("admin.yml")
    assert first.returncode == 0 and first.recap["failed"] == 0, first
    print("admin converge changed:", first.changed, first.changed_tasks)
    assert first.changed == 12, first
    assert set(_admin_resources().values()) == {1}, _admin_resources()
    assert Host.objects.get(name="ans-node-1").status == "Up"
    account = Account.objects.get(name="ans-account")
    assert account.role.name == "ans-role" and account.users.count() == 2

    second = ansible.play("admin.yml")
    assert second.returncode == 0, second
    assert second.changed == 0, second

    down = ansible.play("admin-teardown.yml")
    assert down.returncode == 0 and down.recap["failed"] == 0, down
    print("admin teardown changed:", down.changed, down.changed_tasks)
    assert set(_admin_resources().values()) == {0}, _admin_resources()
    again = ansible.play("admin-teardown.yml")
    assert again.returncode == 0 and again.changed == 0, again
