"""Existing installations: the User and Domain Admin default roles may run
createConsoleEndpoint (new ones get the rule from portal.defaults)."""

from django.db import migrations


def allow_console(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    for role in Role.objects.filter(name__in=["User", "Domain Admin"], is_default=True):
        if not RolePermission.objects.filter(role=role, rule="createConsoleEndpoint").exists():
            RolePermission.objects.create(
                role=role, rule="createConsoleEndpoint", permission="allow", sort_order=0
            )


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_management_servers")]

    operations = [migrations.RunPython(allow_console, migrations.RunPython.noop)]
