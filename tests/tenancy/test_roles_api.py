import pytest
from django.urls import reverse

from portal.models import Event, Role, RolePermission
from tests.api_base import InfrastructureAPITests
from tests.factories import AccountFactory
from tests.tenancy.factories import RoleFactory, RolePermissionFactory


class TestRoleAPI(InfrastructureAPITests):
    basename = "role"
    factory = RoleFactory

    def create_data(self, owner):
        return {
            "name": "Auditor",
            "role_type": "User",
            "description": "reads",
            "rules": [
                {"rule": "list*", "permission": "allow"},
                {"rule": "*", "permission": "deny"},
            ],
        }

    def update_data(self):
        return {"description": "reads more"}

    def invalid_data(self, owner):
        base = self.create_data(owner)
        return [
            ({**base, "name": "User"}, "name"),
            ({**base, "name": "user"}, "name"),
            ({**base, "role_type": "God"}, "role_type"),
            ({**base, "rules": [{"rule": "list*", "permission": "maybe"}]}, "rules"),
            ({**base, "rules": [{"rule": "rm -rf", "permission": "allow"}]}, "rules"),
            (
                {
                    **base,
                    "rules": [
                        {"rule": "list*", "permission": "allow"},
                        {"rule": "list*", "permission": "deny"},
                    ],
                },
                "rules",
            ),
        ]


@pytest.mark.django_db
class TestRoles:
    def url(self, role=None, verb=None):
        if role is None:
            return reverse("api:role-list")
        if verb:
            return reverse(f"api:role-{verb}", kwargs={"pk": role.pk})
        return reverse("api:role-detail", kwargs={"pk": role.pk})

    def test_create_with_ordered_rules_and_check(self, api_client, root_admin, tenant):
        response = api_client(root_admin).post(
            self.url(),
            {
                "name": "Lister",
                "role_type": "User",
                "rules": [
                    {"rule": "listHosts", "permission": "deny", "order": 0},
                    {"rule": "list*", "permission": "allow", "order": 1},
                ],
            },
        )
        assert response.status_code == 201, response.content
        assert [r["rule"] for r in response.data["rules"]] == ["listHosts", "list*"]
        assert Event.objects.filter(event_type="ROLE.CREATE").exists()
        role = Role.objects.get(pk=response.data["id"])
        client = api_client(tenant)
        for command, allowed in [("listZones", True), ("listHosts", False), ("deleteZone", False)]:
            response = client.get(self.url(role, "check"), {"command": command})
            assert response.status_code == 200, response.content
            assert response.data["allowed"] is allowed, command
        assert client.get(self.url(role, "check")).status_code == 400

    def test_rules_are_replaced_on_update(self, api_client, root_admin):
        role = RoleFactory()
        RolePermissionFactory(role=role, rule="listZones")
        response = api_client(root_admin).patch(
            self.url(role), {"rules": [{"rule": "*", "permission": "allow"}]}
        )
        assert response.status_code == 200, response.content
        assert list(role.rules.values_list("rule", flat=True)) == ["*"]

    def test_default_roles_cannot_be_deleted_or_changed(self, api_client, root_admin):
        client = api_client(root_admin)
        role = Role.objects.get(name="User")
        assert client.delete(self.url(role)).status_code == 400
        assert client.patch(self.url(role), {"description": "x"}).status_code == 400
        assert Role.objects.filter(pk=role.pk, description="An account's own resources.").exists()

    def test_role_in_use_cannot_be_deleted(self, api_client, root_admin):
        role = RoleFactory()
        AccountFactory(role=role)
        assert api_client(root_admin).delete(self.url(role)).status_code == 400
        assert Role.objects.filter(pk=role.pk).exists()

    def test_only_root_admin_writes(self, api_client, domain_admin):
        role = RoleFactory()
        client = api_client(domain_admin)
        assert client.patch(self.url(role), {"description": "x"}).status_code == 403
        assert client.delete(self.url(role)).status_code == 403
        assert RolePermission.objects.filter(role=role).count() == 0
