"""Forms of the storage pages; choices are restricted to what the user may use."""

from __future__ import annotations

from django import forms

from compute.choices import AllocationState, Hypervisor, OfferingState
from compute.models import Cluster, Zone
from portal.querysets import is_root_admin
from portal.ui.forms import PortalForm
from storage.choices import ImageFormat
from storage.models import DiskOffering, OSType


def disk_offering_label(offering) -> str:
    if offering.customized:
        low, high = offering.min_size or 1, offering.max_size
        return f"{offering.name} (custom size, {low}–{high or '∞'} GiB)"
    return f"{offering.name} ({offering.disk_size} GiB)"


def _active_offerings(user):
    return DiskOffering.objects.restrict(user).filter(state=OfferingState.ACTIVE)


class VolumeCreateForm(PortalForm):
    name = forms.CharField(max_length=255, required=False, help_text="Generated if empty.")
    zone = forms.ModelChoiceField(queryset=None, empty_label=None)
    disk_offering = forms.ModelChoiceField(queryset=None, empty_label=None, label="Disk offering")
    size = forms.IntegerField(
        required=False, min_value=1, label="Size (GiB)", help_text="Custom-size offerings only."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.restrict(self.user).filter(
            allocation_state=AllocationState.ENABLED
        )
        self.fields["disk_offering"].queryset = _active_offerings(self.user)
        self.fields["disk_offering"].label_from_instance = disk_offering_label


class VolumeResizeForm(PortalForm):
    size = forms.IntegerField(min_value=1, required=False, label="New size (GiB)")
    disk_offering = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Keep the current offering",
        label="Disk offering",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disk_offering"].queryset = _active_offerings(self.user)
        self.fields["disk_offering"].label_from_instance = disk_offering_label


class SnapshotForm(forms.Form):
    name = forms.CharField(max_length=255, required=False, help_text="Generated if empty.")


class TemplateRegisterForm(PortalForm):
    """Register a template or ISO from an http(s) URL; public/featured for admins only."""

    name = forms.CharField(max_length=255)
    display_text = forms.CharField(max_length=4096, required=False, label="Description")
    url = forms.CharField(max_length=2048, label="URL", help_text="http:// or https:// only.")
    is_iso = forms.BooleanField(required=False, label="This is an ISO image")
    zone = forms.ModelChoiceField(queryset=None, required=False, empty_label="All zones")
    hypervisor = forms.ChoiceField(
        choices=[("", "—")] + list(Hypervisor.choices), required=False, help_text="Not for ISOs."
    )
    format = forms.ChoiceField(
        choices=[(v, label) for v, label in ImageFormat.choices if v != ImageFormat.ISO],
        initial=ImageFormat.QCOW2,
        help_text="Not for ISOs.",
    )
    os_type = forms.ModelChoiceField(queryset=OSType.objects.all(), label="OS type")
    checksum = forms.CharField(max_length=255, required=False, help_text="e.g. sha256:…")
    password_enabled = forms.BooleanField(required=False, label="Password reset enabled")
    is_public = forms.BooleanField(required=False, label="Public (all accounts)")
    is_featured = forms.BooleanField(required=False, label="Featured")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.restrict(self.user)
        if not is_root_admin(self.user):
            del self.fields["is_public"]
            del self.fields["is_featured"]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("is_iso"):
            data.pop("format")
            data["hypervisor"] = ""
        if not data.get("zone"):
            data["zone"] = None
        return data


class StoragePoolForm(PortalForm):
    name = forms.CharField(max_length=255)
    zone = forms.ModelChoiceField(queryset=None, empty_label=None)
    scope = forms.ChoiceField(choices=[("CLUSTER", "Cluster"), ("ZONE", "Zone")])
    cluster = forms.ModelChoiceField(
        queryset=None, required=False, help_text="For cluster-scoped pools."
    )
    hypervisor = forms.ChoiceField(
        choices=[("", "—")] + list(Hypervisor.choices),
        required=False,
        help_text="For zone-wide pools (a cluster's pool takes the cluster's).",
    )
    url = forms.CharField(
        max_length=1024, label="URL", help_text="nfs://server/path or smb://server/share?user=…"
    )
    capacity_gib = forms.IntegerField(min_value=0, required=False, label="Capacity (GiB)")
    tags = forms.CharField(max_length=255, required=False, help_text="Comma-separated.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.all()
        self.fields["cluster"].queryset = Cluster.objects.select_related("zone")
        self.fields["cluster"].label_from_instance = lambda c: f"{c.name} ({c.zone.name})"


class ImageStoreForm(PortalForm):
    name = forms.CharField(max_length=255)
    zone = forms.ModelChoiceField(queryset=None, required=False, empty_label="Region-wide")
    url = forms.CharField(
        max_length=1024, label="URL", help_text="nfs://server/path or cifs://server/share?user=…"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.all()
