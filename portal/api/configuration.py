"""REST API of configuration settings (root admins): /api/portal/configurations/.

``GET`` lists every key with its value at ``?scope=...&object=<uuid>`` (global by default),
filtered by ``group``, ``subgroup``, ``category`` or ``q`` (in the name); ``PATCH
/configurations/<name>/`` with ``value`` (and ``scope``/``object``) changes it; ``POST
/configurations/<name>/reset/`` resets it. The same services serve ``/client/api``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from portal.config.keys import GLOBAL, SCOPES
from portal.querysets import is_root_admin
from portal.services import configuration as services

SETTABLE_SCOPES = [s for s in SCOPES if s == GLOBAL or s in services.SCOPE_MODELS]


class IsRootAdmin(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and is_root_admin(request.user))


class ConfigurationSerializer(serializers.Serializer):
    """A setting and its value at one scope (secret values are masked)."""

    name = serializers.CharField(source="key.name")
    category = serializers.CharField(source="key.category")
    group = serializers.CharField(source="key.group")
    subgroup = serializers.CharField(source="key.subgroup")
    type = serializers.CharField(source="key.type")
    description = serializers.CharField(source="key.description")
    default = serializers.CharField(source="key.default")
    scopes = serializers.ListField(source="key.scopes", child=serializers.CharField())
    is_dynamic = serializers.BooleanField(source="key.is_dynamic")
    value = serializers.CharField(source="shown_value")
    scope = serializers.CharField()
    object = serializers.SerializerMethodField()

    def get_object(self, setting) -> str | None:
        return str(setting.obj.uuid) if setting.obj is not None else None


class ScopeSerializer(serializers.Serializer):
    scope = serializers.CharField(
        default=GLOBAL, help_text="global, " + ", ".join(SETTABLE_SCOPES[1:])
    )
    object = serializers.UUIDField(required=False)

    def validate_scope(self, value: str) -> str:
        if value not in SETTABLE_SCOPES:
            raise serializers.ValidationError(f"Use one of {', '.join(SETTABLE_SCOPES)}.")
        return value

    def validate(self, attrs):
        scope, uuid = attrs["scope"], attrs.get("object")
        if scope == GLOBAL:
            if uuid is not None:
                raise serializers.ValidationError({"object": "Not accepted at global scope."})
            attrs["obj"] = None
            return attrs
        if uuid is None:
            raise serializers.ValidationError({"object": f"The {scope} is required."})
        obj = services.scope_model(scope).objects.filter(uuid=uuid).first()
        if obj is None:
            raise serializers.ValidationError({"object": f"No {scope} with this UUID."})
        attrs["obj"] = obj
        return attrs


class ConfigurationUpdateSerializer(ScopeSerializer):
    value = serializers.CharField(allow_blank=True, trim_whitespace=False)


FILTERS = [
    OpenApiParameter("scope", str, description="global, " + ", ".join(SETTABLE_SCOPES[1:])),
    OpenApiParameter("object", str, description="UUID of the scope's object"),
    OpenApiParameter("group", str),
    OpenApiParameter("subgroup", str),
    OpenApiParameter("category", str),
    OpenApiParameter("q", str, description="part of the name"),
]


class ConfigurationViewSet(viewsets.ViewSet):
    """CloudStack's configuration settings, at global or one object's scope."""

    permission_classes = [IsRootAdmin]
    serializer_class = ConfigurationSerializer
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"

    def _scope(self, data):
        scope = ScopeSerializer(data=data)
        scope.is_valid(raise_exception=True)
        return scope.validated_data["scope"], scope.validated_data["obj"]

    @extend_schema(parameters=FILTERS, responses=ConfigurationSerializer(many=True))
    def list(self, request):
        scope, obj = self._scope(request.query_params)
        rows = services.settings_at(scope, obj)
        for param in ("group", "subgroup", "category"):
            wanted = request.query_params.get(param)
            if wanted:
                rows = [s for s in rows if getattr(s.key, param).lower() == wanted.lower()]
        if request.query_params.get("q"):
            rows = [s for s in rows if request.query_params["q"].lower() in s.key.name]
        return Response(ConfigurationSerializer(rows, many=True).data)

    def _setting(self, name, scope, obj):
        try:
            key = services.key_or_error(name)
        except services.UnknownKey:
            raise NotFound(f"No setting {name}.") from None
        if scope != GLOBAL and scope not in key.scopes:
            raise ValidationError({"scope": f"{name} cannot be set at {scope} scope."})
        return key

    @extend_schema(parameters=FILTERS[:2], responses=ConfigurationSerializer)
    def retrieve(self, request, name=None):
        scope, obj = self._scope(request.query_params)
        self._setting(name, scope, obj)
        setting = next(s for s in services.settings_at(scope, obj) if s.key.name == name)
        return Response(ConfigurationSerializer(setting).data)

    @extend_schema(request=ConfigurationUpdateSerializer, responses=ConfigurationSerializer)
    def partial_update(self, request, name=None):
        data = ConfigurationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scope, obj = data.validated_data["scope"], data.validated_data["obj"]
        self._setting(name, scope, obj)
        setting = services.update_configuration(
            name,
            data.validated_data["value"],
            scope=scope,
            obj=obj,
            acting_user=request.user,
            client_ip=getattr(request, "client_ip", None),
        )
        return Response(ConfigurationSerializer(setting).data)

    @extend_schema(request=ScopeSerializer, responses=ConfigurationSerializer)
    @action(detail=True, methods=["post"])
    def reset(self, request, name=None):
        scope, obj = self._scope(request.data)
        self._setting(name, scope, obj)
        setting = services.reset_configuration(
            name,
            scope=scope,
            obj=obj,
            acting_user=request.user,
            client_ip=getattr(request, "client_ip", None),
        )
        return Response(ConfigurationSerializer(setting).data)
