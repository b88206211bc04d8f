"""Whether a citation's quote is in its source's stored text becomes a stored column
(it was computed on every read), filled here for the citations already recorded."""

import re

from django.db import migrations, models

_WHITESPACE = re.compile(r"\s+")
_CHUNK = 1000


def _squash(text: str) -> str:
    # As claims.models._squash at the time of this migration.
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return _WHITESPACE.sub(" ", text).strip().casefold()


def fill_quote_found(apps, schema_editor):
    Source = apps.get_model("sources", "Source")
    for name in ("ClaimCitation", "DenialCitation"):
        model = apps.get_model("claims", name)
        found = {True: [], False: []}
        current, text = None, ""
        rows = (
            model.objects.exclude(quote="")
            .order_by("source_id")
            .values_list("pk", "quote", "source_id")
            .iterator(chunk_size=_CHUNK)
        )
        for pk, quote, source_id in rows:
            if source_id != current:
                current = source_id
                text = _squash(Source.objects.filter(pk=source_id).values_list("text", flat=True).get())
            if text:
                found[_squash(quote) in text].append(pk)
        for value, pks in found.items():
            for start in range(0, len(pks), _CHUNK):
                model.objects.filter(pk__in=pks[start : start + _CHUNK]).update(quote_found=value)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_search_documents"),
        ("sources", "0005_unpublished_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="claimcitation",
            name="quote_found",
            field=models.BooleanField(
                editable=False,
                help_text="True if the quote appears in the source's stored text, False if it no longer does "
                "(flag it), empty when there is no text or no quote to check. Kept current on save, of the "
                "citation and of its source.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="denialcitation",
            name="quote_found",
            field=models.BooleanField(
                editable=False,
                help_text="True if the quote appears in the source's stored text, False if it no longer does "
                "(flag it), empty when there is no text or no quote to check. Kept current on save, of the "
                "citation and of its source.",
                null=True,
            ),
        ),
        migrations.RunPython(fill_quote_found, migrations.RunPython.noop, elidable=True),
    ]
