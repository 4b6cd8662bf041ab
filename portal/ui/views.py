"""Generic portal views: declare ``queryset``, ``filterset``, ``table`` (and ``form``/service).

Every object is fetched through ``Model.objects.restrict(user, action)``: another tenant's
object is a 404. Service refusals become field errors (forms) or error toasts (actions).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from portal.querysets import is_root_admin
from portal.services.tenancy import is_tenancy_admin
from portal.ui.htmx import add_toast, apply_errors, error_text, is_partial

PAGE_SIZES = (25, 50, 100)


class PortalView(LoginRequiredMixin, View):
    """Logged-in users only; ``admin_only`` views need a root/resource admin,
    ``tenancy_admin_only`` ones any admin (root or domain)."""

    admin_only = False
    tenancy_admin_only = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if self.admin_only and not is_root_admin(request.user):
                raise PermissionDenied("This page is for cloud administrators.")
            if self.tenancy_admin_only and not is_tenancy_admin(request.user):
                raise PermissionDenied("This page is for administrators.")
        return super().dispatch(request, *args, **kwargs)

    def restricted(self, queryset, action: str = "view"):
        return queryset.restrict(self.request.user, action)

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "acting_user": self.request.user,
            "client_ip": getattr(self.request, "client_ip", None),
        }


@dataclass
class BulkAction:
    """A bulk action on selected rows: ``func(obj, acting_user=..., client_ip=...)``."""

    label: str
    func: Any
    confirm: str = ""
    danger: bool = False


class ObjectListView(PortalView):
    """Filtered (FilterSet), sorted, paginated list with optional bulk actions."""

    queryset = None
    filterset = None
    table = None
    title = ""
    filter_fields: tuple[str, ...] = ()
    create_url: str | None = None
    create_label = "Add"
    bulk_actions: dict[str, BulkAction] = {}
    template_name = "ui/list.html"
    #: the ``results`` partial is defined in ui/list.html; a template that extends it
    #: does not inherit the partial under its own name.
    results_template = "ui/list.html#results"
    default_sort = ""
    csv_fields: tuple[str, ...] = ()

    def get_queryset(self):
        return self.restricted(self.queryset.all(), "view")

    def filtered(self):
        queryset = self.get_queryset()
        filterset = None
        if self.filterset is not None:
            filterset = self.filterset(self.request.GET or None, queryset=queryset)
            if filterset.is_bound and filterset.is_valid():
                queryset = filterset.qs
            elif filterset.is_bound:
                queryset = queryset.none()
        sort = self.request.GET.get("sort", self.default_sort)
        sort_fields = self.table.sort_fields()
        if sort.lstrip("-") in sort_fields:
            field = sort_fields[sort.lstrip("-")]
            queryset = queryset.order_by(f"-{field}" if sort.startswith("-") else field, "-pk")
        else:
            sort = ""
        return queryset, filterset, sort

    def filter_form(self, filterset):
        if filterset is None:
            return None
        form = filterset.form
        shown = [name for name in ("q", *self.filter_fields) if name in form.fields]
        for name in shown:
            field = form.fields[name]
            if isinstance(field.widget, forms.SelectMultiple):
                # One value per filter in the UI (the API still takes several).
                field.widget = forms.Select(choices=[("", "Any"), *field.choices])
            elif isinstance(field.widget, forms.NullBooleanSelect):
                field.widget = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
            elif name == "q":
                field.widget.input_type = "search"
        return [form[name] for name in shown]

    def get_context(self) -> dict[str, Any]:
        queryset, filterset, sort = self.filtered()
        try:
            per_page = int(self.request.GET.get("per_page", PAGE_SIZES[0]))
        except ValueError:
            per_page = PAGE_SIZES[0]
        per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
        page = Paginator(queryset, per_page).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        table = self.table(
            page.object_list, self.request, sort=sort, selectable=bool(self.bulk_actions)
        )
        return {
            "title": self.title,
            "table": table,
            "page": page,
            "query": params.urlencode(),
            "filters": self.filter_form(filterset),
            "create_url": self.create_url,
            "create_label": self.create_label,
            "bulk_actions": self.bulk_actions,
            "sort": sort,
            "per_page": per_page,
            "csv": bool(self.csv_fields),
        }

    def render_list(self, extra=None):
        context = self.get_context() | (extra or {})
        if is_partial(self.request, "results"):
            return render(self.request, self.results_template, context)
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        if self.csv_fields and request.GET.get("export") == "csv":
            return self.export_csv()
        return self.render_list()

    def post(self, request, *args, **kwargs):
        action = self.bulk_actions.get(request.POST.get("action", ""))
        if action is None:
            return HttpResponse("Unknown action.", status=400)
        pks = [pk for pk in request.POST.getlist("pk") if pk.isdigit()]
        objects = list(self.restricted(self.queryset.all(), "change").filter(pk__in=pks))
        done, errors = 0, []
        for obj in objects:
            try:
                action.func(obj, **self.service_kwargs())
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                errors.append(f"{obj}: {error_text(exc)}")
        level = "error" if errors else "success"
        message = f"{action.label}: {done} of {len(pks)} done." + (
            " " + " ".join(errors[:5]) if errors else ""
        )
        if is_partial(request):
            return add_toast(self.render_list(), message, level)
        messages.add_message(request, messages.ERROR if errors else messages.SUCCESS, message)
        return redirect(request.get_full_path())

    def export_csv(self):
        queryset, _, _ = self.filtered()

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(self.csv_fields)
            for obj in queryset.iterator(chunk_size=500):
                yield writer.writerow([_csv_value(obj, f) for f in self.csv_fields])

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{self.title.lower()}.csv"'
        return response


def _csv_value(obj, field: str):
    value = obj
    for part in field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no spreadsheet formulas


class ObjectDetailView(PortalView):
    """One object, fetched through ``restrict``: other tenants' objects are 404."""

    queryset = None
    template_name = ""
    action = "view"

    def get_object(self, pk, action: str | None = None):
        return get_object_or_404(self.restricted(self.queryset.all(), action or self.action), pk=pk)

    def get_extra_context(self, obj) -> dict[str, Any]:
        return {}

    def get(self, request, pk):
        obj = self.get_object(pk)
        return render(request, self.template_name, {"object": obj, **self.get_extra_context(obj)})


