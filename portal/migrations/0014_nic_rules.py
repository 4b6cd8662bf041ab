"""Existing installations: the User and Domain Admin default roles may add and remove NICs
of their instances and choose the default one, as upstream's user role does (new ones get
the rules from portal.defaults)."""

from django.db import migrations

RULES = [
    "addNicToVirtualMachine",
    "removeNicFromVirtualMachine",
    "updateDefaultNicForVirtualMachine",
]


def allow_nic_commands(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    for role in Role.objects.filter(name__in=["User", "Domain Admin"], is_default=True):
        for rule in RULES:
            if not RolePermission.objects.filter(role=role, rule=rule).exists():
                RolePermission.objects.create(
                    role=role, rule=rule, permission="allow", sort_order=0
                )


class Migration(migrations.Migration):
    dependencies = [("portal", "0013_iso_template_rules")]

    operations = [migrations.RunPython(allow_nic_commands, migrations.RunPython.noop)]
