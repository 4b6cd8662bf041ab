"""Admin forms for storage outside the zone wizard: primary storage (with its detail page
and maintenance verbs) and secondary storage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from compute.pool_connect import create_pool_and_connect
from portal.services.jobs import JobError
from portal.ui.format import filesize, percent
from portal.ui.htmx import add_toast, error_text
from portal.ui.views import ObjectDetailView, PortalView, ServiceFormView
from storage import services
from storage.choices import PoolState
from storage.models import StoragePool
from storage.ui.forms import ImageStoreForm, StoragePoolForm

GIB = 1024**3

#: (label, service, states it applies to, confirm)
POOL_ACTIONS = {
    "enable": ("Enable", services.enable_storage_pool, {PoolState.DISABLED}, ""),
    "disable": (
        "Disable",
        services.disable_storage_pool,
        {PoolState.UP},
        "Disable {name}? No new volumes will be placed on it.",
    ),
    "maintenance": (
        "Maintenance",
        services.enable_storage_pool_maintenance,
        {PoolState.UP, PoolState.DISABLED},
        "Put {name} into maintenance?",
    ),
    "cancel_maintenance": (
        "Cancel maintenance",
        services.cancel_storage_pool_maintenance,
        {PoolState.MAINTENANCE},
        "",
    ),
}


def pool_actions(pool) -> list[dict]:
    return [
        {"key": key, "label": label, "confirm": confirm.format(name=pool.name)}
        for key, (label, _, states, confirm) in POOL_ACTIONS.items()
        if pool.state in states
    ]


class PoolDetailView(ObjectDetailView):
    admin_only = True
    queryset = StoragePool.objects.select_related("zone", "pod", "cluster", "host")
    template_name = "storage/pool_detail.html"

    def get_extra_context(self, pool):
        return {
            "capacity": (
                filesize(pool.allocated_bytes),
                filesize(pool.capacity_bytes),
                percent(pool.allocated_bytes, pool.capacity_bytes),
            ),
            "pool_actions": pool_actions(pool),
            "volumes": pool.volumes.filter(removed__isnull=True).select_related(
                "instance", "account"
            )[:50],
        }


class PoolActionView(PortalView):
    """POST a state verb; htmx gets the page back with a toast, others a redirect."""

    admin_only = True

    def post(self, request, pk, action):
        if action not in POOL_ACTIONS:
            raise Http404("No such action.")
        detail = PoolDetailView()
        detail.setup(request, pk=pk)
        pool = detail.get_object(pk, "change")
        label, func, _, _ = POOL_ACTIONS[action]
        try:
            func(pool, acting_user=request.user, client_ip=getattr(request, "client_ip", None))
            message, level = f"{label}: done.", "success"
        except (ValidationError, PermissionDenied) as exc:
            message, level = error_text(exc), "error"
        if request.htmx:
            return add_toast(detail.get(request, pk), message, level)
        (messages.success if level == "success" else messages.error)(request, message)
        return redirect("storage:pool_detail", pk=pk)


class PoolCreateView(ServiceFormView):
    admin_only = True
    form_class = StoragePoolForm
    title = "Add primary storage"

    def get_form_kwargs(self):
        self.cancel_url = reverse("storage:pool_list")
        return super().get_form_kwargs()

    def call_service(self, form):
        data = dict(form.cleaned_data)
        capacity = data.pop("capacity_gib")
        tags = [t.strip() for t in data.pop("tags").split(",") if t.strip()]
        fields = {"name": data["name"], "url": data["url"], "scope": data["scope"], "tags": tags}
        if data["scope"] == "CLUSTER":
            fields["cluster"] = data["cluster"]
            if data["cluster"] is not None and data["cluster"].zone_id != data["zone"].pk:
                raise ValidationError({"cluster": "The cluster is not in the chosen zone."})
        else:
            fields["zone"] = data["zone"]
            if data["hypervisor"]:
                fields["hypervisor"] = data["hypervisor"]
        if capacity is not None:
            fields["capacity_bytes"] = capacity * GIB
        try:  # attached on the Up hosts of its scope, as createStoragePool
            return create_pool_and_connect(**self.service_kwargs(), **fields)
        except JobError as exc:
            raise ValidationError(str(exc)) from exc

    def success_url(self, result):
        return reverse("storage:pool_detail", args=[result.pk])


class ImageStoreCreateView(ServiceFormView):
    admin_only = True
    form_class = ImageStoreForm
    title = "Add secondary storage"

    def get_form_kwargs(self):
        self.cancel_url = reverse("storage:imagestore_list")
        return super().get_form_kwargs()

    def call_service(self, form):
        return services.create_image_store(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("storage:imagestore_list")
