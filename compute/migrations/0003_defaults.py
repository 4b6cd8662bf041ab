from django.db import migrations

from compute.defaults import create_defaults


class Migration(migrations.Migration):
    dependencies = [("compute", "0002_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
