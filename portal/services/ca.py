"""The management certificate authority (CloudStack's ``root`` CA provider).

A self-signed CA (RSA 2048, SHA-256) is generated on first use; its private key is kept
encrypted at rest (``CertificateAuthority.private_key``) and never leaves the service.
``issue_certificate`` signs a CSR or issues a fresh key and certificate for given domains
and IP addresses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import CertificateAuthority
from portal.services.audit import record_event

PROVIDER = "root"
PROVIDERS = {PROVIDER: "CloudStack's Root CA provider plugin"}
CA_VALIDITY_DAYS = 3650
DEFAULT_VALIDITY_DAYS = 365
MAX_VALIDITY_DAYS = 3650
KEY_SIZE = 2048


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate the CA issued, its private key (None for a CSR) and the CA chain."""

    certificate: str
    private_key: str | None
    ca_certificates: str


def check_provider(name: str | None) -> str:
    """``name`` (default ``root``) if it is a CA provider of this cloud."""
    name = (name or PROVIDER).strip().lower()
    if name not in PROVIDERS:
        raise ValidationError(
            {"provider": f"Failed to find CA provider plugin: {name}; use {PROVIDER}."}
        )
    return name


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _generate() -> tuple[str, str]:
    key = _new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cloud Portal"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Cloud Portal management CA"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return _pem(cert), key_pem


def get_ca(provider: str = PROVIDER) -> CertificateAuthority:
    """The CA of ``provider``, generated (once, even under concurrent first calls) on first
    use."""
    provider = check_provider(provider)
    found = CertificateAuthority.objects.filter(provider=provider).first()
    if found is not None:
        return found
    certificate, private_key = _generate()
    try:
        with transaction.atomic():
            return CertificateAuthority.objects.create(
                provider=provider, certificate=certificate, private_key=private_key
            )
    except IntegrityError:
        return CertificateAuthority.objects.get(provider=provider)


def ca_certificate(provider: str = PROVIDER) -> str:
    """The CA certificate (PEM) clients and agents trust."""
    return get_ca(provider).certificate


def _sans(domains: list[str], addresses: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for domain in domains:
        domain = domain.strip()
        if not domain or len(domain) > 253 or any(c in domain for c in " /\\@:"):
            raise ValidationError({"domain": f"'{domain}' is not a valid domain name."})
        names.append(x509.DNSName(domain))
    for address in addresses:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(address.strip())))
        except ValueError as exc:
            raise ValidationError({"ipaddress": f"'{address}' is not an IP address."}) from exc
    return names


def _load_csr(csr: str) -> x509.CertificateSigningRequest:
    try:
        request = x509.load_pem_x509_csr(csr.strip().encode())
    except ValueError as exc:
        raise ValidationError({"csr": "The CSR is not a PEM certificate signing request."}) from exc
    if not request.is_signature_valid:
        raise ValidationError({"csr": "The CSR's signature does not verify."})
    return request


def issue_certificate(
    *,
    acting_user,
    csr: str | None = None,
    domains: list[str] | None = None,
    addresses: list[str] | None = None,
    duration_days: int | None = None,
    provider: str | None = None,
    client_ip: str | None = None,
) -> IssuedCertificate:
    """Sign ``csr`` (its subject and SANs, plus ``domains``/``addresses``) or, without one,
    issue a new key and certificate for ``domains`` and ``addresses`` (the first name is
    the common name). Valid ``duration_days`` (1..3650, default 365)."""
    domains, addresses = list(domains or []), list(addresses or [])
    if not csr and not domains and not addresses:
        raise ValidationError({"domain": "Please provide the domains or the CSR, none found."})
    days = DEFAULT_VALIDITY_DAYS if duration_days is None else duration_days
    if not 1 <= days <= MAX_VALIDITY_DAYS:
        raise ValidationError({"duration": f"The duration is 1 to {MAX_VALIDITY_DAYS} days."})
    ca = get_ca(check_provider(provider))
    ca_cert = x509.load_pem_x509_certificate(ca.certificate.encode())
    ca_key = serialization.load_pem_private_key(ca.private_key.encode(), password=None)
    sans = _sans(domains, addresses)
    key = None
    if csr:
        request = _load_csr(csr)
        public_key, subject = request.public_key(), request.subject
        try:
            requested = request.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            sans = list(requested.value) + [n for n in sans if n not in requested.value]
        except x509.ExtensionNotFound:
            pass
    else:
        key = _new_key()
        public_key = key.public_key()
        common = domains[0] if domains else addresses[0]
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common.strip())])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [x509.ExtendedKeyUsageOID.SERVER_AUTH, x509.ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    record_event(
        "CA.CERTIFICATE.ISSUE",
        acting_user=acting_user,
        client_ip=client_ip,
        description=f"Issued certificate {cert.serial_number:x} for {subject.rfc4514_string()}",
    )
    key_pem = (
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        if key is not None
        else None
    )
    return IssuedCertificate(_pem(cert), key_pem, ca.certificate)
