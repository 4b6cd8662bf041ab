"""extractTemplate and extractIso: async, as upstream; the job answers the download link
(:mod:`storage.services.extract`), kept encrypted in the job row since it is a bearer
credential until it expires."""

from __future__ import annotations

from django.utils import timezone

from compute.models import Zone
from portal.cloudstack.asyncjobs import answer, finished_job
from portal.cloudstack.registry import command
from storage.models import Template
from storage.services.extract import extract_template

from ._common import Param, cs_date, shape, uid

EXTRACT_SPEC = (
    "id name extractId accountid state status storagetype uploadpercentage url zoneid "
    "zonename created extractMode resultstring"
)


def _extract_answer(template: Template, out: dict, ctx) -> dict:
    zone = out["zone"] or template.zone
    return {
        "id": uid(template),
        "name": template.name,
        "extractId": out["extract_id"],
        "accountid": uid(template.account),
        "state": "DOWNLOAD_URL_CREATED",
        "status": "DOWNLOAD_URL_CREATED",
        "storagetype": "Image",
        "uploadpercentage": 100,
        "url": out["url"],
        "zoneid": uid(zone),
        "zonename": zone.name if zone else None,
        "created": cs_date(timezone.now()),
        "extractMode": "HTTP_DOWNLOAD",
    }


@shape("template", EXTRACT_SPEC, uploadpercentage="integer", created="date")
def EXTRACTED_TEMPLATE(out, ctx):
    return out


@shape("iso", EXTRACT_SPEC, uploadpercentage="integer", created="date")
def EXTRACTED_ISO(out, ctx):
    return out


PARAMS = [
    Param("id", "uuid", required=True),
    Param("mode", required=True, description="HTTP_DOWNLOAD (FTP_UPLOAD is refused)"),
    Param("zoneid", "uuid", related="listZones"),
]


def _extract(ctx, *, is_iso: bool) -> dict:
    qs = Template.objects.filter(is_iso=is_iso, removed__isnull=True).select_related(
        "account", "zone"
    )
    template = ctx.get(Template, "id", action="change", required=True, queryset=qs)
    out = extract_template(
        template,
        acting_user=ctx.user,
        mode=ctx.str("mode", required=True).upper(),
        base_url=ctx.base_url,
        zone=ctx.get(Zone, "zoneid"),
        client_ip=ctx.client_ip,
    )
    key = "iso" if is_iso else "template"
    job = finished_job(ctx, template, secret_result={key: _extract_answer(template, out, ctx)})
    return answer(job)


@command(
    "extractTemplate",
    "Extracts a template",
    params=PARAMS,
    shape=EXTRACTED_TEMPLATE,
    isasync=True,
)
def extract_template_cmd(ctx):
    return _extract(ctx, is_iso=False)


@command(
    "extractIso",
    "Extracts an ISO",
    params=PARAMS,
    shape=EXTRACTED_ISO,
    isasync=True,
)
def extract_iso_cmd(ctx):
    return _extract(ctx, is_iso=True)
