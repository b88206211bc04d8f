"""Search documents (claims/search_documents.py): one row per claim and per denial,
built for the records already stored by 0015, once their columns are all there. On
PostgreSQL: their GIN index, pg_trgm and the trigram indexes on actor and alias names (the claims lists create the same ones,
hence IF NOT EXISTS), and the four full-text indexes of 0003 dropped, since searches no
longer read those columns."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


POSTGRESQL_FORWARD = [
    "CREATE INDEX claimsearchdocument_vector ON claims_claimsearchdocument USING gin (vector)",
    "CREATE INDEX denialsearchdocument_vector ON claims_denialsearchdocument USING gin (vector)",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS claims_actor_name_trgm ON claims_actor USING gin (UPPER(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS claims_actoralias_name_trgm ON claims_actoralias USING gin (UPPER(name) gin_trgm_ops)",
    "DROP INDEX IF EXISTS claim_proposition_fts",
    "DROP INDEX IF EXISTS denial_statement_fts",
    "DROP INDEX IF EXISTS claimcitation_quote_fts",
    "DROP INDEX IF EXISTS denialcitation_quote_fts",
]
# The trigram indexes stay on the way back: the lists' migration may own them.
POSTGRESQL_BACKWARD = [
    "CREATE INDEX claim_proposition_fts ON claims_claim USING gin (to_tsvector('english'::regconfig, COALESCE(proposition, '')))",
    "CREATE INDEX denial_statement_fts ON claims_denial USING gin (to_tsvector('english'::regconfig, COALESCE(statement, '')))",
    "CREATE INDEX claimcitation_quote_fts ON claims_claimcitation USING gin (to_tsvector('english'::regconfig, COALESCE(quote, '')))",
    "CREATE INDEX denialcitation_quote_fts ON claims_denialcitation USING gin (to_tsvector('english'::regconfig, COALESCE(quote, '')))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0010_figures'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClaimSearchDocument',
            fields=[
                ('text', models.TextField(blank=True)),
                ('vector', django.contrib.postgres.search.SearchVectorField(null=True)),
                ('claim', models.OneToOneField(on_delete=django.db.models.deletion.DB_CASCADE, primary_key=True, related_name='search_document', serialize=False, to='claims.claim')),
            ],
            options={
                'abstract': False,
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='DenialSearchDocument',
            fields=[
                ('text', models.TextField(blank=True)),
                ('vector', django.contrib.postgres.search.SearchVectorField(null=True)),
                ('denial', models.OneToOneField(on_delete=django.db.models.deletion.DB_CASCADE, primary_key=True, related_name='search_document', serialize=False, to='claims.denial')),
            ],
            options={
                'abstract': False,
                'default_permissions': (),
            },
        ),
        migrations.RunPython(_run(POSTGRESQL_FORWARD), _run(POSTGRESQL_BACKWARD)),
    ]
