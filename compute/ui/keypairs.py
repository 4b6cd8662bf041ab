"""SSH key pairs of the tenant's account: list, register or generate (private key shown
once), delete."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render

from compute import services
from compute.filtersets import SSHKeyPairFilterSet
from compute.models import SSHKeyPair
from compute.ui.forms import KeyPairForm
from portal.ui.htmx import apply_errors, error_text
from portal.ui.tables import Column, Table
from portal.ui.views import BulkAction, ObjectListView, PortalView


class KeyPairTable(Table):
    columns = [
        Column("name", sort="name"),
        Column("fingerprint"),
        Column("account", accessor="account.name"),
        Column("created", sort="created", render=lambda k: k.created.strftime("%Y-%m-%d %H:%M")),
    ]


class KeyPairListView(ObjectListView):
    queryset = SSHKeyPair.objects.select_related("account")
    filterset = SSHKeyPairFilterSet
    table = KeyPairTable
    title = "SSH key pairs"
    create_url = "compute:keypair_create"
    create_label = "Add key pair"
    bulk_actions = {
        "delete": BulkAction(
            "Delete", services.delete_ssh_keypair, "Delete the selected key pairs?", True
        )
    }


class KeyPairCreateView(PortalView):
    def get(self, request):
        return render(
            request, "compute/keypair_form.html", {"form": KeyPairForm(user=request.user)}
        )

    def post(self, request):
        form = KeyPairForm(request.POST, user=request.user)
        keypair = None
        if form.is_valid():
            try:
                keypair = services.create_ssh_keypair(
                    acting_user=request.user, client_ip=request.client_ip, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, error_text(exc))
        return render(request, "compute/keypair_form.html", {"form": form, "keypair": keypair})
