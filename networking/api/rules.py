"""Network rules API: firewall, port forwarding and egress rules, static NAT on public IPs
and security groups.

Every write calls :mod:`networking.services.rules` or
:mod:`networking.services.security_groups`; where the network element has to push rules to
the hosts the answer is 202 with the apply job (and the new rule). Objects are fetched
through ``restrict()``: another tenant's rule, IP, instance or group is a 404 (or a
"does not exist" field error when referenced in a body).
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compute.filtersets import PortalFilterSet
from compute.models import Instance
from networking.api import views
from networking.models import IPAddress, Network, Nic
from networking.models_rules import (
    EgressRule,
    FirewallRule,
    PortForwardingRule,
    RuleDirection,
    RuleState,
    SecurityGroup,
    SecurityGroupRule,
    StaticNat,
)
from networking.services import rules as svc
from networking.services import security_groups as sg
from portal.api.serializers import BriefRelatedField, JobSerializer, PortalModelSerializer
from portal.api.viewsets import ServiceViewMixin
from portal.models import Account

# Serializers --------------------------------------------------------------------------------

MATCH_FIELDS = ["protocol", "start_port", "end_port", "icmp_type", "icmp_code", "cidr_list"]


class MatchInputSerializer(serializers.Serializer):
    """Protocol, ports or ICMP type/code and CIDRs; the service normalises and checks them."""

    protocol = serializers.CharField(max_length=8, help_text="tcp, udp, icmp or all")
    start_port = serializers.IntegerField(required=False, allow_null=True)
    end_port = serializers.IntegerField(required=False, allow_null=True)
    icmp_type = serializers.IntegerField(required=False, allow_null=True)
    icmp_code = serializers.IntegerField(required=False, allow_null=True)
    cidr_list = serializers.ListField(
        child=serializers.CharField(max_length=43),
        required=False,
        help_text="IPv4 CIDRs (default: 0.0.0.0/0, or the network's CIDR for egress rules)",
    )


class _RuleOutputFields(serializers.Serializer):
    """Rule state and protocol as plain strings in the schema (their value sets differ
    between the rule models and would collide with other ``state`` enums)."""

    protocol = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True, help_text="Add, Active, Revoke or Error")


class FirewallRuleSerializer(_RuleOutputFields, PortalModelSerializer):
    class Meta:
        model = FirewallRule
        url_basename = "firewallrule"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "ip_address",
            "network",
            "account",
            *MATCH_FIELDS,
            "purpose",
            "port_forwarding_rule",
            "state",
            "created",
            "updated",
        ]
        read_only_fields = fields


class FirewallRuleInputSerializer(MatchInputSerializer):
    ip_address = BriefRelatedField(queryset=IPAddress.objects.all())


class PortForwardingRuleSerializer(_RuleOutputFields, PortalModelSerializer):
    cidr_list = serializers.SerializerMethodField()

    class Meta:
        model = PortForwardingRule
        url_basename = "portforwardingrule"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "ip_address",
            "protocol",
            "public_start_port",
            "public_end_port",
            "private_start_port",
            "private_end_port",
            "instance",
            "nic",
            "network",
            "account",
            "cidr_list",
            "state",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_cidr_list(self, obj) -> list[str]:
        """Sources the firewall rule opened with this rule allows."""
        return sorted({c for fw in obj.firewall_rules.all() for c in fw.cidr_list})


class PortForwardingRuleInputSerializer(serializers.Serializer):
    ip_address = BriefRelatedField(queryset=IPAddress.objects.all())
    protocol = serializers.CharField(max_length=8, help_text="tcp or udp")
    public_start_port = serializers.IntegerField()
    public_end_port = serializers.IntegerField(required=False, allow_null=True)
    private_start_port = serializers.IntegerField()
    private_end_port = serializers.IntegerField(required=False, allow_null=True)
    instance = BriefRelatedField(queryset=Instance.objects.all())
    nic = BriefRelatedField(
        queryset=Nic.objects.all(),
        required=False,
        allow_null=True,
        help_text="The instance's NIC on the IP's network (default: found from the network)",
    )
    open_firewall = serializers.BooleanField(
        default=True, help_text="Also open the public ports with a firewall rule"
    )
    cidr_list = serializers.ListField(
        child=serializers.CharField(max_length=43),
        required=False,
        help_text="Sources the opened firewall rule allows (default: 0.0.0.0/0)",
    )


class EgressRuleSerializer(_RuleOutputFields, PortalModelSerializer):
    class Meta:
        model = EgressRule
        url_basename = "egressrule"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "network",
            "account",
            *MATCH_FIELDS,
            "state",
            "created",
            "updated",
        ]
        read_only_fields = fields


class EgressRuleInputSerializer(MatchInputSerializer):
    network = BriefRelatedField(queryset=Network.objects.filter(removed__isnull=True))


class StaticNatSerializer(PortalModelSerializer):
    state = serializers.CharField(read_only=True, help_text="Add, Active, Revoke or Error")

    class Meta:
        model = StaticNat
        fields = [
            "id",
            "uuid",
            "display",
            "ip_address",
            "instance",
            "nic",
            "network",
            "account",
            "state",
            "created",
            "updated",
        ]
        read_only_fields = fields


class EnableStaticNatSerializer(serializers.Serializer):
    instance = BriefRelatedField(queryset=Instance.objects.all())
    nic = BriefRelatedField(
        queryset=Nic.objects.all(),
        required=False,
        allow_null=True,
        help_text="The instance's NIC on the IP's network (default: found from the network)",
    )


class SecurityGroupRuleSerializer(_RuleOutputFields, PortalModelSerializer):
    class Meta:
        model = SecurityGroupRule
        fields = [
            "id",
            "uuid",
            "display",
            "direction",
            *MATCH_FIELDS,
            "remote_group",
            "state",
        ]
        read_only_fields = fields


class SecurityGroupSerializer(PortalModelSerializer):
    account = BriefRelatedField(
        queryset=Account.objects.all(),
        required=False,
        help_text="Owner (default: your account); admins may create for accounts they manage.",
    )
    rules = SecurityGroupRuleSerializer(many=True, read_only=True)
    instances = BriefRelatedField(many=True, read_only=True)

    class Meta:
        model = SecurityGroup
        url_basename = "securitygroup"
        validators: list = []  # the service checks the per-account name
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "name",
            "description",
            "account",
            "rules",
            "instances",
            "created",
            "updated",
        ]


class AuthorizeSerializer(MatchInputSerializer):
    remote_groups = BriefRelatedField(
        queryset=SecurityGroup.objects.all(),
        many=True,
        required=False,
        help_text="Allow the members of these groups (instead of, or besides, CIDRs)",
    )


class RevokeSerializer(serializers.Serializer):
    rules = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, help_text="Ids of rules of this group"
    )


def _job_with(name: str, field: str, serializer) -> type[serializers.Serializer]:
    """The 202 answer of a create: the apply job and the new object (for the schema)."""
    return type(name, (JobSerializer,), {field: serializer, "__module__": __name__})


FirewallRuleJobSerializer = _job_with("FirewallRuleJob", "rule", FirewallRuleSerializer())
PortForwardingRuleJobSerializer = _job_with(
    "PortForwardingRuleJob", "rule", PortForwardingRuleSerializer()
)
EgressRuleJobSerializer = _job_with("EgressRuleJob", "rule", EgressRuleSerializer())
StaticNatJobSerializer = _job_with("StaticNatJob", "static_nat", StaticNatSerializer())
AuthorizeJobSerializer = _job_with(
    "SecurityGroupAuthorizeJob", "rules", SecurityGroupRuleSerializer(many=True)
)


class RevokeResultSerializer(serializers.Serializer):
    jobs = JobSerializer(many=True)
    revoked = serializers.ListField(child=serializers.IntegerField())


# Filters ------------------------------------------------------------------------------------


class FirewallRuleFilterSet(PortalFilterSet):
    search_fields = ("ip_address__address",)

    class Meta:
        model = FirewallRule
        fields = ["ip_address", "network", "account", "protocol", "state"]


class PortForwardingRuleFilterSet(PortalFilterSet):
    search_fields = ("ip_address__address", "nic__ip_address", "instance__name")

    class Meta:
        model = PortForwardingRule
        fields = ["ip_address", "network", "instance", "account", "protocol", "state"]


class EgressRuleFilterSet(PortalFilterSet):
    search_fields = ("network__name",)

    class Meta:
        model = EgressRule
        fields = ["network", "account", "protocol", "state"]


class SecurityGroupFilterSet(PortalFilterSet):
    instance = django_filters.NumberFilter(field_name="instances", label="Member instance")

    class Meta:
        model = SecurityGroup
        fields = ["name", "account"]


# Views --------------------------------------------------------------------------------------


class _RuleViewSet(
    ServiceViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List/detail; create and delete answer 202 with the network element's apply job."""

    input_serializer_class: type[serializers.Serializer]
    ordering_fields = ["id", "created", "state"]

    def create_rule(self, data: dict):
        raise NotImplementedError

    def delete_rule(self, rule):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        rule, job = self.create_rule(self._input(self.input_serializer_class))
        rule = type(self).queryset.get(pk=rule.pk)
        return self.job_response(job, rule=self.get_serializer(rule).data)

    def destroy(self, request, *args, **kwargs):
        rule = self.get_object()
        if rule.state == RuleState.REVOKE:
            raise ValidationError("The rule is being removed already.")
        return self.job_response(self.delete_rule(rule))


