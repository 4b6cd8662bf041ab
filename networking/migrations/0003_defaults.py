from django.db import migrations

from networking.defaults import create_defaults


class Migration(migrations.Migration):
    dependencies = [("networking", "0002_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
