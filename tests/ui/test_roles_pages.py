"""Role pages: list/detail, create and edit with an ordered rule list, delete with a
confirmation page; default roles read-only; root admins only; CSRF."""

import pytest
from django.test import Client

from portal.models import Role


def role_post(name="Ops", rules=(), **extra):
    data = {
        "name": name,
        "role_type": "User",
        "description": "Operators",
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for i, (rule, permission, order) in enumerate(rules):
        data[f"rules-{i}-rule"] = rule
        data[f"rules-{i}-permission"] = permission
        data[f"rules-{i}-ORDER"] = order
    data.update(extra)
    return data


@pytest.mark.django_db
def test_root_admin_creates_a_role_with_rules_in_the_given_order(login, root_admin):
    client = login(root_admin)
    assert client.get("/tenancy/roles/add/").status_code == 200
    response = client.post(
        "/tenancy/roles/add/",
        role_post(
            rules=[
                ("list*", "allow", "2"),
                ("deleteVirtualMachine", "deny", "1"),
                ("", "allow", ""),
            ]
        ),
    )
    role = Role.objects.get(name="Ops")
    assert response.status_code == 302 and response["Location"] == f"/tenancy/roles/{role.pk}/"
    assert [(r.rule, r.permission) for r in role.rules.all()] == [
        ("deleteVirtualMachine", "deny"),
        ("list*", "allow"),
    ]
    detail = client.get(response["Location"]).content.decode()
    assert detail.index("deleteVirtualMachine") < detail.index("list*")
    assert "/edit/" in detail and "/delete/" in detail


@pytest.mark.django_db
def test_bad_rules_and_duplicate_names_are_shown_on_the_form(login, root_admin):
    client = login(root_admin)
    response = client.post("/tenancy/roles/add/", role_post(rules=[("bad rule!", "allow", "1")]))
    assert response.status_code == 200
    assert "is not a command name or wildcard" in response.content.decode()
    response = client.post("/tenancy/roles/add/", role_post(name="User"))
    assert "already exists" in response.content.decode()
    assert not Role.objects.filter(name="Ops").exists()


@pytest.mark.django_db
def test_add_rules_keeps_the_input_and_offers_blank_rows(login, root_admin):
    response = login(root_admin).post(
        "/tenancy/roles/add/", role_post(rules=[("list*", "allow", "1")], add_rules="1")
    )
    body = response.content.decode()
    assert response.status_code == 200 and not Role.objects.filter(name="Ops").exists()
    assert 'value="list*"' in body and body.count("data-rule-row") == 4


@pytest.mark.django_db
def test_edit_replaces_the_rules_and_delete_needs_confirmation(login, root_admin):
    client = login(root_admin)
    client.post("/tenancy/roles/add/", role_post(rules=[("list*", "allow", "1")]))
    role = Role.objects.get(name="Ops")
    form = client.get(f"/tenancy/roles/{role.pk}/edit/").content.decode()
    assert 'value="list*"' in form
    client.post(
        f"/tenancy/roles/{role.pk}/edit/",
        role_post(
            name="Ops2",
            rules=[("list*", "allow", "1"), ("start*", "allow", "2")],
            **{"rules-0-DELETE": "on"},
        ),
    )
    role.refresh_from_db()
    assert role.name == "Ops2" and [r.rule for r in role.rules.all()] == ["start*"]
    confirm = client.get(f"/tenancy/roles/{role.pk}/delete/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert Role.objects.filter(pk=role.pk).exists()  # GET deletes nothing
    response = client.post(f"/tenancy/roles/{role.pk}/delete/")
    assert response.status_code == 302 and not Role.objects.filter(pk=role.pk).exists()


@pytest.mark.django_db
def test_default_roles_are_read_only(login, root_admin):
    client = login(root_admin)
    role = Role.objects.get(name="User")
    detail = client.get(f"/tenancy/roles/{role.pk}/").content.decode()
    assert (
        "Default roles are read-only" in detail and f"/tenancy/roles/{role.pk}/edit/" not in detail
    )
    assert client.get(f"/tenancy/roles/{role.pk}/edit/").status_code == 403
    assert client.post(f"/tenancy/roles/{role.pk}/edit/", role_post(name="X")).status_code == 403
    confirm = client.get(f"/tenancy/roles/{role.pk}/delete/").content.decode()
    assert "Default roles cannot be deleted." in confirm
    response = client.post(f"/tenancy/roles/{role.pk}/delete/")
    assert response.status_code == 302 and Role.objects.filter(pk=role.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["tenant", "domain_admin"])
def test_roles_are_for_root_admins_only(login, request, who):
    user = request.getfixturevalue(who)
    client = login(user)
    role = Role.objects.get(name="User")
    assert client.get("/tenancy/roles/").status_code == 403
    assert client.get(f"/tenancy/roles/{role.pk}/").status_code == 403
    assert client.post("/tenancy/roles/add/", role_post()).status_code == 403
    assert not Role.objects.filter(name="Ops").exists()


@pytest.mark.django_db
def test_role_forms_need_the_csrf_token(root_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(root_admin)
    assert client.post("/tenancy/roles/add/", role_post()).status_code == 403
    assert not Role.objects.filter(name="Ops").exists()
