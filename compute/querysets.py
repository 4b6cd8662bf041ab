"""Querysets shared by every way in (DRF, /client/api, UI) for the hot list paths."""

from django.db.models import Prefetch

from compute.models import Instance
from networking.models import Nic
from storage.models import Volume

#: Columns a list never shows: secrets (decrypting them costs a Fernet operation per row)
#: and large JSON/text fields of the joined rows.
LIST_DEFERRED = (
    "vnc_password",
    "user_data",
    "host__password",
    "host__agent_secret",
    "host__capabilities",
    "host__host_tags",
    "host__username",
    "template__details",
    "template__url",
    "template__checksum",
    "template__display_text",
)


def instances_for_listing(*related: str, prefetch=()):
    """Instances with ``related`` joined and the never-listed columns deferred."""
    queryset = Instance.objects.select_related(*related).defer(
        *(
            f
            for f in LIST_DEFERRED
            if f.split("__")[0] in {"vnc_password", "user_data", "error_text", *related}
        )
    )
    return queryset.prefetch_related(*prefetch)


#: NICs and volumes of listed instances, into ``Instance.listed_nics``/``listed_volumes``.
LIST_PREFETCH = (
    Prefetch(
        "nics",
        queryset=Nic.objects.select_related("network").order_by("device_id"),
        to_attr="_nics",
    ),
    Prefetch("volumes", queryset=Volume.objects.order_by("device_id"), to_attr="_volumes"),
)
