"""Forms of the compute pages; choices are restricted to what the user may use."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from compute.choices import AllocationState, Hypervisor, OfferingState
from compute.host_enrollment import AGENT_SECRET_HELP
from compute.models import ServiceOffering, SSHKeyPair, Zone
from networking.choices import GuestIpType, NetworkState
from networking.models import Network
from portal.ui.forms import PortalForm
from storage.choices import TemplateState
from storage.models import DiskOffering, Template


def _offering_label(offering) -> str:
    if offering.customized:
        return f"{offering.name} (custom size)"
    return (
        f"{offering.name} ({offering.cpu_number} × {offering.cpu_speed} MHz, {offering.memory} MiB)"
    )


class DeployForm(PortalForm):
    """The deploy wizard's steps: zone, template, offering, network, disk, key/user data."""

    zone = forms.ModelChoiceField(queryset=None, empty_label=None)
    template = forms.ModelChoiceField(queryset=None, empty_label=None)
    service_offering = forms.ModelChoiceField(queryset=None, empty_label=None, label="Offering")
    network = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Default network",
        help_text="Yours and the zone's shared ones. Default: your first network in the zone, "
        "or a new isolated one.",
    )
    disk_offering = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No data disk", label="Data disk"
    )
    size = forms.IntegerField(
        required=False, min_value=1, label="Data disk size (GiB)", help_text="Custom-size only."
    )
    ssh_keypair = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="None", label="SSH key pair"
    )
    user_data = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="User data"
    )
    name = forms.CharField(
        max_length=63, required=False, help_text="Letters, digits and '-'; generated if empty."
    )

    STEPS = (
        ("Zone", ("zone",)),
        ("Template", ("template",)),
        ("Offering", ("service_offering",)),
        ("Network", ("network",)),
        ("Disk", ("disk_offering", "size")),
        ("Access", ("ssh_keypair", "user_data", "name")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        self.fields["zone"].queryset = Zone.objects.restrict(user).filter(
            allocation_state=AllocationState.ENABLED
        )
        self.fields["template"].queryset = Template.objects.restrict(user).filter(
            state=TemplateState.READY, removed__isnull=True, is_iso=False
        )
        self.fields["service_offering"].queryset = ServiceOffering.objects.restrict(user).filter(
            state=OfferingState.ACTIVE, is_system=False
        )
        # the account's networks and the shared ones (anyone may deploy into those)
        own = Network.objects.restrict(user, "change").values("pk")
        self.fields["network"].queryset = (
            Network.objects.filter(Q(pk__in=own) | Q(guest_type=GuestIpType.SHARED))
            .filter(removed__isnull=True)
            .exclude(state=NetworkState.DESTROY)
            .select_related("zone")
        )
        self.fields["network"].label_from_instance = lambda n: f"{n.name} ({n.zone.name})"
        self.fields["service_offering"].label_from_instance = _offering_label
        self.fields["disk_offering"].queryset = DiskOffering.objects.restrict(user).filter(
            state=OfferingState.ACTIVE
        )
        self.fields["ssh_keypair"].queryset = SSHKeyPair.objects.restrict(user, "change")
        self._narrow_to_zone()

    def _narrow_to_zone(self) -> None:
        """Offer only the chosen zone's templates and networks (the next steps)."""
        raw = self.data.get("zone") if self.is_bound else self.initial.get("zone")
        zone = self.fields["zone"].queryset.filter(pk=raw).first() if str(raw).isdigit() else None
        zone = zone or self.fields["zone"].queryset.first()
        if zone is None:
            return
        self.fields["template"].queryset = self.fields["template"].queryset.filter(
            Q(zone__isnull=True) | Q(zone=zone)
        )
        networks = self.fields["network"].queryset.filter(zone=zone)
        self.fields["network"].queryset = networks
        if not self.is_bound and "network" not in self.initial:
            # what the service picks when none is given: the account's first network here
            own = networks.filter(account_id=getattr(self.user, "account_id", None))
            self.initial["network"] = own.order_by("id").values_list("pk", flat=True).first()

    def steps(self):
        return [(title, [self[name] for name in names]) for title, names in self.STEPS]


class KeyPairForm(PortalForm):
    name = forms.CharField(max_length=255)
    public_key = forms.CharField(
        required=False,
        widget=forms.Textarea,
        help_text="Paste an OpenSSH public key, or leave empty to generate a pair.",
    )


class ZoneForm(PortalForm):
    name = forms.CharField(max_length=255)
    description = forms.CharField(max_length=255, required=False)
    network_type = forms.ChoiceField(choices=Zone._meta.get_field("network_type").choices)
    dns1 = forms.GenericIPAddressField(protocol="IPv4", label="DNS 1")
    dns2 = forms.GenericIPAddressField(protocol="IPv4", label="DNS 2", required=False)
    internal_dns1 = forms.GenericIPAddressField(protocol="IPv4", label="Internal DNS 1")
    internal_dns2 = forms.GenericIPAddressField(
        protocol="IPv4", label="Internal DNS 2", required=False
    )
    guest_cidr = forms.CharField(max_length=43, initial="10.1.1.0/24", label="Guest CIDR")
    network_domain = forms.CharField(max_length=255, required=False)


class PhysicalNetworkForm(PortalForm):
    name = forms.CharField(max_length=255, initial="physnet1")
    vlan_range = forms.CharField(
        max_length=255, required=False, label="Guest VLAN range", help_text="e.g. 100-199"
    )
    traffic_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in ("Guest", "Management", "Public", "Storage")],
        initial=["Guest", "Management"],
        widget=forms.CheckboxSelectMultiple,
    )
    kvm_label = forms.CharField(max_length=255, required=False, label="KVM bridge label")


