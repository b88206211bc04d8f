"""Indexes for an actor's claims by role, read from the index alone (the actor page at 1M claims)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0015_search_documents_published'),
        ('sources', '0006_newest_first_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='attribution',
            index=models.Index(fields=['actor', 'role', 'claim'], name='attribution_actor_role_claim'),
        ),
        # The claims an actor is a subject of, from the index alone (the through table of
        # Claim.subjects has no Meta to declare it in).
        migrations.RunSQL(
            "CREATE INDEX claim_subjects_actor_claim ON claims_claim_subjects (actor_id, claim_id)",
            "DROP INDEX claim_subjects_actor_claim",
        ),
    ]
