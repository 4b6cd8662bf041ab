"""Existing installations: the default roles get the rules of CloudStack's extension
commands (new ones get them from portal.defaults): managing extensions and custom actions is
root-admin only; User and Domain Admin may run custom actions (each action names the role
types allowed)."""

from django.db import migrations

MANAGE = ["*Extension*", "addCustomAction", "updateCustomAction", "deleteCustomAction"]
RULES = {
    "Resource Admin": [(r, "deny") for r in MANAGE],
    "Domain Admin": [("runCustomAction", "allow")] + [(r, "deny") for r in MANAGE],
    "User": [("runCustomAction", "allow")] + [(r, "deny") for r in MANAGE],
    "Read-Only User - Default": [("*Extension*", "deny")],
}


def add_rules(apps, schema_editor):
    from django.utils import timezone

    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    for name, rules in RULES.items():
        role = Role.objects.filter(name=name, is_default=True).first()
        if role is None or RolePermission.objects.filter(role=role, rule="*Extension*").exists():
            continue  # a new installation: portal.defaults already has them
        for rule, permission in rules:
            # sort_order 0 after the existing first rule (which names another command)
            RolePermission.objects.get_or_create(
                role=role, rule=rule, defaults={"permission": permission, "sort_order": 0}
            )
        Role.objects.filter(pk=role.pk).update(updated=timezone.now())  # rule caches


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_customaction_details"),
        ("portal", "0008_console_endpoint_rule"),
    ]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
