"""Existing installations: tenant default roles (User, Domain Admin, Read-Only User) may not
run listStorageProviders, an operator's command (new ones get the rule from portal.defaults)."""

from django.db import migrations

TENANT_ROLES = ["User", "Domain Admin", "Read-Only User - Default"]


def deny_storage_providers(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    for role in Role.objects.filter(name__in=TENANT_ROLES, is_default=True):
        if not RolePermission.objects.filter(role=role, rule="listStorageProviders").exists():
            RolePermission.objects.create(
                role=role, rule="listStorageProviders", permission="deny", sort_order=0
            )


class Migration(migrations.Migration):
    dependencies = [("portal", "0008_console_endpoint_rule")]

    operations = [migrations.RunPython(deny_storage_providers, migrations.RunPython.noop)]
