"""Tenancy API: domains, accounts, users, projects, roles, API keys and resource limits.

Every fetch goes through ``restrict()`` (another tenant's object is a 404) and every write
through a service in ``portal.services`` (which also checks the actor's scope: 403).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import tenancy_serializers as ts
from portal.api.viewsets import PortalModelViewSet
from portal.filtersets_tenancy import (
    AccountFilterSet,
    ApiKeyPairFilterSet,
    DomainFilterSet,
    ProjectFilterSet,
    ResourceLimitFilterSet,
    RoleFilterSet,
    UserFilterSet,
)
from portal.models import Account, ApiKeyPair, Domain, Project, ResourceLimit, Role
from portal.querysets import is_domain_admin, is_root_admin
from portal.services import accounts, apikeys, domains, limits, projects, roles, users
from portal.services.tenancy import ancestors, is_tenancy_admin

User = get_user_model()


class TenancyPermission(permissions.BasePermission):
    """Anyone authenticated reads; the view's ``admin_actions`` need a root or domain admin.

    Other writes are decided by the object's queryset (404 when out of scope) and by the
    service (403 when in sight but not the actor's to change).
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action in getattr(view, "admin_actions", ()):
            return is_tenancy_admin(request.user)
        return True


class IsRootAdminOrReadOnly(permissions.BasePermission):
    """Roles: everyone reads; only superusers and Root Admin accounts write."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        account = getattr(user, "account", None)
        return user.is_superuser or (account is not None and account.account_type == 1)


class TenancyViewSet(PortalModelViewSet):
    permission_classes = [TenancyPermission]
    admin_actions: tuple[str, ...] = ("create",)

    def _state_change(self, service, serializer_class=None):
        """Run a detail verb's service and answer with the updated object."""
        obj = service(self.get_object(), **self._actor())
        serializer_class = serializer_class or self.get_serializer_class()
        return Response(serializer_class(obj, context=self.get_serializer_context()).data)


class DomainViewSet(TenancyViewSet):
    """The domain tree. Root admins manage all; domain admins the domains below theirs."""

    queryset = Domain.objects.select_related("parent")
    serializer_class = ts.DomainSerializer
    filterset_class = DomainFilterSet
    ordering_fields = ["id", "name", "path", "created"]
    create_service = staticmethod(domains.create_domain)
    update_service = staticmethod(domains.update_domain)
    delete_service = staticmethod(domains.delete_domain)


class AccountViewSet(TenancyViewSet):
    """Accounts; ``enable``, ``disable`` and ``lock`` answer with the updated account."""

    queryset = Account.objects.select_related("domain", "role")
    serializer_class = ts.AccountSerializer
    filterset_class = AccountFilterSet
    ordering_fields = ["id", "name", "created"]
    admin_actions = ("create", "enable", "disable", "lock")
    create_service = staticmethod(accounts.create_account)
    update_service = staticmethod(accounts.update_account)
    delete_service = staticmethod(accounts.delete_account)

    @extend_schema(request=None, responses=ts.AccountSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        return self._state_change(accounts.enable_account)

    @extend_schema(request=None, responses=ts.AccountSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        return self._state_change(accounts.disable_account)

    @extend_schema(request=None, responses=ts.AccountSerializer)
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        return self._state_change(accounts.lock_account)

    @extend_schema(responses=ts.AccountUsageSerializer)
    @action(detail=True, methods=["get"])
    def usage(self, request, pk=None):
        """What the account uses now, and its own limits (-1 = unlimited)."""
        account = self.get_object()
        own = dict(account.limits.values_list("resource_type", "max"))
        usage = limits.account_usage(account)
        data = {
            "account": account.pk,
            "usage": {str(k): v for k, v in usage.items()},
            "limits": {str(k): own.get(str(k), -1) for k in usage},
        }
        return Response(ts.AccountUsageSerializer(data).data)


class UserViewSet(TenancyViewSet):
    """Users. Tenants see their account's users and change only themselves."""

    queryset = User.objects.select_related("account")
    serializer_class = ts.UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ["id", "username", "date_joined"]
    create_service = staticmethod(users.create_user)
    update_service = staticmethod(users.update_user)
    delete_service = staticmethod(users.delete_user)

    @extend_schema(request=ts.PasswordChangeSerializer, responses=ts.UserSerializer)
    @action(detail=True, methods=["post"])
    def password(self, request, pk=None):
        """Change the password: your own with ``old_password``; admins reset others'."""
        user = self.get_object()
        form = ts.PasswordChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        users.change_password(user, **self._actor(), **form.validated_data)
        return Response(ts.UserSerializer(user, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ts.UserSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        return self._state_change(users.enable_user)

    @extend_schema(request=None, responses=ts.UserSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        return self._state_change(users.disable_user)

    @extend_schema(request=None, responses=ts.UserSerializer)
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        return self._state_change(users.lock_user)


class ProjectViewSet(TenancyViewSet):
    """Projects: their owner account and members see them; the owner and admins change them."""

    queryset = Project.objects.select_related("domain", "account").prefetch_related("members")
    serializer_class = ts.ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ["id", "name", "created"]
    admin_actions = ()
    create_service = staticmethod(projects.create_project)
    update_service = staticmethod(projects.update_project)
    delete_service = staticmethod(projects.delete_project)

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        account = getattr(user, "account", None)
        if self.request.method in permissions.SAFE_METHODS and account and not is_root_admin(user):
            member_of = Project.objects.filter(members=account).values("pk")
            queryset = self.queryset.filter(Q(pk__in=queryset.values("pk")) | Q(pk__in=member_of))
        return queryset


class RoleViewSet(PortalModelViewSet):
    """Roles and their ordered rules. Everyone reads; root admins write."""

    queryset = Role.objects.prefetch_related("rules")
    serializer_class = ts.RoleSerializer
    filterset_class = RoleFilterSet
    permission_classes = [IsRootAdminOrReadOnly]
    ordering_fields = ["id", "name"]
    create_service = staticmethod(roles.create_role)
    update_service = staticmethod(roles.update_role)
    delete_service = staticmethod(roles.delete_role)

    @extend_schema(
        parameters=[
            OpenApiParameter("command", OpenApiTypes.STR, required=True, description="API name")
        ],
        responses=ts.RoleCheckSerializer,
    )
    @action(detail=True, methods=["get"])
    def check(self, request, pk=None):
        """Does the role allow ``command`` (first matching rule decides; none denies)?"""
        role = self.get_object()
        command = request.query_params.get("command", "").strip()
        if not command:
            raise serializers.ValidationError({"command": "This parameter is required."})
        data = {"role": role.pk, "command": command, "allowed": role.allows(command)}
        return Response(ts.RoleCheckSerializer(data).data)


class ApiKeyPairViewSet(TenancyViewSet):
    """API key pairs. Creating one answers with its secret key, once; lists never show it.

    Users see their own keys; admins also those of the users in their scope.
    """

    queryset = ApiKeyPair.objects.select_related("user")
    serializer_class = ts.ApiKeyPairSerializer
    filterset_class = ApiKeyPairFilterSet
    ordering_fields = ["id", "name", "created", "last_used"]
    admin_actions = ()
    create_service = staticmethod(apikeys.create_api_key)
    update_service = staticmethod(apikeys.update_api_key)
    delete_service = staticmethod(apikeys.delete_api_key)

    def get_queryset(self):
        user = self.request.user
        if is_tenancy_admin(user):
            return super().get_queryset()
        return self.queryset.filter(user=user) if user.is_authenticated else self.queryset.none()

    @extend_schema(responses={201: ts.ApiKeyPairCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = apikeys.create_api_key(**self._actor(), **serializer.validated_data)
        data = ts.ApiKeyPairCreatedSerializer(pair, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ts.ApiKeyPairSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the key pair: requests signed with it are refused from now on."""
        return self._state_change(apikeys.revoke_api_key)


class ResourceLimitViewSet(TenancyViewSet):
    """Resource limits. Users see their account's and their domains'; admins set them.

    ``POST`` sets a limit (creating it, 201, or updating the existing one, 200).
    """

    queryset = ResourceLimit.objects.select_related("account", "domain")
    serializer_class = ts.ResourceLimitSerializer
    filterset_class = ResourceLimitFilterSet
    ordering_fields = ["id", "resource_type", "max"]
    update_service = staticmethod(limits.update_resource_limit)
    delete_service = staticmethod(limits.delete_resource_limit)

    def get_queryset(self):
        user = self.request.user
        if is_root_admin(user):
            return self.queryset
        account = getattr(user, "account", None)
        if account is None:
            return self.queryset.none()
        above = Q(domain__in=ancestors(account.domain))
        if is_domain_admin(user):
            base = account.domain.path
            scope = Q(account__domain__path__startswith=base) | Q(domain__path__startswith=base)
            if self.request.method in permissions.SAFE_METHODS:
                scope |= above
            return self.queryset.filter(scope)
        if self.request.method not in permissions.SAFE_METHODS:
            return self.queryset.none()
        return self.queryset.filter(Q(account=account) | above)

    @extend_schema(responses={201: ts.ResourceLimitSerializer, 200: ts.ResourceLimitSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        limit, created = limits.set_resource_limit(**self._actor(), **serializer.validated_data)
        data = self.get_serializer(limit).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
