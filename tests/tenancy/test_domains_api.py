import pytest
from django.urls import reverse

from portal.models import Domain, Event
from tests.api_base import TenantAPITests
from tests.factories import AccountFactory, DomainFactory, UserFactory, root_domain
from tests.tenancy.factories import child_domain
from tests.tenancy.mixins import AdminCreatesMixin


class TestDomainAPI(AdminCreatesMixin, TenantAPITests):
    basename = "domain"
    factory = DomainFactory

    def make(self, owner=None, **kwargs):
        return owner.account.domain

    def create_data(self, owner):
        return {"name": "Acme", "parent": root_domain().pk, "network_domain": "acme.test"}

    def update_data(self):
        return {"network_domain": "changed.test"}

    def invalid_data(self, owner):
        child_domain(root_domain(), name="taken")
        base = self.create_data(owner)
        return [
            ({**base, "name": "taken"}, "name"),
            ({**base, "name": "a/b"}, "name"),
            ({**base, "name": ""}, "name"),
            ({**base, "parent": 999999}, "parent"),
            ({"name": "orphan"}, "parent"),
        ]


@pytest.mark.django_db
class TestDomainTree:
    def url(self, domain=None):
        if domain is None:
            return reverse("api:domain-list")
        return reverse("api:domain-detail", kwargs={"pk": domain.pk})

    def test_create_computes_path_and_writes_event(self, api_client, root_admin):
        parent = child_domain(root_domain(), name="Acme")
        response = api_client(root_admin).post(
            self.url(), {"name": "Dev", "parent": parent.pk}, format="json"
        )
        assert response.status_code == 201, response.content
        assert response.data["path"] == "/Acme/Dev/"
        assert response.data["level"] == 2
        assert Domain.objects.get(pk=response.data["id"]).path == "/Acme/Dev/"
        assert Event.objects.filter(event_type="DOMAIN.CREATE").exists()

    def test_same_name_under_other_parent_is_fine(self, api_client, root_admin):
        a = child_domain(root_domain(), name="A")
        child_domain(a, name="Dev")
        b = child_domain(root_domain(), name="B")
        response = api_client(root_admin).post(
            self.url(), {"name": "Dev", "parent": b.pk}, format="json"
        )
        assert response.status_code == 201, response.content

    def test_rename_rewrites_the_subtree_paths(self, api_client, root_admin):
        acme = child_domain(root_domain(), name="Acme")
        dev = child_domain(acme, name="Dev")
        team = child_domain(dev, name="Team")
        other = child_domain(root_domain(), name="AcmeOther")
        response = api_client(root_admin).patch(self.url(acme), {"name": "Umbrella"})
        assert response.status_code == 200, response.content
        assert response.data["path"] == "/Umbrella/"
        dev.refresh_from_db()
        team.refresh_from_db()
        other.refresh_from_db()
        assert (dev.path, team.path) == ("/Umbrella/Dev/", "/Umbrella/Dev/Team/")
        assert other.path == "/AcmeOther/"
        assert Event.objects.filter(event_type="DOMAIN.UPDATE").exists()

    def test_rename_to_a_sibling_name_is_refused(self, api_client, root_admin):
        a = child_domain(root_domain(), name="A")
        child_domain(root_domain(), name="B")
        response = api_client(root_admin).patch(self.url(a), {"name": "B"})
        assert response.status_code == 400
        assert "name" in response.data
        a.refresh_from_db()
        assert a.path == "/A/"

    def test_root_cannot_be_renamed_or_deleted(self, api_client, root_admin):
        client = api_client(root_admin)
        assert client.patch(self.url(root_domain()), {"name": "X"}).status_code == 400
        assert client.delete(self.url(root_domain())).status_code == 400

    def test_delete_refuses_with_children_or_accounts(self, api_client, root_admin):
        client = api_client(root_admin)
        parent = child_domain(root_domain())
        child = child_domain(parent)
        response = client.delete(self.url(parent))
        assert response.status_code == 400, response.content
        with_account = AccountFactory().domain
        assert client.delete(self.url(with_account)).status_code == 400
        assert client.delete(self.url(child)).status_code == 204
        assert client.delete(self.url(parent)).status_code == 204
        assert not Domain.objects.filter(pk__in=[parent.pk, child.pk]).exists()
        assert Event.objects.filter(event_type="DOMAIN.DELETE").count() == 2

    def test_domain_admin_manages_only_below_its_domain(self, api_client, domain_admin):
        own = domain_admin.account.domain
        parent = own.parent
        sibling = child_domain(parent)
        client = api_client(domain_admin)
        response = client.post(self.url(), {"name": "Child", "parent": own.pk}, format="json")
        assert response.status_code == 201, response.content
        child = Domain.objects.get(pk=response.data["id"])
        assert child.path == f"{own.path}Child/"
        assert client.patch(self.url(child), {"network_domain": "x.test"}).status_code == 200
        # Parent and siblings are out of sight: 404; under them: a bad reference, 400.
        assert client.get(self.url(parent)).status_code == 404
        assert client.patch(self.url(sibling), {"name": "y"}).status_code == 404
        assert client.delete(self.url(sibling)).status_code == 404
        response = client.post(self.url(), {"name": "Z", "parent": sibling.pk}, format="json")
        assert response.status_code == 400 and "parent" in response.data
        # Its own domain it sees but does not change.
        assert client.get(self.url(own)).status_code == 200
        assert client.patch(self.url(own), {"name": "mine"}).status_code == 403
        assert client.delete(self.url(own)).status_code == 403
        assert client.delete(self.url(child)).status_code == 204

    def test_user_sees_only_its_domain_read_only(self, api_client, tenant):
        own = tenant.account.domain
        client = api_client(tenant)
        ids = [d["id"] for d in client.get(self.url()).data["results"]]
        assert ids == [own.pk]
        assert client.patch(self.url(own), {"name": "x"}).status_code == 404
        response = client.post(self.url(), {"name": "x", "parent": own.pk}, format="json")
        assert response.status_code == 403

    def test_filter_and_search(self, api_client, root_admin):
        child_domain(root_domain(), name="Findme")
        child_domain(root_domain(), name="Other")
        client = api_client(root_admin)
        names = [d["name"] for d in client.get(self.url(), {"q": "findm"}).data["results"]]
        assert names == ["Findme"]

    def test_domain_admin_user_in_subdomain_is_inside(self, api_client, domain_admin):
        sub = child_domain(domain_admin.account.domain)
        inner = UserFactory(account=AccountFactory(domain=sub))
        ids = [d["id"] for d in api_client(domain_admin).get(self.url()).data["results"]]
        assert sub.pk in ids and inner.account.domain_id in ids
