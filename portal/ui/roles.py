"""Roles: list, detail, create/edit with an ordered rule list (custom roles only, root
admins only) and delete with confirmation. Default roles are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import formset_factory
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from portal.choices import RoleType, RulePermission
from portal.filtersets_tenancy import RoleFilterSet
from portal.models import Role
from portal.services import roles as role_services
from portal.ui.forms import PortalForm
from portal.ui.htmx import apply_errors, error_text
from portal.ui.tables import Column, Table
from portal.ui.views import ObjectDetailView, ObjectListView, PortalView

#: Blank rule rows offered under the existing ones ("Add rules" offers this many more).
EXTRA_RULES = 3


class RoleForm(PortalForm):
    name = forms.CharField(max_length=255)
    role_type = forms.ChoiceField(choices=RoleType.choices, label="Type")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RuleForm(forms.Form):
    """One rule row; rows with an empty rule are ignored, ``ORDER`` sorts them."""

    rule = forms.CharField(
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. list* or deployVirtualMachine"}),
    )
    permission = forms.ChoiceField(choices=RulePermission.choices, initial=RulePermission.ALLOW)
    description = forms.CharField(max_length=255, required=False)


RuleFormSet = formset_factory(RuleForm, extra=0, can_order=True, can_delete=True)


def ordered_rules(formset) -> list[dict]:
    """The formset's non-deleted, non-empty rules in the order the user gave."""
    rows = []
    for position, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("DELETE") or not (data.get("rule") or "").strip():
            continue
        order = data.get("ORDER")
        rows.append(((order if order is not None else 10**6, position), data))
    rows.sort(key=lambda row: row[0])
    return [
        {
            "rule": data["rule"].strip(),
            "permission": data["permission"],
            "description": data.get("description", ""),
            "sort_order": index,
        }
        for index, (_, data) in enumerate(rows)
    ]


class RoleTable(Table):
    detail_url = "portal:role_detail"
    columns = [
        Column("name", sort="name", link=True),
        Column("role_type", "Type", sort="role_type"),
        Column("description", render=lambda r: r.description[:120]),
        Column("is_default", "Built in", render=lambda r: "Yes, read-only" * r.is_default),
    ]


class RoleListView(ObjectListView):
    admin_only = True
    queryset = Role.objects.all()
    filterset = RoleFilterSet
    table = RoleTable
    title = "Roles"
    filter_fields = ("role_type", "is_default")
    create_url = "portal:role_create"
    create_label = "Add role"


class RoleDetailView(ObjectDetailView):
    admin_only = True
    queryset = Role.objects.all()
    template_name = "portal/role_detail.html"

    def get_extra_context(self, obj):
        return {"rules": obj.rules.all(), "accounts": obj.accounts.count()}


class RoleFormView(PortalView):
    """Create (no ``pk``) or edit a custom role and its ordered rules in one form.

    "Add rules" re-renders the form with more blank rows (no JavaScript needed)."""

    admin_only = True

    def get_role(self, pk):
        if pk is None:
            return None
        role = get_object_or_404(Role.objects.restrict(self.request.user, "change"), pk=pk)
        if role.is_default:
            raise PermissionDenied("Default roles are read-only; create a custom role instead.")
        return role

    def render_form(self, role, form, formset, status=200):
        context = {
            "title": f"Edit role {role.name}" if role else "Add role",
            "role": role,
            "form": form,
            "formset": formset,
            "cancel_url": reverse("portal:role_detail", args=[role.pk])
            if role
            else reverse("portal:role_list"),
        }
        return render(self.request, "portal/role_form.html", context, status=status)

    def get(self, request, pk=None):
        role = self.get_role(pk)
        if role is None:
            form = RoleForm(user=request.user, initial={"role_type": RoleType.USER})
            initial = []
        else:
            form = RoleForm(
                user=request.user,
                initial={
                    "name": role.name,
                    "role_type": role.role_type,
                    "description": role.description,
                },
            )
            initial = [
                {
                    "rule": r.rule,
                    "permission": r.permission,
                    "description": r.description,
                    "ORDER": i + 1,
                }
                for i, r in enumerate(role.rules.all())
            ]
        formset = formset_factory(RuleForm, extra=EXTRA_RULES, can_order=True, can_delete=True)(
            initial=initial, prefix="rules"
        )
        return self.render_form(role, form, formset)

    def post(self, request, pk=None):
        role = self.get_role(pk)
        form = RoleForm(request.POST, user=request.user)
        formset = RuleFormSet(request.POST, prefix="rules")
        if "add_rules" in request.POST:
            return self.render_form(role, form, self._more_rows(request.POST, formset))
        if form.is_valid() and formset.is_valid():
            kwargs = {"acting_user": request.user, "client_ip": getattr(request, "client_ip", None)}
            try:
                if role is None:
                    role = role_services.create_role(
                        **kwargs, **form.cleaned_data, rules=ordered_rules(formset)
                    )
                else:
                    role = role_services.update_role(
                        role, **kwargs, **form.cleaned_data, rules=ordered_rules(formset)
                    )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "rules" in exc.error_dict:
                    rules_error = " ".join(exc.message_dict.pop("rules"))
                    form.add_error(None, f"Rules: {rules_error}")
                    rest = {k: v for k, v in exc.message_dict.items()}
                    if rest:
                        apply_errors(form, ValidationError(rest))
                else:
                    apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, f"Role {role.name} saved.")
                return redirect("portal:role_detail", pk=role.pk)
        return self.render_form(self.get_role(pk), form, formset)

    @staticmethod
    def _more_rows(data, formset):
        """The same rows plus ``EXTRA_RULES`` blank ones (management form bumped)."""
        data = data.copy()
        total = int(data.get("rules-TOTAL_FORMS", 0) or 0)
        data["rules-TOTAL_FORMS"] = str(total + EXTRA_RULES)
        return RuleFormSet(data, prefix="rules")


class RoleDeleteView(PortalView):
    """GET: a confirmation page; POST: delete through the service."""

    admin_only = True

    def get_role(self, pk):
        return get_object_or_404(Role.objects.restrict(self.request.user, "delete"), pk=pk)

    def get(self, request, pk):
        role = self.get_role(pk)
        return render(
            request,
            "ui/confirm_delete.html",
            {
                "title": f"Delete role {role.name}",
                "object": role,
                "message": f"Delete the role {role.name} and its {role.rules.count()} rules?",
                "cancel_url": reverse("portal:role_detail", args=[role.pk]),
                "blocked": "Default roles cannot be deleted." if role.is_default else "",
            },
        )

    def post(self, request, pk):
        role = self.get_role(pk)
        try:
            role_services.delete_role(
                role, acting_user=request.user, client_ip=getattr(request, "client_ip", None)
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
            return redirect("portal:role_detail", pk=role.pk)
        messages.success(request, f"Role {role.name} deleted.")
        return redirect("portal:role_list")
