"""Indexes for bounded lists (issue 11): partial indexes matching each order of the claims
and denials lists over published rows (claims.models.list_order_indexes), and, on
PostgreSQL, trigram indexes on the upper-cased names the filters' autocomplete ranks
(web/autocomplete.py); SQLite falls back to a substring match."""

import datetime

import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models

# Actors' and aliases' names have theirs from 0011_search_documents.
TRIGRAM_INDEXES = [
    ("topic", "topic_name_trgm"),
    ("materiel", "materiel_name_trgm"),
]


def _trigram_sql(model, name):
    return f'CREATE INDEX IF NOT EXISTS {name} ON "claims_{model}" USING gin (UPPER("name") gin_trgm_ops)'


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model, name in TRIGRAM_INDEXES:
        schema_editor.execute(_trigram_sql(model, name))


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0012_quote_found"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "made_earliest", models.Value(datetime.date(1, 1, 1)), output_field=models.DateField()
                ),
                django.db.models.functions.comparison.Coalesce(
                    "made_latest", models.Value(datetime.date(1, 1, 1)), output_field=models.DateField()
                ),
                models.F("id"),
                condition=models.Q(("state", "published")),
                name="claim_list_made_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "made_earliest", models.Value(datetime.date(9999, 12, 31)), output_field=models.DateField()
                ),
                django.db.models.functions.comparison.Coalesce(
                    "made_latest", models.Value(datetime.date(9999, 12, 31)), output_field=models.DateField()
                ),
                models.F("id"),
                condition=models.Q(("state", "published")),
                name="claim_list_made_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(("state", "published")),
                name="claim_list_recorded",
            ),
        ),
        migrations.AddIndex(
            model_name="denial",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "made_earliest", models.Value(datetime.date(1, 1, 1)), output_field=models.DateField()
                ),
                django.db.models.functions.comparison.Coalesce(
                    "made_latest", models.Value(datetime.date(1, 1, 1)), output_field=models.DateField()
                ),
                models.F("id"),
                condition=models.Q(("state", "published")),
                name="denial_list_made_desc",
            ),
        ),
        migrations.AddIndex(
            model_name="denial",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce(
                    "made_earliest", models.Value(datetime.date(9999, 12, 31)), output_field=models.DateField()
                ),
                django.db.models.functions.comparison.Coalesce(
                    "made_latest", models.Value(datetime.date(9999, 12, 31)), output_field=models.DateField()
                ),
                models.F("id"),
                condition=models.Q(("state", "published")),
                name="denial_list_made_asc",
            ),
        ),
        migrations.AddIndex(
            model_name="actor",
            index=models.Index(django.db.models.functions.text.Upper("name"), name="actor_upper_name"),
        ),
        migrations.AddIndex(
            model_name="actoralias",
            index=models.Index(django.db.models.functions.text.Upper("name"), name="actoralias_upper_name"),
        ),
    ]
