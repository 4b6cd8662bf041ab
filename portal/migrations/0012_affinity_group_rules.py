"""Existing installations: the User and Domain Admin default roles may manage their
affinity groups (new ones get the rule from portal.defaults)."""

from django.db import migrations

RULE = "*AffinityGroup*"


def allow_affinity_groups(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    for role in Role.objects.filter(name__in=["User", "Domain Admin"], is_default=True):
        if not RolePermission.objects.filter(role=role, rule=RULE).exists():
            RolePermission.objects.create(role=role, rule=RULE, permission="allow", sort_order=0)


class Migration(migrations.Migration):
    dependencies = [("portal", "0011_cloud_regions_details_ca")]

    operations = [migrations.RunPython(allow_affinity_groups, migrations.RunPython.noop)]
