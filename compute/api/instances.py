"""Instances: deploy (202 + job), lifecycle verbs (202 + job), detail with volumes, NICs and
job history. Every write calls :mod:`compute.lifecycle`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compute import lifecycle
from compute.api.affinity import InstanceAffinitySerializer
from compute.api.serializers import InstanceSerializer
from compute.filtersets import InstanceFilterSet
from compute.models import AffinityGroup, Host, ServiceOffering, SSHKeyPair, Zone
from compute.querysets import LIST_PREFETCH, instances_for_listing
from networking.models import Network
from networking.models_rules import SecurityGroup
from portal.api.serializers import BriefRelatedField, JobSerializer
from portal.api.serializers_core import AsyncJobSerializer
from portal.api.viewsets import ServiceViewMixin
from portal.models import Account, AsyncJob
from portal.querysets import is_root_admin
from storage.api.image_actions import InstanceIsoMixin
from storage.models import DiskOffering, Template, Volume


class DeploySerializer(serializers.Serializer):
    """What ``deploy_instance`` takes; references are limited to what the user may see."""

    zone = BriefRelatedField(queryset=Zone.objects.all())
    service_offering = BriefRelatedField(queryset=ServiceOffering.objects.all())
    template = BriefRelatedField(queryset=Template.objects.all())
    networks = BriefRelatedField(queryset=Network.objects.all(), many=True, required=False)
    disk_offering = BriefRelatedField(queryset=DiskOffering.objects.all(), required=False)
    size = serializers.IntegerField(min_value=1, required=False, help_text="Data disk GiB.")
    root_disk_size = serializers.IntegerField(min_value=1, required=False)
    cpu_number = serializers.IntegerField(min_value=1, required=False)
    cpu_speed = serializers.IntegerField(min_value=1, required=False)
    memory = serializers.IntegerField(min_value=16, required=False)
    ssh_keypair = BriefRelatedField(queryset=SSHKeyPair.objects.all(), required=False)
    user_data = serializers.CharField(required=False, allow_blank=True, max_length=1048576)
    name = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$", required=False)
    display_name = serializers.CharField(required=False, max_length=255)
    start = serializers.BooleanField(default=True)
    host = BriefRelatedField(
        queryset=Host.objects.all(), required=False, help_text="Root admins only."
    )
    account = BriefRelatedField(
        queryset=Account.objects.all(),
        required=False,
        help_text="Deploy for another account (admins).",
    )
    security_groups = BriefRelatedField(
        queryset=SecurityGroup.objects.all(),
        many=True,
        required=False,
        help_text="Security groups of the instance's account to put it in.",
    )
    affinity_groups = BriefRelatedField(
        queryset=AffinityGroup.objects.all(),
        many=True,
        required=False,
        help_text="Affinity groups of the instance's account: the planner honours them.",
    )

    def validate_host(self, host):
        if host is not None and not is_root_admin(self.context["request"].user):
            raise serializers.ValidationError("Only root admins choose the host.")
        return host


class DeployResultSerializer(JobSerializer):
    instance = serializers.IntegerField()


class StopSerializer(serializers.Serializer):
    forced = serializers.BooleanField(default=False)


class DestroySerializer(serializers.Serializer):
    expunge = serializers.BooleanField(default=False)
    volumes = BriefRelatedField(queryset=Volume.objects.all(), many=True, required=False)


class MigrateSerializer(serializers.Serializer):
    host = BriefRelatedField(queryset=Host.objects.all())


class ScaleSerializer(serializers.Serializer):
    service_offering = BriefRelatedField(queryset=ServiceOffering.objects.all())
    cpu_number = serializers.IntegerField(min_value=1, required=False)
    cpu_speed = serializers.IntegerField(min_value=1, required=False)
    memory = serializers.IntegerField(min_value=16, required=False)


class StartSerializer(serializers.Serializer):
    host = BriefRelatedField(queryset=Host.objects.all(), required=False)


class RestoreSerializer(serializers.Serializer):
    template = BriefRelatedField(
        queryset=Template.objects.all(),
        required=False,
        help_text="Reinstall from this template instead of the instance's own.",
    )


class InstanceViewSet(InstanceIsoMixin, ServiceViewMixin, viewsets.ReadOnlyModelViewSet):
    """Instances of the accounts the user may see; writes are lifecycle operations."""

    queryset = instances_for_listing(
        "account",
        "domain",
        "user",
        "project",
        "zone",
        "host",
        "service_offering",
        "template",
        "ssh_keypair",
        prefetch=LIST_PREFETCH,
    )
    serializer_class = InstanceSerializer
    filterset_class = InstanceFilterSet
    ordering_fields = ["id", "name", "created", "state"]

    @extend_schema(
        request=DeploySerializer, responses={202: DeployResultSerializer, 201: InstanceSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Deploy an instance: 202 with the job when it starts, 201 when ``start`` is false."""
        data = self._input(DeploySerializer)
        account = data.pop("account", None)
        if account is not None and account != request.user.account:
            Account.objects.restrict(request.user, "change").get(pk=account.pk)
        instance, job = lifecycle.deploy_instance(**self._actor(), account=account, **data)
        if job is None:
            return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)
        return self.job_response(job, instance=instance.pk)

    @extend_schema(request=StartSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        data = self._input(StartSerializer)
        host = data.get("host")
        if host is not None and not is_root_admin(request.user):
            raise serializers.ValidationError({"host": "Only root admins choose the host."})
        return self.job_response(
            lifecycle.start_instance(self.get_object(), host=host, **self._actor())
        )

    @extend_schema(request=StopSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        data = self._input(StopSerializer)
        return self.job_response(
            lifecycle.stop_instance(self.get_object(), forced=data["forced"], **self._actor())
        )

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def reboot(self, request, pk=None):
        return self.job_response(lifecycle.reboot_instance(self.get_object(), **self._actor()))

    @extend_schema(request=DestroySerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"], url_path="destroy")
    def destroy_instance(self, request, pk=None):
        data = self._input(DestroySerializer)
        return self.job_response(
            lifecycle.destroy_instance(
                self.get_object(),
                expunge=data["expunge"],
                volumes=data.get("volumes"),
                **self._actor(),
            )
        )

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def expunge(self, request, pk=None):
        return self.job_response(lifecycle.expunge_instance(self.get_object(), **self._actor()))

    @extend_schema(request=None, responses={200: InstanceSerializer})
    @action(detail=True, methods=["post"])
    def recover(self, request, pk=None):
        instance = lifecycle.recover_instance(self.get_object(), **self._actor())
        return Response(self.get_serializer(instance).data)

    @extend_schema(request=MigrateSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def migrate(self, request, pk=None):
        if not is_root_admin(request.user):
            return Response(
                {"detail": "Only root admins migrate instances."}, status=status.HTTP_403_FORBIDDEN
            )
        data = self._input(MigrateSerializer)
        return self.job_response(
            lifecycle.migrate_instance(self.get_object(), host=data["host"], **self._actor())
        )

    @extend_schema(request=ScaleSerializer, responses={200: InstanceSerializer})
    @action(detail=True, methods=["post"])
    def scale(self, request, pk=None):
        data = self._input(ScaleSerializer)
        instance = lifecycle.scale_instance(self.get_object(), **self._actor(), **data)
        return Response(self.get_serializer(instance).data)

    @extend_schema(request=InstanceAffinitySerializer, responses={200: InstanceAffinitySerializer})
    @action(detail=True, methods=["post"], url_path="affinity-groups")
    def affinity_groups(self, request, pk=None):
        """Replace a stopped instance's affinity groups (applied at its next start); answers
        the groups it is in."""
        from compute.services.affinity import set_instance_affinity_groups

        data = self._input(InstanceAffinitySerializer)
        instance = set_instance_affinity_groups(
            self.get_object(), data["affinity_groups"], **self._actor()
        )
        groups = {"affinity_groups": list(instance.affinity_groups.order_by("name"))}
        context = self.get_serializer_context()
        return Response(InstanceAffinitySerializer(groups, context=context).data)

    @extend_schema(request=RestoreSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Reinstall the root disk from the template (stopping and restarting if running)."""
        from compute.lifecycle.restore import restore_instance

        data = self._input(RestoreSerializer)
        return self.job_response(
            restore_instance(self.get_object(), template=data.get("template"), **self._actor())
        )

    @extend_schema(request=None, responses={200: AsyncJobSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def jobs(self, request, pk=None):
        """The instance's job history, newest first."""
        instance = self.get_object()
        jobs = AsyncJob.objects.filter(resource_type="Instance", resource_id=str(instance.uuid))
        page = self.paginate_queryset(jobs.select_related("user", "account"))
        data = AsyncJobSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)
