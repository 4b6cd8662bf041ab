"""Templates and ISOs: register from an http(s) URL (admins may make them public or
featured) and follow the ``template.download`` job; the list shows state and download
percent, polling only while a template downloads."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from portal.models import AsyncJob
from portal.ui.htmx import STOP_POLLING
from portal.ui.views import ObjectDetailView, PortalView, ServiceFormView
from storage import services
from storage.choices import TemplateState
from storage.models import Template
from storage.ui.forms import TemplateRegisterForm

#: States in which the download may still move (the cell polls).
DOWNLOADING = {TemplateState.NOT_UPLOADED, TemplateState.DOWNLOADING}


def template_queryset():
    return Template.objects.filter(removed__isnull=True).select_related(
        "zone", "account", "os_type"
    )


def download_job(template) -> AsyncJob | None:
    return (
        AsyncJob.objects.filter(command="template.download", resource_id=str(template.uuid))
        .order_by("-id")
        .first()
    )


def live_state(template):
    """The template's state cell; polls itself while the download may still move."""
    return mark_safe(  # noqa: S308 - rendered template
        render_to_string(
            "storage/template_state.html",
            {"t": template, "polling": template.state in DOWNLOADING},
        )
    )


class TemplateStateView(PortalView):
    """The state cell of one template (polled every 2s while downloading, 286 after)."""

    def get(self, request, pk):
        template = get_object_or_404(template_queryset().restrict(request.user), pk=pk)
        polling = template.state in DOWNLOADING
        response = render(
            request, "storage/template_state.html", {"t": template, "polling": polling}
        )
        if not polling and request.htmx:
            response.status_code = STOP_POLLING
        return response


class TemplateRegisterView(ServiceFormView):
    form_class = TemplateRegisterForm
    title = "Register template or ISO"
    submit_label = "Register"

    def get_form_kwargs(self):
        self.cancel_url = reverse("storage:template_list")
        return super().get_form_kwargs()

    def call_service(self, form):
        return services.create_template(**self.service_kwargs(), **form.service_fields())

    def success_message(self, result):
        return f"{result.name} registered; downloading."

    def success_url(self, result):
        return reverse("storage:template_detail", args=[result.pk])


class TemplateDetailView(ObjectDetailView):
    queryset = template_queryset()
    template_name = "storage/template_detail.html"

    def get_extra_context(self, obj):
        return {"job": download_job(obj), "title": obj.name}
