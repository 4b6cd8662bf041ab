"""The management CA on /client/api: listCaCertificate, listCAProviders, issueCertificate
(CSR and key+cert), provisionCertificate's clear refusal; the key is encrypted at rest and
the issued private key never stored in plain text."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import NameOID
from django.db import connection

pytestmark = pytest.mark.django_db


def _verify(cert_pem: str, ca_pem: str) -> x509.Certificate:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    ca = x509.load_pem_x509_certificate(ca_pem.encode())
    assert cert.issuer == ca.subject
    ca.public_key().verify(
        cert.signature,
        cert.tbs_certificate_bytes,
        padding.PKCS1v15(),
        cert.signature_hash_algorithm,
    )
    return cert


def _job(api, jobid):
    return api("queryAsyncJobResult", jobid=jobid)


def test_ca_generated_once_and_key_encrypted_at_rest(cs_client, root_admin, tenant):
    from portal.models import CertificateAuthority

    pem = cs_client(tenant)("listCaCertificate")["cacertificates"]["certificate"]
    again = cs_client(root_admin)("listCaCertificate", provider="root")
    assert again["cacertificates"]["certificate"] == pem
    ca = x509.load_pem_x509_certificate(pem.encode())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert CertificateAuthority.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM portal_certificateauthority")
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and "PRIVATE KEY" not in stored
    assert "PRIVATE KEY" in CertificateAuthority.objects.get().private_key
    response = cs_client(root_admin).raw("listCaCertificate", provider="vault")
    assert response.status_code == 431
    assert "Failed to find CA provider" in response.json()["listcacertificateresponse"]["errortext"]


def test_ca_providers(cs_client, root_admin, tenant):
    admin = cs_client(root_admin)
    assert admin("listCAProviders") == {
        "count": 1,
        "caprovider": [{"name": "root", "description": "CloudStack's Root CA provider plugin"}],
    }
    assert admin("listCAProviders", name="other") == {}
    assert cs_client(tenant).raw("listCAProviders").status_code == 432


def test_issue_key_and_certificate_for_domains_and_ips(cs_client, root_admin):
    from portal.models import AsyncJob

    admin = cs_client(root_admin)
    job = admin(
        "issueCertificate", domain="host1.example,host1", ipaddress="192.0.2.7", duration=30
    )
    result = _job(admin, job["jobid"])
    assert result["jobstatus"] == 1
    body = result["jobresult"]["certificates"]
    cert = _verify(body["certificate"], body["cacertificates"])
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "host1.example"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["host1.example", "host1"]
    assert [str(a) for a in sans.get_values_for_type(x509.IPAddress)] == ["192.0.2.7"]
    assert 29 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 30
    key = serialization.load_pem_private_key(body["privatekey"].encode(), password=None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    stored = AsyncJob.objects.get(uuid=job["jobid"]).result
    assert "PRIVATE KEY" not in str(stored)  # the issued key is encrypted in the job row


def test_issue_certificate_from_csr(cs_client, root_admin):
    admin = cs_client(root_admin)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "agent.example")]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("agent.example")]), False)
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    job = admin("issueCertificate", method="post", csr=csr, ipaddress="10.0.0.5")
    body = _job(admin, job["jobid"])["jobresult"]["certificates"]
    assert "privatekey" not in body
    cert = _verify(body["certificate"], body["cacertificates"])
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["agent.example"]
    assert [str(a) for a in sans.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]


def test_issue_certificate_errors_and_roles(cs_client, root_admin, tenant):
    admin = cs_client(root_admin)
    for params, text in (
        ({}, "Please provide the domains or the CSR"),
        ({"csr": "garbage"}, "not a PEM"),
        ({"domain": "a.example", "duration": 0}, "duration"),
        ({"domain": "a.example", "duration": "x"}, "not a number"),
        ({"ipaddress": "300.1.1.1"}, "not an IP address"),
        ({"domain": "bad name"}, "not a valid domain"),
        ({"domain": "a.example", "provider": "vault"}, "Failed to find CA provider"),
    ):
        response = admin.raw("issueCertificate", **params)
        body = response.json()["issuecertificateresponse"]
        assert response.status_code == 431 and text in body["errortext"], (params, body)
    assert cs_client(tenant).raw("issueCertificate", domain="x.example").status_code == 432


def test_provision_certificate_is_a_clear_failed_job(cs_client, root_admin, tenant, seeded):
    admin = cs_client(root_admin)
    host = seeded["host"]
    job = admin("provisionCertificate", hostid=str(host.uuid))
    result = _job(admin, job["jobid"])
    assert result["jobstatus"] == 2 and result["jobresultcode"] == 530
    assert "no certificate provisioning command" in result["jobresult"]["errortext"]
    assert host.name in result["jobresult"]["errortext"]
    bad = admin.raw("provisionCertificate", hostid="6f1c1b9e-0000-4000-8000-000000000009")
    assert bad.status_code == 431
    assert admin.raw("provisionCertificate").status_code == 431
    assert cs_client(tenant).raw("provisionCertificate", hostid=str(host.uuid)).status_code == 432


def test_xml_answers_of_the_new_commands(cs_client, root_admin, tenant, seeded):
    import xml.etree.ElementTree as ET

    from tests.cloudstack.test_xml import xml_call

    admin = cs_client(root_admin)
    ca = ET.fromstring(xml_call(admin, "listCaCertificate").content)
    assert ca.tag == "listcacertificateresponse"
    assert "BEGIN CERTIFICATE" in ca.find("cacertificates/certificate").text
    regions = ET.fromstring(xml_call(admin, "listRegions").content)
    assert regions.find("count").text == "1" and regions.find("region/name").text == "Local"
    options = ET.fromstring(xml_call(admin, "listDetailOptions", resourcetype="UserVm").content)
    assert options.find("detailoptions/details") is not None
    assert ET.fromstring(xml_call(admin, "listRouters").content).tag == "listroutersresponse"
