"""Base serializers: every object has ``id``, ``uuid``, ``url`` and ``display``;
related objects are shown as brief nested objects and written by primary key."""

from rest_framework import serializers
from rest_framework.reverse import reverse


class BriefRelatedField(serializers.PrimaryKeyRelatedField):
    """Writes by primary key, reads as ``{"id", "uuid", "display"}``.

    The queryset is limited to what the requesting user may see, so an unknown or another
    tenant's object is the same "does not exist" field error.
    """

    def use_pk_only_optimization(self):
        return False

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "restrict"):
            return queryset.restrict(request.user, "view")
        return queryset

    def to_representation(self, value):
        data = {"id": value.pk, "display": str(value)}
        if hasattr(value, "uuid"):
            data["uuid"] = str(value.uuid)
        return data


URL_PK_SENTINEL = 987654321987


class PortalModelSerializer(serializers.ModelSerializer):
    """ModelSerializer with ``url`` and ``display``; FKs use :class:`BriefRelatedField`."""

    serializer_related_field = BriefRelatedField
    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    def get_url(self, obj) -> str | None:
        basename = getattr(self.Meta, "url_basename", None)
        if not basename:
            return None
        # Reverse once per response, not once per row: lists of 500 rows spent most of their
        # time in the URL resolver. The context is shared by every row of a list.
        key = f"_url_template:{basename}"
        template = self.context.get(key)
        if template is None:
            template = reverse(
                f"api:{basename}-detail",
                kwargs={"pk": URL_PK_SENTINEL},
                request=self.context.get("request"),
            )
            self.context[key] = template
        return template.replace(str(URL_PK_SENTINEL), str(obj.pk), 1)

    def get_display(self, obj) -> str:
        return str(obj)


class JobSerializer(serializers.Serializer):
    """What a lifecycle verb returns (202): the job to poll."""

    job_id = serializers.IntegerField(source="pk")
    job_uuid = serializers.UUIDField(source="uuid")
    status = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, job) -> str:
        return reverse("api:job-detail", kwargs={"pk": job.pk}, request=self.context.get("request"))
