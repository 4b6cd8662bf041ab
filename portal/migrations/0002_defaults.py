from django.db import migrations

from portal.defaults import create_defaults


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
