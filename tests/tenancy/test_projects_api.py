import pytest
from django.urls import reverse

from portal.models import Event, Project
from tests.api_base import TenantAPITests
from tests.factories import AccountFactory
from tests.tenancy.factories import ProjectFactory


class TestProjectAPI(TenantAPITests):
    basename = "project"
    factory = ProjectFactory

    def create_data(self, owner):
        return {"name": "website", "display_text": "The web site"}

    def update_data(self):
        return {"display_text": "Renamed"}

    def invalid_data(self, owner):
        ProjectFactory(name="taken", account=owner.account)
        base = self.create_data(owner)
        return [
            ({**base, "name": "taken"}, "name"),
            ({**base, "name": ""}, "name"),
            ({**base, "members": [999999]}, "members"),
            ({**base, "account": AccountFactory().pk}, "account"),
            ({**base, "state": "Nope"}, "state"),
        ]


@pytest.mark.django_db
class TestProjects:
    def url(self, project=None):
        if project is None:
            return reverse("api:project-list")
        return reverse("api:project-detail", kwargs={"pk": project.pk})

    def test_tenant_creates_project_owned_by_its_account(self, api_client, tenant):
        response = api_client(tenant).post(self.url(), {"name": "p1"})
        assert response.status_code == 201, response.content
        project = Project.objects.get(pk=response.data["id"])
        assert project.account == tenant.account
        assert project.domain == tenant.account.domain
        assert list(project.members.all()) == [tenant.account]
        assert Event.objects.filter(event_type="PROJECT.CREATE").exists()

    def test_members_see_the_project_and_must_be_in_the_domain(
        self, api_client, domain_admin, tenant
    ):
        domain = domain_admin.account.domain
        owner, member = AccountFactory(domain=domain), AccountFactory(domain=domain)
        client = api_client(domain_admin)
        response = client.post(
            self.url(), {"name": "shared", "account": owner.pk, "members": [member.pk]}
        )
        assert response.status_code == 201, response.content
        assert {m["id"] for m in response.data["members"]} == {owner.pk, member.pk}
        project = Project.objects.get(pk=response.data["id"])
        from tests.factories import UserFactory

        member_user = UserFactory(account=member)
        ids = [p["id"] for p in api_client(member_user).get(self.url()).data["results"]]
        assert ids == [project.pk]
        # A member that is not the owner cannot change the project.
        assert api_client(member_user).patch(self.url(project), {"name": "x"}).status_code == 404
        response = client.patch(self.url(project), {"members": [tenant.account.pk]})
        assert response.status_code == 400 and "members" in response.data

    def test_delete(self, api_client, tenant):
        project = ProjectFactory(account=tenant.account)
        assert api_client(tenant).delete(self.url(project)).status_code == 204
        assert not Project.objects.filter(pk=project.pk).exists()
        assert Event.objects.filter(event_type="PROJECT.DELETE").exists()
