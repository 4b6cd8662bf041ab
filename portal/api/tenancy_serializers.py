"""Serializers of the tenancy API: domains, accounts, users, projects, roles, API keys, limits.

Uniqueness and scope rules are checked by the services (``portal.services.*``), which answer
with field errors; the serializers' own unique validators are switched off so the same rule
never answers in two shapes.
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.serializers import PortalModelSerializer
from portal.choices import AccountState, ResourceType
from portal.models import Account, ApiKeyPair, Domain, Project, ResourceLimit, Role, RolePermission

User = get_user_model()


@extend_schema_field(
    {"type": "string", "enum": AccountState.values, "description": "Account state"},
    component_name="AccountStateEnum",
)
class AccountStateField(serializers.ChoiceField):
    """Read-only state of a domain, account or user (changed by the lifecycle verbs).

    Its own schema component: the field name ``state`` is shared by many choice sets.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(choices=AccountState.choices, **kwargs)


class DomainSerializer(PortalModelSerializer):
    state = AccountStateField()
    level = serializers.IntegerField(read_only=True)

    class Meta:
        model = Domain
        url_basename = "domain"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "parent",
            "path",
            "level",
            "network_domain",
            "state",
            "created",
            "updated",
        ]
        read_only_fields = ["path", "state"]
        extra_kwargs = {"parent": {"required": True, "allow_null": False}}
        validators = []


class AccountSerializer(PortalModelSerializer):
    """An account; ``username``/``password``/``email`` on create also make its first user."""

    state = AccountStateField()

    username = serializers.CharField(write_only=True, required=False, max_length=150)
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}, trim_whitespace=False
    )
    email = serializers.EmailField(write_only=True, required=False)
    first_name = serializers.CharField(write_only=True, required=False, max_length=150)
    last_name = serializers.CharField(write_only=True, required=False, max_length=150)
    account_type_label = serializers.CharField(source="get_account_type_display", read_only=True)

    class Meta:
        model = Account
        url_basename = "account"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "domain",
            "account_type",
            "account_type_label",
            "role",
            "state",
            "network_domain",
            "created",
            "updated",
            "username",
            "password",
            "email",
            "first_name",
            "last_name",
        ]
        read_only_fields = ["state"]
        extra_kwargs = {"role": {"required": False}}
        validators = []


class AccountUsageSerializer(serializers.Serializer):
    """An account's current usage and its own limits, by resource type."""

    account = serializers.IntegerField()
    usage = serializers.DictField(child=serializers.IntegerField())
    limits = serializers.DictField(child=serializers.IntegerField())


class UserSerializer(PortalModelSerializer):
    state = AccountStateField()
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}, trim_whitespace=False
    )

    class Meta:
        model = User
        url_basename = "user"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "username",
            "password",
            "email",
            "first_name",
            "last_name",
            "timezone",
            "account",
            "state",
            "is_active",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["state", "is_active", "last_login", "date_joined"]
        extra_kwargs = {
            "account": {"required": True, "allow_null": False},
            "username": {"validators": []},
        }

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": "This field is required."})
        return attrs


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}, trim_whitespace=False
    )
    new_password = serializers.CharField(
        write_only=True, style={"input_type": "password"}, trim_whitespace=False
    )


class ProjectSerializer(PortalModelSerializer):
    class Meta:
        model = Project
        url_basename = "project"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "display_text",
            "domain",
            "account",
            "members",
            "state",
            "created",
            "updated",
        ]
        extra_kwargs = {
            "domain": {"required": False},
            "account": {"required": False},
            "members": {"required": False},
        }
        validators = []


class RolePermissionSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="sort_order", required=False, min_value=0)

    class Meta:
        model = RolePermission
        fields = ["id", "rule", "permission", "description", "order"]
        read_only_fields = ["id"]
        validators = []


class RoleSerializer(PortalModelSerializer):
    rules = RolePermissionSerializer(many=True, required=False)

    class Meta:
        model = Role
        url_basename = "role"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "role_type",
            "description",
            "is_default",
            "read_only",
            "rules",
            "created",
            "updated",
        ]
        read_only_fields = ["is_default"]
        extra_kwargs = {"name": {"validators": []}}


class RoleCheckSerializer(serializers.Serializer):
    role = serializers.IntegerField()
    command = serializers.CharField()
    allowed = serializers.BooleanField()


class ApiKeyPairSerializer(PortalModelSerializer):
    """A key pair as listed: the secret key is never part of it."""

    class Meta:
        model = ApiKeyPair
        url_basename = "apikey"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "user",
            "api_key",
            "revoked",
            "last_used",
            "created",
            "updated",
        ]
        read_only_fields = ["api_key", "revoked", "last_used"]
        extra_kwargs = {"user": {"required": False}}


class ApiKeyPairCreatedSerializer(ApiKeyPairSerializer):
    """The answer to creating a key pair: the only time the secret key is shown."""

    secret_key = serializers.CharField(read_only=True)

    class Meta(ApiKeyPairSerializer.Meta):
        fields = [*ApiKeyPairSerializer.Meta.fields, "secret_key"]


class ResourceLimitSerializer(PortalModelSerializer):
    resource_type = serializers.ChoiceField(choices=ResourceType.choices)
    max = serializers.IntegerField(min_value=-1)

    class Meta:
        model = ResourceLimit
        url_basename = "resourcelimit"
        fields = ["id", "url", "display", "resource_type", "account", "domain", "max"]
        validators = []

    @extend_schema_field(serializers.CharField())
    def get_display(self, obj) -> str:
        return f"{obj.account or obj.domain}: {obj.resource_type}={obj.max}"