class ServiceFormView(PortalView):
    """A form whose valid data goes to one service call; its refusals become field errors."""

    form_class = None
    title = ""
    template_name = "ui/form.html"
    submit_label = "Save"
    cancel_url: str | None = None

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user}

    def call_service(self, form):
        raise NotImplementedError

    def success_url(self, result) -> str:
        raise NotImplementedError

    def success_message(self, result) -> str:
        return f"{self.title}: done."

    def render_form(self, form):
        context = {
            "form": form,
            "title": self.title,
            "submit_label": self.submit_label,
            "cancel_url": self.cancel_url,
        }
        return render(self.request, self.template_name, context)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.form_class(**self.get_form_kwargs()))

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, **self.get_form_kwargs())
        if form.is_valid():
            try:
                result = self.call_service(form)
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, self.success_message(result))
                return redirect(self.success_url(result))
        return self.render_form(form)


class ServiceEditView(ServiceFormView):
    """Edit one object (fetched with ``restrict(user, "change")``) through its update
    service; only the fields that changed are sent."""

    queryset = None
    update_service = None
    fields: tuple[str, ...] = ()

    def get_object(self):
        return get_object_or_404(
            self.restricted(self.queryset.all(), "change"), pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        self.object = self.get_object()
        initial = {name: getattr(self.object, name) for name in self.fields}
        return {"user": self.request.user, "initial": initial}

    def call_service(self, form):
        changes = {
            name: form.cleaned_data[name]
            for name in self.fields
            if form.cleaned_data[name] != getattr(self.object, name)
        }
        if not changes:
            return self.object
        return type(self).update_service(self.object, **self.service_kwargs(), **changes)
