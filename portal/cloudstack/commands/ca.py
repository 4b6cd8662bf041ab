"""The management CA: listCaCertificate, listCAProviders, issueCertificate and
provisionCertificate (portal.services.ca)."""

from __future__ import annotations

from compute.models import Host
from portal.cloudstack.asyncjobs import answer, finished_job
from portal.cloudstack.errors import INTERNAL_ERROR, param_error
from portal.cloudstack.registry import command
from portal.services import ca as svc

from ._common import Param, shape

PROVIDER = Param("provider", description="Name of the CA service provider (root)")


@shape("caprovider", "name description")
def CA_PROVIDER(item, ctx):
    return {"name": item[0], "description": item[1]}


def _provider(ctx) -> str:
    from django.core.exceptions import ValidationError

    try:
        return svc.check_provider(ctx.str("provider"))
    except ValidationError as exc:
        raise param_error(" ".join(exc.messages)) from exc


@command(
    "listCaCertificate",
    "Lists the CA public certificate(s) as support by the configured/provided CA plugin",
    params=[PROVIDER],
    response_name="listcacertificateresponse",
)
def list_ca_certificate(ctx):
    return {"cacertificates": {"certificate": svc.ca_certificate(_provider(ctx))}}


@command(
    "listCAProviders",
    "Lists available certificate authority providers in CloudStack",
    params=[Param("name", description="List CA service provider by name")],
    shape=CA_PROVIDER,
)
def list_ca_providers(ctx):
    items = sorted(svc.PROVIDERS.items())
    if ctx.has("name"):
        items = [i for i in items if i[0] == ctx.str("name").lower()]
    if not items:
        return {}
    return {"count": len(items), "caprovider": [CA_PROVIDER.render(i, ctx) for i in items]}


@command(
    "issueCertificate",
    "Issues a client certificate using configured or provided CA plugin",
    params=[
        Param("csr", length=65535, description="The certificate signing request (in PEM format)"),
        Param("domain", "list", description="Comma separated domains (the first is the CN)"),
        Param("ipaddress", "list", description="Comma separated list of IP addresses"),
        Param("duration", "integer", description="Certificate validity in days (default 365)"),
        PROVIDER,
    ],
    isasync=True,
)
def issue_certificate(ctx):
    issued = svc.issue_certificate(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        csr=ctx.str("csr"),
        domains=ctx.list("domain"),
        addresses=ctx.list("ipaddress"),
        duration_days=ctx.int("duration"),
        provider=_provider(ctx),
    )
    body = {"certificate": issued.certificate, "cacertificates": issued.ca_certificates}
    if issued.private_key is not None:
        body["privatekey"] = issued.private_key
    return answer(finished_job(ctx, secret_result={"certificates": body}))


# The agent protocol (docs/agent-protocol.md, version 1) authenticates with a per-host
# secret from enrollment and has no command to install a certificate on the host; the
# host's TLS certificate is its agent configuration's (tls_cert/tls_key).
NO_PROVISIONING = (
    "Unable to provision a certificate on host {host}: its agent (protocol 1) has no "
    "certificate provisioning command; it authenticates with the per-host secret of its "
    "enrollment. Issue a certificate with issueCertificate and set it as the agent's "
    "tls_cert/tls_key, or re-add the host to rotate its secret."
)


@command(
    "provisionCertificate",
    "Issues and propagates client certificate on a connected host/agent using configured CA",
    params=[
        Param("hostid", "uuid", required=True, related="listHosts"),
        Param("reconnect", "boolean", description="Whether to attempt reconnection with host"),
        PROVIDER,
    ],
    isasync=True,
)
def provision_certificate(ctx):
    host = ctx.get(Host, "hostid", action="change", required=True)
    _provider(ctx)
    ctx.bool("reconnect")  # nothing is provisioned, so there is nothing to reconnect for
    job = finished_job(ctx, host, error=NO_PROVISIONING.format(host=host.name), code=INTERNAL_ERROR)
    return answer(job)
