"""Tenancy pages: domains, accounts (with limits) and users (roles: portal/ui/roles.py)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from portal.choices import AccountState, ResourceType
from portal.filtersets_tenancy import (
    AccountFilterSet,
    DomainFilterSet,
    UserFilterSet,
)
from portal.models import Account, Domain, ResourceLimit, User
from portal.services import accounts as account_services
from portal.services import domains as domain_services
from portal.services import users as user_services
from portal.services.limits import account_usage, set_resource_limit
from portal.ui.forms import (
    AccountEditForm,
    AccountForm,
    DomainEditForm,
    DomainForm,
    UserEditForm,
    UserForm,
)
from portal.ui.htmx import error_text
from portal.ui.tables import Column, Table
from portal.ui.views import (
    BulkAction,
    ObjectDetailView,
    ObjectListView,
    ServiceEditView,
    ServiceFormView,
)


class DomainTable(Table):
    detail_url = "portal:domain_edit"
    columns = [
        Column("name", sort="name", link=True),
        Column("path", sort="path"),
        Column("state", badge=AccountState),
        Column("network_domain"),
    ]


class DomainListView(ObjectListView):
    tenancy_admin_only = True
    queryset = Domain.objects.all()
    filterset = DomainFilterSet
    table = DomainTable
    title = "Domains"
    filter_fields = ("state",)
    create_url = "portal:domain_create"
    bulk_actions = {
        "delete": BulkAction(
            "Delete", domain_services.delete_domain, "Delete the selected domains?", True
        )
    }


class DomainCreateView(ServiceFormView):
    tenancy_admin_only = True
    form_class = DomainForm
    title = "Add domain"

    def call_service(self, form):
        return domain_services.create_domain(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("portal:domain_list")


class AccountTable(Table):
    detail_url = "portal:account_detail"
    columns = [
        Column("name", sort="name", link=True),
        Column("domain", accessor="domain.path", sort="domain__path"),
        Column("account_type", "Type", accessor=lambda a: a.get_account_type_display()),
        Column("role", accessor="role.name"),
        Column("state", sort="state", badge=AccountState),
    ]


class AccountListView(ObjectListView):
    tenancy_admin_only = True
    queryset = Account.objects.select_related("domain", "role")
    filterset = AccountFilterSet
    table = AccountTable
    title = "Accounts"
    filter_fields = ("state", "account_type")
    create_url = "portal:account_create"
    bulk_actions = {
        "enable": BulkAction("Enable", account_services.enable_account),
        "disable": BulkAction(
            "Disable", account_services.disable_account, "Disable the selected accounts?", True
        ),
        "delete": BulkAction(
            "Delete", account_services.delete_account, "Delete the selected accounts?", True
        ),
    }


class AccountCreateView(ServiceFormView):
    tenancy_admin_only = True
    form_class = AccountForm
    title = "Add account"

    def call_service(self, form):
        return account_services.create_account(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("portal:account_detail", args=[result.pk])


class AccountDetailView(ObjectDetailView):
    tenancy_admin_only = True
    queryset = Account.objects.select_related("domain", "role")
    template_name = "portal/account_detail.html"

    def get_extra_context(self, obj):
        usage = account_usage(obj)
        limits = dict(ResourceLimit.objects.filter(account=obj).values_list("resource_type", "max"))
        rows = [
            {
                "type": value,
                "label": label,
                "used": usage.get(value, "—"),
                "max": limits.get(value, -1),
            }
            for value, label in ResourceType.choices
        ]
        return {"limits": rows, "users": obj.users.all()}

    def post(self, request, pk):
        """Set one resource limit (CloudStack's updateResourceLimit)."""
        account = self.get_object(pk, "change")
        resource_type = request.POST.get("resource_type", "")
        try:
            maximum = int(request.POST.get("max", ""))
            set_resource_limit(
                **self.service_kwargs(),
                account=account,
                resource_type=resource_type,
                max=maximum,
            )
            messages.success(request, f"Limit of {resource_type} set to {maximum}.")
        except ValueError:
            messages.error(request, "The limit must be a whole number (-1 for unlimited).")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        return redirect("portal:account_detail", pk=account.pk)


class UserTable(Table):
    detail_url = "portal:user_edit"
    columns = [
        Column("username", sort="username", link=True),
        Column("email", sort="email"),
        Column("account", accessor="account.name", sort="account__name"),
        Column("domain", accessor="account.domain.path"),
        Column("state", sort="state", badge=AccountState),
        Column("failed_logins", "Failed logins"),
        Column(
            "last_login",
            render=lambda u: u.last_login.strftime("%Y-%m-%d %H:%M") if u.last_login else "—",
        ),
    ]


class UserListView(ObjectListView):
    tenancy_admin_only = True
    queryset = User.objects.select_related("account__domain")
    filterset = UserFilterSet
    table = UserTable
    title = "Users"
    filter_fields = ("state",)
    create_url = "portal:user_create"
    bulk_actions = {
        "enable": BulkAction("Enable (unlock)", user_services.enable_user),
        "disable": BulkAction(
            "Disable", user_services.disable_user, "Disable the selected users?", True
        ),
        "delete": BulkAction(
            "Delete", user_services.delete_user, "Delete the selected users?", True
        ),
    }


class UserCreateView(ServiceFormView):
    tenancy_admin_only = True
    form_class = UserForm
    title = "Add user"

    def call_service(self, form):
        return user_services.create_user(**self.service_kwargs(), **form.cleaned_data)

    def success_url(self, result):
        return reverse("portal:user_list")


class AccountEditView(ServiceEditView):
    tenancy_admin_only = True
    queryset = Account.objects.all()
    form_class = AccountEditForm
    update_service = account_services.update_account
    fields = ("name", "network_domain")
    title = "Edit account"

    def success_url(self, result):
        return reverse("portal:account_detail", args=[result.pk])


class UserEditView(ServiceEditView):
    tenancy_admin_only = True
    queryset = User.objects.all()
    form_class = UserEditForm
    update_service = user_services.update_user
    fields = ("email", "first_name", "last_name")
    title = "Edit user"

    def success_url(self, result):
        return reverse("portal:user_list")


class DomainEditView(ServiceEditView):
    tenancy_admin_only = True
    queryset = Domain.objects.all()
    form_class = DomainEditForm
    update_service = domain_services.update_domain
    fields = ("name", "network_domain")
    title = "Edit domain"

    def success_url(self, result):
        return reverse("portal:domain_list")
