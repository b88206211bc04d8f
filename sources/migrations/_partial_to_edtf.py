"""Shared by the migrations that turn (X_on, X_precision) pairs into reported dates
(claims 0007, sources 0004, history 0006). The migration loader skips modules whose
name starts with "_", so this is a helper, not a migration.

It is frozen here, not imported from sources.date_fields, so that later changes to the
app cannot change what these migrations did. A pair becomes its EDTF text ("2023-08")
and the first and last day of its period; no words, nothing inferred.
"""

import calendar
import datetime as dt
import re

from django.db.migrations.exceptions import IrreversibleError

BATCH = 2000


def edtf_of(on: dt.date | None, precision: str) -> tuple[str, dt.date | None, dt.date | None]:
    if on is None:
        return "", None, None
    if precision == "year":
        return f"{on.year:04d}", dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    if precision == "month":
        last = calendar.monthrange(on.year, on.month)[1]
        return f"{on.year:04d}-{on.month:02d}", on.replace(day=1), on.replace(day=last)
    return on.isoformat(), on, on


def pair_of(text: str) -> tuple[dt.date | None, str]:
    """Back again, for reversing: only a plain date (2023-10-26, 2023-08, 2023) fits a pair."""
    if not text:
        return None, ""
    if not re.fullmatch(r"\d{4}(-\d{2}){0,2}", text):
        raise IrreversibleError(f"The date {text!r} has no (date, precision) form; remove such dates first.")
    parts = [int(part) for part in text.split("-")]
    return dt.date(*parts, *[1] * (3 - len(parts))), ("year", "month", "day")[len(parts) - 1]


def backfill(apps, dates: dict[str, list[str]], *, reverse: bool = False) -> None:
    """For each model ("claims.Claim") and its date names (["made", ...]), fill the new
    columns from the old pair (or, reversed, the pair from the EDTF text), in batches."""
    for label, names in dates.items():
        model = apps.get_model(label)
        old = [f"{name}_{part}" for name in names for part in ("on", "precision")]
        new = [f"{name}_{part}" for name in names for part in ("edtf", "earliest", "latest")]
        pk = model._meta.pk.attname
        rows = []
        for row in model.objects.only(pk, *old, *new).order_by(pk).iterator(chunk_size=BATCH):
            for name in names:
                if reverse:
                    values = dict(zip(("on", "precision"), pair_of(getattr(row, f"{name}_edtf")), strict=True))
                else:
                    pair = (getattr(row, f"{name}_on"), getattr(row, f"{name}_precision"))
                    values = dict(zip(("edtf", "earliest", "latest"), edtf_of(*pair), strict=True))
                for part, value in values.items():
                    setattr(row, f"{name}_{part}", value)
            rows.append(row)
            if len(rows) == BATCH:
                model.objects.bulk_update(rows, old if reverse else new)
                rows = []
        if rows:
            model.objects.bulk_update(rows, old if reverse else new)


def forwards(dates):
    return lambda apps, schema_editor: backfill(apps, dates)


def backwards(dates):
    return lambda apps, schema_editor: backfill(apps, dates, reverse=True)
