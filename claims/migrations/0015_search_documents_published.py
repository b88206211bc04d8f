"""Each search document carries its record's published flag, so a search ranks over the
documents alone; then every document is built for the records already stored."""

from django.db import migrations, models


def build_documents(apps, schema_editor):
    # Plain SQL over the tables as they are now. Whoever changes the documents' columns
    # again moves this build to their migration, after the change.
    from claims.search_documents import rebuild_all_search_documents

    rebuild_all_search_documents(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0014_newest_first_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="claimsearchdocument",
            name="published",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="denialsearchdocument",
            name="published",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(build_documents, migrations.RunPython.noop),
    ]
