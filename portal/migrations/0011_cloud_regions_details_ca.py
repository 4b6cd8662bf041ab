"""Regions, resource details and the management CA; existing installations' default roles
get the rules of the new commands (new ones get them from portal.defaults)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

import portal.fields

TENANT_ROLES = ["User", "Domain Admin", "Read-Only User - Default"]
# (role names, rule, permission); inserted first, in this order
RULES = [
    (["Domain Admin"], "listRouters", "allow"),
    (TENANT_ROLES, "listRouters", "deny"),
    (TENANT_ROLES, "listSystemVms", "deny"),
    (TENANT_ROLES, "listDedicatedGuestVlanRanges", "deny"),
    (TENANT_ROLES, "listCAProviders", "deny"),
    (["User", "Domain Admin"], "addResourceDetail", "allow"),
    (["User", "Domain Admin"], "removeResourceDetail", "allow"),
]


def add_rules(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    RolePermission = apps.get_model("portal", "RolePermission")
    for names, rule, permission in RULES:
        for role in Role.objects.filter(name__in=names, is_default=True):
            if not RolePermission.objects.filter(role=role, rule=rule).exists():
                RolePermission.objects.create(
                    role=role, rule=rule, permission=permission, sort_order=0
                )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0010_operator_list_rules"),
    ]

    operations = [
        migrations.CreateModel(
            name="CertificateAuthority",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("provider", models.CharField(max_length=32, unique=True, verbose_name="provider")),
                ("certificate", models.TextField(verbose_name="CA certificate (PEM)")),
                (
                    "private_key",
                    portal.fields.EncryptedTextField(
                        verbose_name="CA private key (PEM, encrypted)"
                    ),
                ),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
            ],
            options={
                "verbose_name": "certificate authority",
                "verbose_name_plural": "certificate authorities",
            },
        ),
        migrations.CreateModel(
            name="Region",
            fields=[
                (
                    "id",
                    models.PositiveIntegerField(
                        primary_key=True, serialize=False, verbose_name="region ID"
                    ),
                ),
                ("name", models.CharField(max_length=255, unique=True, verbose_name="name")),
                ("endpoint", models.CharField(max_length=255, verbose_name="endpoint")),
                (
                    "gslb_service_enabled",
                    models.BooleanField(default=False, verbose_name="GSLB service"),
                ),
                (
                    "portable_ip_service_enabled",
                    models.BooleanField(default=False, verbose_name="portable IP service"),
                ),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="ResourceDetail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "uuid",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, unique=True, verbose_name="UUID"
                    ),
                ),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("resource_type", models.CharField(max_length=32, verbose_name="resource type")),
                ("resource_uuid", models.UUIDField(verbose_name="resource UUID")),
                ("key", models.CharField(max_length=255, verbose_name="key")),
                ("value", models.CharField(blank=True, max_length=1024, verbose_name="value")),
                (
                    "display",
                    models.BooleanField(default=True, verbose_name="shown to the end user"),
                ),
                (
                    "account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="resource_details",
                        to="portal.account",
                        verbose_name="account",
                    ),
                ),
                (
                    "domain",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="resource_details",
                        to="portal.domain",
                        verbose_name="domain",
                    ),
                ),
            ],
            options={
                "ordering": ["resource_type", "resource_uuid", "key"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("resource_type", "resource_uuid", "key"),
                        name="resourcedetail_unique_key_per_resource",
                    )
                ],
            },
        ),
        migrations.RunPython(add_rules, migrations.RunPython.noop),
    ]
