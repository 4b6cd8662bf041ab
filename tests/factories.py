"""factory-boy factories: domain -> account -> user, zone -> pod -> cluster -> host -> instance."""

import factory
from django.contrib.auth import get_user_model

from compute.models import Cluster, Host, Instance, Pod, ServiceOffering, SSHKeyPair, Zone
from networking.models import Network, NetworkOffering, PhysicalNetwork
from portal.models import Account, Domain, Role
from storage.models import DiskOffering, ImageStore, OSType, StoragePool, Template, Volume


def root_domain() -> Domain:
    return Domain.objects.get(parent=None)


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    name = factory.Sequence(lambda n: f"domain{n}")
    parent = factory.LazyFunction(root_domain)
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}{o.name}/")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"account{n}")
    domain = factory.SubFactory(DomainFactory)
    account_type = 0
    role = factory.LazyFunction(lambda: Role.objects.get(name="User"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    account = factory.SubFactory(AccountFactory)
    password = factory.PostGenerationMethodCall("set_password", "Secret-pass-1")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    name = factory.Sequence(lambda n: f"zone{n}")
    dns1 = "8.8.8.8"
    internal_dns1 = "10.0.0.2"
    allocation_state = "Enabled"


class PodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pod

    zone = factory.SubFactory(ZoneFactory)
    name = factory.Sequence(lambda n: f"pod{n}")
    gateway = "192.168.10.1"
    netmask = "255.255.255.0"
    start_ip = "192.168.10.10"
    end_ip = "192.168.10.200"


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    pod = factory.SubFactory(PodFactory)
    zone = factory.SelfAttribute("pod.zone")
    name = factory.Sequence(lambda n: f"cluster{n}")
    hypervisor = "Simulator"


class HostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Host

    cluster = factory.SubFactory(ClusterFactory)
    pod = factory.SelfAttribute("cluster.pod")
    zone = factory.SelfAttribute("cluster.zone")
    name = factory.Sequence(lambda n: f"host{n}")
    hypervisor = factory.SelfAttribute("cluster.hypervisor")
    url = factory.Sequence(lambda n: f"http://127.0.0.1:{9000 + n}")
    status = "Up"
    cpus = 8
    cpu_speed = 2000
    memory = 16 * 1024**3


class ServiceOfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOffering

    name = factory.Sequence(lambda n: f"offering{n}")
    cpu_number = 1
    cpu_speed = 500
    memory = 512


class DiskOfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiskOffering

    name = factory.Sequence(lambda n: f"disk{n}")
    disk_size = 10


class StoragePoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoragePool

    cluster = factory.SubFactory(ClusterFactory)
    pod = factory.SelfAttribute("cluster.pod")
    zone = factory.SelfAttribute("cluster.zone")
    name = factory.Sequence(lambda n: f"pool{n}")
    scope = "CLUSTER"
    protocol = "NetworkFilesystem"
    url = factory.Sequence(lambda n: f"nfs://10.0.0.5/export/primary{n}")
    server = "10.0.0.5"
    path = factory.Sequence(lambda n: f"/export/primary{n}")
    capacity_bytes = 1024**4


class ImageStoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImageStore

    zone = factory.SubFactory(ZoneFactory)
    name = factory.Sequence(lambda n: f"secondary{n}")
    protocol = "nfs"
    url = factory.Sequence(lambda n: f"nfs://10.0.0.6/export/secondary{n}")
    server = "10.0.0.6"
    path = factory.Sequence(lambda n: f"/export/secondary{n}")


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    name = factory.Sequence(lambda n: f"template{n}")
    format = "QCOW2"
    hypervisor = "Simulator"
    os_type = factory.LazyFunction(lambda: OSType.objects.order_by("id").first())
    account = factory.SubFactory(AccountFactory)
    is_public = True
    state = "Ready"
    url = "http://download.example.test/t.qcow2"


class InstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instance

    name = factory.Sequence(lambda n: f"vm{n}")
    account = factory.SubFactory(AccountFactory)
    domain = factory.SelfAttribute("account.domain")
    zone = factory.SubFactory(ZoneFactory)
    service_offering = factory.SubFactory(ServiceOfferingFactory)
    template = factory.SubFactory(TemplateFactory)
    cpu_number = factory.SelfAttribute("service_offering.cpu_number")
    cpu_speed = factory.SelfAttribute("service_offering.cpu_speed")
    memory = factory.SelfAttribute("service_offering.memory")


class VolumeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Volume

    name = factory.Sequence(lambda n: f"vol{n}")
    account = factory.SubFactory(AccountFactory)
    domain = factory.SelfAttribute("account.domain")
    zone = factory.SubFactory(ZoneFactory)
    volume_type = "DATADISK"
    size = 10 * 1024**3


class SSHKeyPairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SSHKeyPair

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"key{n}")
    public_key = (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test"
    )
    fingerprint = "aa:bb"


class PhysicalNetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhysicalNetwork

    zone = factory.SubFactory(ZoneFactory)
    name = factory.Sequence(lambda n: f"physnet{n}")
    vlan_range = "100-199"


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"net{n}")
    zone = factory.SubFactory(ZoneFactory)
    network_offering = factory.LazyFunction(
        lambda: NetworkOffering.objects.get(
            name="DefaultIsolatedNetworkOfferingWithSourceNatService"
        )
    )
    account = factory.SubFactory(AccountFactory)
    domain = factory.SelfAttribute("account.domain")
    guest_type = "Isolated"
    cidr = "10.1.1.0/24"
    gateway = "10.1.1.1"
    netmask = "255.255.255.0"