DELETE_SCHEMA = extend_schema(request=None, responses={202: JobSerializer})


class FirewallRuleViewSet(_RuleViewSet):
    queryset = FirewallRule.objects.select_related("ip_address", "network", "account")
    serializer_class = FirewallRuleSerializer
    filterset_class = FirewallRuleFilterSet
    input_serializer_class = FirewallRuleInputSerializer

    @extend_schema(
        request=FirewallRuleInputSerializer,
        responses={202: FirewallRuleJobSerializer},
        summary="Open ingress to a public IP (CloudStack createFirewallRule)",
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_rule(self, data):
        return svc.create_firewall_rule(**self._actor(), **data)

    @DELETE_SCHEMA
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def delete_rule(self, rule):
        return svc.delete_firewall_rule(rule, **self._actor())


class PortForwardingRuleViewSet(_RuleViewSet):
    queryset = PortForwardingRule.objects.select_related(
        "ip_address", "instance", "nic", "network", "account"
    ).prefetch_related("firewall_rules")
    serializer_class = PortForwardingRuleSerializer
    filterset_class = PortForwardingRuleFilterSet
    input_serializer_class = PortForwardingRuleInputSerializer

    @extend_schema(
        request=PortForwardingRuleInputSerializer,
        responses={202: PortForwardingRuleJobSerializer},
        summary="Forward public ports to an instance (CloudStack createPortForwardingRule)",
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_rule(self, data):
        return svc.create_port_forwarding_rule(**self._actor(), **data)

    @DELETE_SCHEMA
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def delete_rule(self, rule):
        return svc.delete_port_forwarding_rule(rule, **self._actor())


class EgressRuleViewSet(_RuleViewSet):
    queryset = EgressRule.objects.select_related("network", "account")
    serializer_class = EgressRuleSerializer
    filterset_class = EgressRuleFilterSet
    input_serializer_class = EgressRuleInputSerializer

    @extend_schema(
        request=EgressRuleInputSerializer,
        responses={202: EgressRuleJobSerializer},
        summary="Egress rule of an isolated network (CloudStack createEgressFirewallRule)",
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_rule(self, data):
        return svc.create_egress_rule(**self._actor(), **data)

    @DELETE_SCHEMA
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def delete_rule(self, rule):
        return svc.delete_egress_rule(rule, **self._actor())


class IPAddressViewSet(views.IPAddressViewSet):
    """Public IPs with the static NAT verbs."""

    @extend_schema(
        request=EnableStaticNatSerializer,
        responses={202: StaticNatJobSerializer},
        summary="One-to-one NAT between the IP and an instance (CloudStack enableStaticNat)",
    )
    @action(detail=True, methods=["post"], url_path="enable-static-nat")
    def enable_static_nat(self, request, pk=None):
        ip = self.get_object()
        data = EnableStaticNatSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        nat, job = svc.enable_static_nat(
            ip,
            data.validated_data["instance"],
            nic=data.validated_data.get("nic"),
            **self._actor(),
        )
        body = StaticNatSerializer(nat, context=self.get_serializer_context()).data
        job_data = JobSerializer(job, context=self.get_serializer_context()).data
        return Response({**job_data, "static_nat": body}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={202: JobSerializer},
        summary="Remove the IP's static NAT (CloudStack disableStaticNat)",
    )
    @action(detail=True, methods=["post"], url_path="disable-static-nat")
    def disable_static_nat(self, request, pk=None):
        job = svc.disable_static_nat(self.get_object(), **self._actor())
        data = JobSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class SecurityGroupViewSet(
    ServiceViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Security groups of the accounts the user may see; rules change through the
    authorize/revoke verbs (202 with the apply job)."""

    queryset = SecurityGroup.objects.select_related("account").prefetch_related(
        "rules__remote_group", "instances"
    )
    serializer_class = SecurityGroupSerializer
    filterset_class = SecurityGroupFilterSet
    ordering_fields = ["id", "name", "created"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        account = data.pop("account", None) or self.request.user.account
        own = account.pk == self.request.user.account_id
        managed = Account.objects.restrict(self.request.user, "change").filter(pk=account.pk)
        if not own and not managed.exists():
            raise ValidationError({"account": "You may not create groups for this account."})
        serializer.instance = sg.create_security_group(**self._actor(), account=account, **data)

    def perform_destroy(self, instance):
        sg.delete_security_group(instance, **self._actor())

    def _authorize(self, direction: str) -> Response:
        group = self.get_object()
        data = self._input(AuthorizeSerializer)
        created, job = sg.authorize_security_group_rules(
            group, **self._actor(), direction=direction, **data
        )
        rules = SecurityGroupRuleSerializer(
            created, many=True, context=self.get_serializer_context()
        ).data
        return self.job_response(job, rules=rules)

    @extend_schema(
        request=AuthorizeSerializer,
        responses={202: AuthorizeJobSerializer},
        summary="Add ingress rules (CloudStack authorizeSecurityGroupIngress)",
    )
    @action(detail=True, methods=["post"], url_path="authorize-ingress")
    def authorize_ingress(self, request, pk=None):
        return self._authorize(RuleDirection.INGRESS)

    @extend_schema(
        request=AuthorizeSerializer,
        responses={202: AuthorizeJobSerializer},
        summary="Add egress rules (CloudStack authorizeSecurityGroupEgress)",
    )
    @action(detail=True, methods=["post"], url_path="authorize-egress")
    def authorize_egress(self, request, pk=None):
        return self._authorize(RuleDirection.EGRESS)

    @extend_schema(
        request=RevokeSerializer,
        responses={202: RevokeResultSerializer},
        summary="Revoke rules of the group (CloudStack revokeSecurityGroupIngress/Egress)",
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        group = self.get_object()
        ids = self._input(RevokeSerializer)["rules"]
        rules = list(group.rules.filter(pk__in=ids).exclude(state=RuleState.REVOKE))
        unknown = sorted(set(ids) - {r.pk for r in rules})
        if unknown:
            raise ValidationError(
                {"rules": f"Not live rules of {group.name}: {', '.join(map(str, unknown))}."}
            )
        with transaction.atomic():
            jobs = [sg.revoke_security_group_rule(r, **self._actor()) for r in rules]
        context = self.get_serializer_context()
        data = {
            "jobs": JobSerializer(jobs, many=True, context=context).data,
            "revoked": [r.pk for r in rules],
        }
        return Response(data, status=status.HTTP_202_ACCEPTED)
