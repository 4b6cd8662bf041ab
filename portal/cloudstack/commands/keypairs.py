"""SSH key pairs."""

from __future__ import annotations

from compute import services
from compute.models import SSHKeyPair
from portal.cloudstack.errors import param_error
from portal.cloudstack.registry import command

from ._common import Param, cs_date, owner, shape, success, uid
from .vms import _owner_account

SPEC = "id name fingerprint publickey privatekey account domainid domain created"


def _keypair(k, ctx):
    return {
        "id": uid(k),
        "name": k.name,
        "fingerprint": k.fingerprint,
        "publickey": k.public_key,
        "privatekey": getattr(k, "private_key", None),
        "created": cs_date(k.created),
        **owner(k),
    }


SSH_KEYPAIR = shape("sshkeypair", SPEC, created="date")(_keypair)
KEYPAIR = shape("keypair", SPEC, created="date")(_keypair)


@command(
    "listSSHKeyPairs",
    "List registered keypairs",
    params=[Param("id", "uuid"), Param("name"), Param("fingerprint")],
    shape=SSH_KEYPAIR,
    is_list=True,
    owned=True,
)
def list_ssh_key_pairs(ctx):
    qs = SSHKeyPair.objects.restrict(ctx.user, "view").select_related("account__domain")
    qs = ctx.owned(qs, project_field=None)
    if ctx.has("id"):
        qs = qs.filter(pk=ctx.get(SSHKeyPair, "id").pk)
    if ctx.has("name"):
        qs = qs.filter(name=ctx.str("name"))
    if ctx.has("fingerprint"):
        qs = qs.filter(fingerprint=ctx.str("fingerprint"))
    return ctx.listing(ctx.keyword(qs).order_by("name"))


OWNER = [Param("account"), Param("domainid", "uuid", related="listDomains")]


@command(
    "createSSHKeyPair",
    "Create a new keypair and returns the private key",
    params=[Param("name", required=True), *OWNER],
    shape=KEYPAIR,
)
def create_ssh_key_pair(ctx):
    keypair = services.create_ssh_keypair(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=_owner_account(ctx),
        name=ctx.str("name"),
    )
    return ctx.one(keypair)


@command(
    "registerSSHKeyPair",
    "Register a public key in a keypair under a certain name",
    params=[Param("name", required=True), Param("publickey", required=True, length=5120), *OWNER],
    shape=KEYPAIR,
)
def register_ssh_key_pair(ctx):
    keypair = services.create_ssh_keypair(
        acting_user=ctx.user,
        client_ip=ctx.client_ip,
        account=_owner_account(ctx),
        name=ctx.str("name"),
        public_key=ctx.str("publickey"),
    )
    return ctx.one(keypair)


@command(
    "deleteSSHKeyPair", "Deletes a keypair by name", params=[Param("name", required=True), *OWNER]
)
def delete_ssh_key_pair(ctx):
    account = _owner_account(ctx) or ctx.user.account
    keypair = (
        SSHKeyPair.objects.restrict(ctx.user, "delete")
        .filter(account=account, name=ctx.str("name"))
        .first()
    )
    if keypair is None:
        raise param_error(
            f"A key pair with name '{ctx.str('name')}' does not exist for account {account.name}"
        )
    services.delete_ssh_keypair(keypair, acting_user=ctx.user, client_ip=ctx.client_ip)
    return success()
