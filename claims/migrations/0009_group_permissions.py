"""Grant the curation groups the permissions of the models added since 0002_groups
(further kinds of a denial, merged denials' addresses): 0002's create_groups again, at
this state. It only adds, so running it on any database is harmless."""

import importlib

from django.db import migrations

groups = importlib.import_module("claims.migrations.0002_groups")


class Migration(migrations.Migration):
    dependencies = [("claims", "0008_documents_and_denial_kinds")]

    operations = [migrations.RunPython(groups.create_groups, migrations.RunPython.noop)]
