"""Every history row has its revision (0003 assigned the existing ones). A migration of
its own: PostgreSQL will not alter a table while the backfill's deferred checks are
pending in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models

HISTORICAL = [
    "actor", "actoralias", "attribution", "claim", "claimcitation", "claimlink", "denial",
    "denialcitation", "derivation", "materiel", "outlet", "quantity", "source", "topic",
]


class Migration(migrations.Migration):
    dependencies = [("history", "0003_revisions")]

    operations = [
        migrations.AlterField(
            model_name=f"historical{name}",
            name="revision",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="history.revision"),
        )
        for name in HISTORICAL
    ]
