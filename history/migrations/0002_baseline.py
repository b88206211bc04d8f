"""A first history row ("history started") for every record that existed before
history was recorded, with its many-to-many links, so that its changelog, its
edit-conflict messages and its restore have a starting point. Records that already
have history are left alone, so running it again adds nothing. On a new database
there is nothing to do.
"""

from django.db import migrations
from django.utils import timezone

REASON = "history started"
MODELS = [
    ("sources", "Outlet", ()),
    ("sources", "Source", ()),
    ("sources", "Derivation", ()),
    ("claims", "Actor", ()),
    ("claims", "ActorAlias", ()),
    ("claims", "Topic", ()),
    ("claims", "Materiel", ()),
    ("claims", "Claim", ("subjects", "topics", "materiel")),
    ("claims", "Attribution", ()),
    ("claims", "Quantity", ()),
    ("claims", "ClaimCitation", ()),
    ("claims", "Denial", ("deniers", "claims")),
    ("claims", "DenialCitation", ()),
    ("claims", "ClaimLink", ()),
]


def create_baseline(apps, schema_editor):
    db = schema_editor.connection.alias
    now = timezone.now()
    for app_label, name, m2m_names in MODELS:
        model = apps.get_model(app_label, name)
        historical = apps.get_model("history", f"Historical{name}")
        missing = model.objects.using(db).exclude(pk__in=historical.objects.using(db).values("id"))
        rows = [
            historical(
                **{f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields},
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
            )
            for obj in missing.iterator(chunk_size=500)
        ]
        if not rows:
            continue
        historical.objects.using(db).bulk_create(rows, batch_size=500)
        if not m2m_names:
            continue
        by_pk = {
            row.id: row.history_id
            for row in historical.objects.using(db).filter(history_change_reason=REASON, history_date=now)
        }
        for m2m_name in m2m_names:
            through = model._meta.get_field(m2m_name).remote_field.through
            historical_m2m = apps.get_model("history", f"Historical{name}_{m2m_name}")
            owner = next(f for f in through._meta.fields if f.is_relation and f.related_model == model)
            links = through.objects.using(db).filter(**{f"{owner.attname}__in": list(by_pk)})
            historical_m2m.objects.using(db).bulk_create(
                [
                    historical_m2m(
                        **{f.attname: getattr(link, f.attname) for f in through._meta.concrete_fields},
                        history_id=by_pk[getattr(link, owner.attname)],
                    )
                    for link in links.iterator(chunk_size=500)
                ],
                batch_size=500,
            )


class Migration(migrations.Migration):
    dependencies = [("history", "0001_initial")]

    operations = [migrations.RunPython(create_baseline, migrations.RunPython.noop)]