class PodForm(PortalForm):
    name = forms.CharField(max_length=255, initial="pod1")
    gateway = forms.GenericIPAddressField(protocol="IPv4")
    netmask = forms.GenericIPAddressField(protocol="IPv4", initial="255.255.255.0")
    start_ip = forms.GenericIPAddressField(protocol="IPv4", label="Start IP")
    end_ip = forms.GenericIPAddressField(protocol="IPv4", label="End IP")


class ClusterForm(PortalForm):
    name = forms.CharField(max_length=255, initial="cluster1")
    hypervisor = forms.ChoiceField(choices=Hypervisor.choices)


class HostForm(PortalForm):
    url = forms.CharField(max_length=255, label="Agent URL", help_text="http(s)://host:port/...")
    name = forms.CharField(
        max_length=255, required=False, help_text="Defaults to the hostname the agent reports."
    )
    username = forms.CharField(
        max_length=255,
        required=False,
        help_text="The host's enrollment account (Hyper-V: the Windows account of the agent).",
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Used once to enroll the agent, then forgotten.",
    )
    agent_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        label="Agent shared secret (optional)",
        help_text=AGENT_SECRET_HELP,
    )
    external_details = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="External details",
        help_text="Hosts of External clusters only: one key=value per line (e.g. url, user, "
        "token, secret, node), passed to the cluster's extension; stored encrypted.",
    )

    def clean_external_details(self) -> dict[str, str]:
        details = {}
        for number, line in enumerate(self.cleaned_data["external_details"].splitlines(), 1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(f"Line {number}: write key=value.")
            details[key.strip()] = value.strip()
        return details


class PrimaryStorageForm(PortalForm):
    name = forms.CharField(max_length=255, initial="primary1")
    url = forms.CharField(max_length=1024, label="URL", help_text="nfs://server/path")
    scope = forms.ChoiceField(choices=[("CLUSTER", "Cluster"), ("ZONE", "Zone")])
    capacity_gib = forms.IntegerField(min_value=0, required=False, label="Capacity (GiB)")


class SecondaryStorageForm(PortalForm):
    name = forms.CharField(max_length=255, initial="secondary1")
    url = forms.CharField(max_length=1024, label="URL", help_text="nfs://server/path")


class ServiceOfferingForm(PortalForm):
    name = forms.CharField(max_length=255)
    display_text = forms.CharField(max_length=255, required=False)
    cpu_number = forms.IntegerField(min_value=1, label="CPU cores")
    cpu_speed = forms.IntegerField(min_value=1, label="CPU speed (MHz)")
    memory = forms.IntegerField(min_value=1, label="Memory (MiB)")
    offer_ha = forms.BooleanField(required=False, label="HA")


class PodCreateForm(PodForm):
    """A pod outside the zone wizard: the zone is chosen."""

    zone = forms.ModelChoiceField(queryset=Zone.objects.all(), empty_label=None)
    field_order = ["zone"]


class ClusterCreateForm(ClusterForm):
    pod = forms.ModelChoiceField(queryset=None, empty_label=None)
    field_order = ["pod"]

    def __init__(self, *args, **kwargs):
        from compute.models import Pod

        super().__init__(*args, **kwargs)
        self.fields["pod"].queryset = Pod.objects.select_related("zone")
        self.fields["pod"].label_from_instance = lambda p: f"{p.name} ({p.zone.name})"


class HostCreateForm(HostForm):
    cluster = forms.ModelChoiceField(queryset=None, empty_label=None)
    field_order = ["cluster"]

    def __init__(self, *args, **kwargs):
        from compute.models import Cluster

        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = Cluster.objects.select_related("zone", "pod")
        self.fields["cluster"].label_from_instance = lambda c: (
            f"{c.name} ({c.hypervisor}, {c.zone.name} / {c.pod.name})"
        )
