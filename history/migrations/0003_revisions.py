"""Revisions, and every existing history row assigned to one.

Before this migration a revision was inferred when history was read: a versioned
record's rows sharing a version number, its parts' rows by time (those written before
its next revision began), the rows deleted with it by a 10-second window before its
deletion row. That inference is applied here once, so that every revision recorded
before the migration restores and recovers exactly as it did; from now on the
revision is written with the rows (history.tracking.recording).
"""

import datetime as dt

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

HISTORICAL = [
    "actor", "actoralias", "attribution", "claim", "claimcitation", "claimlink", "denial",
    "denialcitation", "derivation", "materiel", "outlet", "quantity", "source", "topic",
]
# record -> whether it carries a version, and its parts: (part, foreign key)
RECORDS = {
    "claim": (True, [("attribution", "claim_id"), ("quantity", "claim_id"), ("claimcitation", "claim_id"),
                     ("claimlink", "from_claim_id")]),
    "denial": (True, [("denialcitation", "denial_id")]),
    "source": (True, [("derivation", "source_id")]),
    "actor": (False, [("actoralias", "actor_id")]),
}
# Rows deleted with a record (on_delete=CASCADE): (row's model, foreign key, record)
CASCADES = [
    ("attribution", "claim_id", "claim"), ("quantity", "claim_id", "claim"), ("claimcitation", "claim_id", "claim"),
    ("claimlink", "from_claim_id", "claim"), ("claimlink", "to_claim_id", "claim"),
    ("denialcitation", "denial_id", "denial"), ("derivation", "source_id", "source"),
    ("derivation", "derived_from_id", "source"), ("actoralias", "actor_id", "actor"),
]
CASCADE_WINDOW = dt.timedelta(seconds=10)
DELETED, CREATED = "-", "+"


class Group:
    def __init__(self, row):
        self.start = row.history_date
        self.user_id = row.history_user_id
        self.reason = row.history_change_reason or ""
        self.deletion = row.history_type == DELETED
        self.rows = []  # (model name, history_id)


READ = ["history_id", "id", "history_date", "history_type", "history_user_id", "history_change_reason"]


def _rows(model, name, db):
    """The columns the grouping reads, not whole rows (a source's row holds its text)."""
    extra = ["version"] if RECORDS.get(name, (False,))[0] else []
    extra += sorted({fk for part, fk, _record in CASCADES if part == name})
    rows = model.objects.using(db).order_by("history_date", "history_id").values_list(*READ, *extra, named=True)
    return list(rows.iterator(chunk_size=2000))


def assign_revisions(apps, schema_editor):
    db = schema_editor.connection.alias
    models_ = {name: apps.get_model("history", f"Historical{name}") for name in HISTORICAL}
    rows = {name: _rows(model, name, db) for name, model in models_.items()}
    assigned = {}  # (model name, history_id) -> Group
    groups = []
    record_groups = {}  # (record model, id) -> its groups, oldest first

    def new_group(name, row):
        group = Group(row)
        groups.append(group)
        join(group, name, row)
        return group

    def join(group, name, row):
        group.rows.append((name, row.history_id))
        group.reason = group.reason or row.history_change_reason or ""
        assigned[(name, row.history_id)] = group

    for name, (versioned, _parts) in RECORDS.items():
        for row in sorted(rows[name], key=lambda r: (r.id, r.history_date, r.history_id)):
            own = record_groups.setdefault((name, row.id), [])
            last = own[-1] if own else None
            same = (
                versioned and last is not None and not last.deletion
                and row.history_type not in (DELETED, CREATED) and row.version == last.version
            )
            if same:
                join(last, name, row)
            else:
                group = new_group(name, row)
                group.version = getattr(row, "version", None)
                own.append(group)
    # Rows deleted with their record: in the record's deletion revision.
    for part, fk, record in CASCADES:
        for row in rows[part]:
            if row.history_type != DELETED or (part, row.history_id) in assigned:
                continue
            for group in record_groups.get((record, getattr(row, fk)), []):
                if group.deletion and row.history_date <= group.start <= row.history_date + CASCADE_WINDOW:
                    join(group, part, row)
                    break
    # A part's row: in its record's latest revision begun by then.
    for record, (_versioned, parts) in RECORDS.items():
        for part, fk in parts:
            for row in rows[part]:
                if (part, row.history_id) in assigned:
                    continue
                begun = [g for g in record_groups.get((record, getattr(row, fk)), []) if g.start <= row.history_date]
                if begun and not begun[-1].deletion:
                    join(begun[-1], part, row)
    for name in HISTORICAL:
        for row in rows[name]:
            if (name, row.history_id) not in assigned:
                new_group(name, row)
    if not groups:
        return
    groups.sort(key=lambda g: g.start)
    Revision = apps.get_model("history", "Revision")
    revisions = Revision.objects.using(db).bulk_create(
        [Revision(created_at=g.start, user_id=g.user_id, reason=g.reason) for g in groups], batch_size=500
    )
    by_model = {}
    for group, revision in zip(groups, revisions, strict=True):
        for name, history_id in group.rows:
            by_model.setdefault(name, []).append(models_[name](history_id=history_id, revision_id=revision.pk))
    for name, updates in by_model.items():
        models_[name].objects.using(db).bulk_update(updates, ["revision"], batch_size=500)


def revision_field(null):
    return models.ForeignKey(
        null=null, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="history.revision"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('history', '0002_baseline'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Revision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('reason', models.TextField(blank=True)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        *[migrations.AddField(model_name=f"historical{name}", name="revision", field=revision_field(True)) for name in HISTORICAL],
        migrations.RunPython(assign_revisions, migrations.RunPython.noop),
    ]
