"""Existing installations: the Domain Admin default role may run moveUser (new ones get the
rule from portal.defaults)."""

from django.db import migrations


def allow_move_user(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    role = Role.objects.filter(name="Domain Admin", is_default=True).first()
    if role is None or RolePermission.objects.filter(role=role, rule="moveUser").exists():
        return
    RolePermission.objects.create(role=role, rule="moveUser", permission="allow", sort_order=0)


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_configuration_values")]

    operations = [migrations.RunPython(allow_move_user, migrations.RunPython.noop)]
