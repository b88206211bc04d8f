"""Full-text GIN indexes for search, on PostgreSQL only (claims/search.py is the seam;
SQLite has no GIN and falls back to substring matching)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = [
    ("claim", "proposition", "claim_proposition_fts"),
    ("denial", "statement", "denial_statement_fts"),
    ("claimcitation", "quote", "claimcitation_quote_fts"),
    ("denialcitation", "quote", "denialcitation_quote_fts"),
]


def _index(field, name):
    return GinIndex(SearchVector(field, config="english"), name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, field, name in INDEXES:
        schema_editor.add_index(apps.get_model("claims", model), _index(field, name))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, field, name in INDEXES:
        schema_editor.remove_index(apps.get_model("claims", model), _index(field, name))


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_groups")]
    operations = [migrations.RunPython(create, drop)]
