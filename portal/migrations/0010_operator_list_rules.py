"""Existing installations: tenant default roles (User, Domain Admin, Read-Only User) may not
run listAlerts or listManagementServers, operators' commands (new ones get the rules from
portal.defaults)."""

from django.db import migrations

TENANT_ROLES = ["User", "Domain Admin", "Read-Only User - Default"]
RULES = ["listAlerts", "listManagementServers"]


def deny_operator_lists(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    for role in Role.objects.filter(name__in=TENANT_ROLES, is_default=True):
        for rule in RULES:
            if not RolePermission.objects.filter(role=role, rule=rule).exists():
                RolePermission.objects.create(role=role, rule=rule, permission="deny", sort_order=0)


class Migration(migrations.Migration):
    dependencies = [("portal", "0009_list_storage_providers_rule")]

    operations = [migrations.RunPython(deny_operator_lists, migrations.RunPython.noop)]
