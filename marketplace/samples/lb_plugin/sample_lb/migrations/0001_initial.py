from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Backend",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False)),
                ("rule", models.CharField(max_length=100)),
                ("address", models.GenericIPAddressField()),
                ("port", models.PositiveIntegerField()),
            ],
        ),
    ]
