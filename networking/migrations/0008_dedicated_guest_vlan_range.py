"""Guest VLAN ranges dedicated to an account or domain (dedicateGuestVlanRange)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("networking", "0007_offering_removed"),
        ("portal", "0011_cloud_regions_details_ca"),
    ]

    operations = [
        migrations.CreateModel(
            name="DedicatedGuestVlanRange",
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
                ("start", models.PositiveIntegerField(verbose_name="first VLAN")),
                ("end", models.PositiveIntegerField(verbose_name="last VLAN")),
                (
                    "account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dedicated_vlan_ranges",
                        to="portal.account",
                        verbose_name="account",
                    ),
                ),
                (
                    "domain",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dedicated_vlan_ranges",
                        to="portal.domain",
                        verbose_name="domain",
                    ),
                ),
                (
                    "physical_network",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dedicated_vlan_ranges",
                        to="networking.physicalnetwork",
                        verbose_name="physical network",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="dedicated_vlan_ranges",
                        to="portal.project",
                        verbose_name="project",
                    ),
                ),
            ],
            options={
                "ordering": ["physical_network", "start"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("start__lte", models.F("end"))),
                        name="dedicatedvlan_start_le_end",
                    )
                ],
            },
        ),
    ]
