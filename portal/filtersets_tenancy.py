"""FilterSets of the tenancy objects (shared by UI lists and the API)."""

import django_filters
from django.contrib.auth import get_user_model

from compute.filtersets import PortalFilterSet
from portal.choices import ResourceType
from portal.models import Account, ApiKeyPair, Domain, Project, ResourceLimit, Role


class DomainFilterSet(PortalFilterSet):
    search_fields = ("name", "path", "network_domain")
    path_startswith = django_filters.CharFilter(
        field_name="path", lookup_expr="startswith", label="Path starts with"
    )

    class Meta:
        model = Domain
        fields = ["name", "parent", "path", "state"]


class AccountFilterSet(PortalFilterSet):
    search_fields = ("name", "domain__name", "network_domain")

    class Meta:
        model = Account
        fields = ["name", "domain", "account_type", "role", "state"]


class UserFilterSet(PortalFilterSet):
    search_fields = ("username", "email", "first_name", "last_name")
    domain = django_filters.NumberFilter(field_name="account__domain", label="Domain")

    class Meta:
        model = get_user_model()
        fields = ["username", "email", "account", "state", "is_active"]


class ProjectFilterSet(PortalFilterSet):
    search_fields = ("name", "display_text")
    member = django_filters.NumberFilter(field_name="members", label="Member account")

    class Meta:
        model = Project
        fields = ["name", "domain", "account", "state"]


class RoleFilterSet(PortalFilterSet):
    search_fields = ("name", "description")

    class Meta:
        model = Role
        fields = ["name", "role_type", "is_default", "read_only"]


class ApiKeyPairFilterSet(PortalFilterSet):
    search_fields = ("name", "api_key")

    class Meta:
        model = ApiKeyPair
        fields = ["name", "user", "revoked"]


class ResourceLimitFilterSet(django_filters.FilterSet):
    resource_type = django_filters.ChoiceFilter(choices=ResourceType.choices)

    class Meta:
        model = ResourceLimit
        fields = ["resource_type", "account", "domain"]
