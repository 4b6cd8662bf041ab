"""SSH key pair services: register a tenant's public key, or generate a pair."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError

from compute.models import SSHKeyPair
from compute.services._common import check_unique
from portal.services.base import apply_changes, delete_with_event, save_validated

KEY_TYPES = (
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def parse_public_key(public_key: str) -> tuple[str, str]:
    """Validate an OpenSSH public key line; return it normalised and its fingerprint.

    The fingerprint is CloudStack's: the MD5 of the key blob as colon-separated hex.
    """
    fields = (public_key or "").strip().split()
    if len(fields) < 2:
        raise ValidationError({"public_key": "Expected '<type> <base64 key> [comment]'."})
    key_type, body = fields[0], fields[1]
    if key_type not in KEY_TYPES:
        raise ValidationError({"public_key": f"Unsupported key type '{key_type}'."})
    try:
        blob = base64.b64decode(body, validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        embedded_type = blob[4 : 4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError) as exc:
        raise ValidationError({"public_key": "The key body is not valid base64."}) from exc
    if embedded_type != key_type or len(blob) <= 4 + length:
        raise ValidationError({"public_key": "The key body does not match its type."})
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    fingerprint = ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
    return " ".join(fields), fingerprint


def generate_key_pair(comment: str) -> tuple[str, str]:
    """A new ed25519 pair as (OpenSSH public key line, OpenSSH private key PEM)."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return f"{public.decode()} {comment}", pem.decode()


def create_ssh_keypair(
    *, acting_user, client_ip: str | None = None, account=None, name: str, public_key: str = ""
) -> SSHKeyPair:
    """Register ``public_key`` for ``account`` (the actor's by default) or generate a pair.

    A generated pair's private key is left on the result as ``private_key``: it is shown
    once and never stored.
    """
    account = account or acting_user.account
    private_key = None
    if not public_key:
        public_key, private_key = generate_key_pair(name)
    public_key, fingerprint = parse_public_key(public_key)
    check_unique(
        SSHKeyPair.objects.filter(account=account),
        "name",
        name,
        message=f"The account already has a key pair named '{name}'.",
    )
    keypair = save_validated(
        SSHKeyPair(account=account, name=name, public_key=public_key, fingerprint=fingerprint),
        event_type="SSHKEYPAIR.CREATE",
        acting_user=acting_user,
        client_ip=client_ip,
    )
    keypair.private_key = private_key
    return keypair


def update_ssh_keypair(
    keypair: SSHKeyPair, *, acting_user, client_ip: str | None = None, **changes
) -> SSHKeyPair:
    """Rename a key pair (the key itself is fixed: register a new pair to change it)."""
    if "public_key" in changes and changes["public_key"] != keypair.public_key:
        raise ValidationError({"public_key": "Cannot be changed; register a new key pair."})
    changes.pop("public_key", None)
    keypair = apply_changes(keypair, changes)
    check_unique(
        SSHKeyPair.objects.filter(account=keypair.account_id),
        "name",
        keypair.name,
        exclude_pk=keypair.pk,
        message=f"The account already has a key pair named '{keypair.name}'.",
    )
    return save_validated(
        keypair, event_type="SSHKEYPAIR.EDIT", acting_user=acting_user, client_ip=client_ip
    )


def delete_ssh_keypair(keypair: SSHKeyPair, *, acting_user, client_ip: str | None = None) -> None:
    """Delete a key pair (instances keep the key they were deployed with)."""
    delete_with_event(
        keypair, event_type="SSHKEYPAIR.DELETE", acting_user=acting_user, client_ip=client_ip
    )
