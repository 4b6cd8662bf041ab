from rest_framework import serializers

from portal.api.serializers import PortalModelSerializer
from portal.models import AsyncJob, Event


class AsyncJobSerializer(PortalModelSerializer):
    class Meta:
        model = AsyncJob
        url_basename = "job"
        fields = [
            "id",
            "uuid",
            "url",
            "display",
            "command",
            "user",
            "account",
            "resource_type",
            "resource_id",
            "status",
            "progress",
            "progress_message",
            "result",
            "error_code",
            "error_text",
            "created",
            "started",
            "finished",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    user = serializers.StringRelatedField()
    account = serializers.StringRelatedField()
    domain = serializers.StringRelatedField()

    class Meta:
        model = Event
        fields = [
            "id",
            "created",
            "event_type",
            "level",
            "state",
            "description",
            "user",
            "account",
            "domain",
            "resource_type",
            "resource_id",
            "client_ip",
            "job",
        ]
        read_only_fields = fields
