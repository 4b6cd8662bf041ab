from django.db import migrations

from storage.defaults import create_defaults


class Migration(migrations.Migration):
    dependencies = [("storage", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
