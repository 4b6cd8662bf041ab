import pytest
from django.urls import reverse

from storage.models import OSType, Template
from tests.api_base import TenantAPITests
from tests.factories import InstanceFactory, TemplateFactory, ZoneFactory


def os_type():
    return OSType.objects.order_by("id").first()


class TestTemplateAPI(TenantAPITests):
    basename = "template"
    factory = TemplateFactory

    def make(self, owner=None, **kwargs):
        kwargs.setdefault("is_public", False)
        return super().make(owner, **kwargs)

    def create_data(self, owner):
        return {
            "name": "debian",
            "download_url": "https://cloud.debian.org/images/debian-12.qcow2",
            "format": "QCOW2",
            "hypervisor": "KVM",
            "os_type": os_type().pk,
        }

    def update_data(self):
        return {"display_text": "updated"}

    def invalid_data(self, owner):
        base = {**self.create_data(owner), "zone": ZoneFactory().pk}
        cases = [
            ("file:///etc/passwd", "download_url"),
            ("ftp://mirror.example.test/x.qcow2", "download_url"),
            ("http://127.0.0.1/x.qcow2", "download_url"),
            ("http://localhost:8000/x.qcow2", "download_url"),
            ("http://10.0.0.5/x.qcow2", "download_url"),
            ("http://192.168.1.1/x.qcow2", "download_url"),
            ("http://169.254.169.254/latest/meta-data/", "download_url"),
            ("http://[::1]/x.qcow2", "download_url"),
            ("http://[fd00::1]/x.qcow2", "download_url"),
            ("http://2130706433/x.qcow2", "download_url"),  # 127.0.0.1 as an integer
            ("http:///x.qcow2", "download_url"),
        ]
        return [({**base, "download_url": url}, field) for url, field in cases] + [
            ({**base, "is_public": True}, "is_public"),
            ({**base, "is_featured": True}, "is_featured"),
            ({**base, "format": "VHD"}, "format"),  # KVM does not boot VHD
            ({**base, "format": "ISO"}, "format"),
            ({**base, "hypervisor": ""}, "hypervisor"),
            ({**base, "os_type": 999999}, "os_type"),
            ({**base, "zone": 999999}, "zone"),
        ]


def templates():
    return reverse("api:template-list")


@pytest.mark.django_db
class TestTemplateRules:
    def test_registered_template_is_owned_and_not_uploaded(self, api_client, tenant):
        data = TestTemplateAPI().create_data(tenant)
        response = api_client(tenant).post(templates(), data, format="json")
        assert response.status_code == 201, response.content
        template = Template.objects.get(pk=response.data["id"])
        assert template.account == tenant.account
        assert (template.state, template.zone, template.is_public) == ("NotUploaded", None, False)

    def test_admin_may_register_public_featured(self, api_client, root_admin):
        data = {**TestTemplateAPI().create_data(root_admin), "is_public": True, "is_featured": True}
        response = api_client(root_admin).post(templates(), data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["is_public"] and response.data["is_featured"]

    def test_iso_registration(self, api_client, tenant):
        data = {
            "name": "netinst",
            "download_url": "https://cdimage.debian.org/netinst.iso",
            "is_iso": True,
            "os_type": os_type().pk,
        }
        response = api_client(tenant).post(templates(), data, format="json")
        assert response.status_code == 201, response.content
        assert response.data["format"] == "ISO"

    def test_tenant_sees_public_but_cannot_change_it(self, api_client, tenant, other_tenant):
        public = TemplateFactory(is_public=True)
        client = api_client(tenant)
        url = reverse("api:template-detail", kwargs={"pk": public.pk})
        assert client.get(url).status_code == 200
        assert client.patch(url, {"name": "mine"}).status_code == 404
        assert client.delete(url).status_code == 404

    def test_tenant_cannot_make_own_template_public(self, api_client, tenant):
        mine = TemplateFactory(account=tenant.account, is_public=False)
        url = reverse("api:template-detail", kwargs={"pk": mine.pk})
        response = api_client(tenant).patch(url, {"is_public": True})
        assert response.status_code == 400 and "is_public" in response.data
        mine.refresh_from_db()
        assert mine.is_public is False

    def test_template_in_use_cannot_be_deleted(self, api_client, root_admin):
        template = InstanceFactory().template
        url = reverse("api:template-detail", kwargs={"pk": template.pk})
        assert api_client(root_admin).delete(url).status_code == 400
        assert Template.objects.filter(pk=template.pk).exists()

    def test_owner_edits_and_deletes(self, api_client, tenant):
        mine = TemplateFactory(account=tenant.account, is_public=False)
        client = api_client(tenant)
        url = reverse("api:template-detail", kwargs={"pk": mine.pk})
        response = client.patch(url, {"display_text": "x", "download_url": "https://e.test/y"})
        assert response.status_code == 200
        mine.refresh_from_db()
        assert mine.display_text == "x" and mine.url == "http://download.example.test/t.qcow2"
        assert client.delete(url).status_code == 204
