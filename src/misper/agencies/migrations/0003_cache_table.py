"""The database cache (login rate limits shared by every web process) is created by
`migrate`, so there is no separate set-up step to forget."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_append_only")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
