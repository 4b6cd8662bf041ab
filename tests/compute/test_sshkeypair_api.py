import pytest
from cryptography.hazmat.primitives import serialization
from django.urls import reverse

from compute.models import SSHKeyPair
from tests.api_base import TenantAPITests
from tests.factories import SSHKeyPairFactory

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test"
ED25519_MD5 = "65:96:2d:fc:e8:d5:a9:11:64:0c:0f:ea:00:6e:5b:bd"  # ssh-keygen -l -E md5
RSA = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCstpi0j7ft8h/6Wigf6iRXPGvwmIgrFqveKmVnQEyCt4JbI7VE"
    "Su+9Vp+2gSiYm8+6Am0FCizvNAMJP9UCCLHNJFxi8vEUWcy8x1p8bNVRUUuIHir1pOYq2EwCHXNb9JNzP1PrcLas3a"
    "jRKqyR06iDdywwui0CmkquChttYkTipQ== rsa"
)
RSA_MD5 = "a4:90:ea:69:34:06:e7:db:c0:69:f5:21:b8:c6:98:ab"


class TestSSHKeyPairAPI(TenantAPITests):
    basename = "sshkeypair"
    factory = SSHKeyPairFactory

    def create_data(self, owner):
        return {"name": "mykey", "public_key": ED25519}

    def update_data(self):
        return {"name": "renamed"}

    def invalid_data(self, owner):
        SSHKeyPairFactory(account=owner.account, name="taken")
        body = ED25519.split()[1]
        return [
            ({"name": "taken", "public_key": ED25519}, "name"),
            ({"name": "k", "public_key": "ssh-foo AAAA"}, "public_key"),
            ({"name": "k", "public_key": "ssh-ed25519"}, "public_key"),
            ({"name": "k", "public_key": "ssh-ed25519 not*base64!"}, "public_key"),
            ({"name": "k", "public_key": f"ssh-rsa {body}"}, "public_key"),  # body is ed25519
            ({"name": "k", "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"}, "public_key"),
            ({"public_key": ED25519}, "name"),
        ]


def keypairs():
    return reverse("api:sshkeypair-list")


@pytest.mark.django_db
class TestSSHKeyPairRules:
    @pytest.mark.parametrize(("key", "fingerprint"), [(ED25519, ED25519_MD5), (RSA, RSA_MD5)])
    def test_uploaded_key_gets_cloudstack_md5_fingerprint(
        self, api_client, tenant, key, fingerprint
    ):
        data = {"name": "k", "public_key": key}
        response = api_client(tenant).post(keypairs(), data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["fingerprint"] == fingerprint
        assert response.data["private_key"] is None
        assert SSHKeyPair.objects.get(pk=response.data["id"]).account == tenant.account

    def test_generated_pair_returns_private_key_once(self, api_client, tenant):
        client = api_client(tenant)
        response = client.post(keypairs(), {"name": "gen"}, format="json")
        assert response.status_code == 201, response.content
        private = serialization.load_ssh_private_key(response.data["private_key"].encode(), None)
        public = private.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        assert response.data["public_key"].startswith(public.decode())
        detail = client.get(reverse("api:sshkeypair-detail", kwargs={"pk": response.data["id"]}))
        assert detail.data["private_key"] is None
        stored = SSHKeyPair.objects.get(pk=response.data["id"])
        assert "PRIVATE" not in stored.public_key

    def test_same_name_in_another_account_is_fine(self, api_client, tenant, other_tenant):
        SSHKeyPairFactory(account=other_tenant.account, name="shared")
        data = {"name": "shared", "public_key": ED25519}
        assert api_client(tenant).post(keypairs(), data, format="json").status_code == 201

    def test_owner_renames_and_deletes(self, api_client, tenant):
        keypair = SSHKeyPairFactory(account=tenant.account)
        client = api_client(tenant)
        url = reverse("api:sshkeypair-detail", kwargs={"pk": keypair.pk})
        response = client.patch(url, {"name": "renamed", "public_key": RSA})
        assert response.status_code == 200 and response.data["name"] == "renamed"
        keypair.refresh_from_db()
        assert keypair.public_key.startswith("ssh-ed25519")
        assert client.delete(url).status_code == 204
        assert not SSHKeyPair.objects.filter(pk=keypair.pk).exists()
