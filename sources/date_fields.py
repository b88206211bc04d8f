"""Reported dates in the database: an EDTF text and the columns that make it usable.

A reported date X (a claim's `made`, a source's `published` ...) is five columns:

- X_edtf: the date as EDTF text ("2023-08", "2022-06~", "[..2023-10-25]", "2022/.."),
  blank when undated (sources/reported_dates.py reads it);
- X_earliest, X_latest: the first and last day it allows, NULL where it is open or
  undated. They are derived from X_edtf on every save, never typed, and indexed on the
  main tables: lists sort on earliest then latest, and a date filter means overlap;
- X_as_worded: the source's own words ("early August", "days before 26 October");
- X_inferred: an analyst worked the date out from relative wording ("last Friday")
  against the source's date, so readers are told it is not the source's own.

`obj.X` reads and writes them together as a ReportedDate, which prints in words.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OrderBy, Q

from sources import reported_dates

EDTF_HELP = (
    "EDTF: 2023-10-26, 2023-08, 2023, 2022-06~ (about), 2023? (uncertain), "
    "2023-10-19/2023-10-25 (between), [..2023-10-25] (on or before), 2022/.. (since), 2023-10-2X."
)
AS_WORDED_HELP = "The source's own words for the date when not plain: 'early August', 'days before 26 October'."
INFERRED_WITHOUT_DATE = "Give the date (EDTF) you inferred, or untick 'inferred'."
INFERRED_HELP = "Tick when you worked the date out from relative wording ('last Friday') against the source's date."


@dataclass(frozen=True)
class ReportedDate:
    edtf: str
    earliest: dt.date | None = None
    latest: dt.date | None = None
    as_worded: str = ""
    inferred: bool = False

    @classmethod
    def parse(cls, value, *, as_worded: str = "", inferred: bool = False) -> "ReportedDate":
        """From EDTF text (or a date); a ValidationError for text that is not EDTF."""
        if isinstance(value, ReportedDate):
            return value
        text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
        earliest, latest = reported_dates.bounds(text)
        return cls(text, earliest, latest, as_worded, inferred)

    def __str__(self) -> str:
        return reported_dates.in_words(self.edtf)

    def isoformat(self) -> str:
        return self.edtf

    @property
    def precision(self) -> str:
        """day, month or year for a plain date; "" for anything wider or hedged."""
        return precision_of(self.edtf)

    @property
    def html_datetime(self) -> str:
        """A value for <time datetime>, which takes plain dates only: "" otherwise."""
        return self.edtf if self.precision else ""


class Precision(models.TextChoices):
    """The precision of a plain date, which exports and the API give beside its EDTF."""

    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


def precision_of(text: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return Precision.DAY
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return Precision.MONTH
    return Precision.YEAR if re.fullmatch(r"\d{4}", text) else ""


def validate_edtf(value: str) -> None:
    if value:
        reported_dates.parse(value)


def reported_date(verbose_name: str, help_text: str = "") -> tuple[models.Field, ...]:
    """The five fields of one reported date, in the order X_edtf, X_earliest, X_latest,
    X_as_worded, X_inferred: unpack them into a model's class body."""
    return (
        models.CharField(
            f"{verbose_name} (EDTF)",
            max_length=60,
            blank=True,
            validators=[validate_edtf],
            help_text=f"{help_text} {EDTF_HELP}".strip(),
        ),
        models.DateField(f"{verbose_name}: earliest day", null=True, blank=True, editable=False),
        models.DateField(f"{verbose_name}: latest day", null=True, blank=True, editable=False),
        models.CharField(f"{verbose_name} as worded", max_length=200, blank=True, help_text=AS_WORDED_HELP),
        models.BooleanField(f"{verbose_name} inferred", default=False, help_text=INFERRED_HELP),
    )


class ReportedDateAccessor(property):
    """`claim.made` reads the made_* columns as a ReportedDate (None when undated), and
    writing EDTF text, a date or a ReportedDate to it sets them all. A property, so that
    Claim(made="2023-08") and Claim.objects.create(made=...) take it too."""

    def __init__(self):
        super().__init__(self.__get, self.__set)

    def __set_name__(self, owner, name):
        self.name = name

    def __get(self, instance):
        text = getattr(instance, f"{self.name}_edtf")
        if not text:
            return None
        return ReportedDate(
            text,
            getattr(instance, f"{self.name}_earliest"),
            getattr(instance, f"{self.name}_latest"),
            getattr(instance, f"{self.name}_as_worded"),
            getattr(instance, f"{self.name}_inferred"),
        )

    def __set(self, instance, value):
        """None clears the date; text or a date keeps the words and the inferred flag."""
        if value in (None, ""):
            date = ReportedDate("")
        elif isinstance(value, ReportedDate):
            date = ReportedDate.parse(value.edtf, as_worded=value.as_worded, inferred=value.inferred)
        else:
            date = ReportedDate.parse(
                value,
                as_worded=getattr(instance, f"{self.name}_as_worded"),
                inferred=getattr(instance, f"{self.name}_inferred"),
            )
        for part in ("edtf", "earliest", "latest", "as_worded", "inferred"):
            setattr(instance, f"{self.name}_{part}", getattr(date, part))


class ReportedDates:
    """Model mixin: the earliest and latest day of every ReportedDateAccessor on the model
    follow its EDTF text on every save and every full_clean()."""

    @classmethod
    def reported_date_names(cls) -> list[str]:
        return [name for name in dir(cls) if isinstance(getattr(cls, name, None), ReportedDateAccessor)]

    def fill_date_bounds(self, *, strict: bool = True) -> None:
        for name in self.reported_date_names():
            text = getattr(self, f"{name}_edtf")
            try:
                earliest, latest = reported_dates.bounds(text) if text else (None, None)
            except ValidationError as exc:
                if strict:
                    raise ValidationError({f"{name}_edtf": exc.messages}) from None
                continue  # clean_fields() reports it
            setattr(self, f"{name}_earliest", earliest)
            setattr(self, f"{name}_latest", latest)

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.fill_date_bounds(strict=False)
        for name in self.reported_date_names():
            # Mirrors the bounds_need_a_date rule, which forms skip: its bounds are not on them.
            if getattr(self, f"{name}_inferred") and not getattr(self, f"{name}_edtf"):
                errors.setdefault(f"{name}_inferred", []).append(INFERRED_WITHOUT_DATE)
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        # A date excluded (not on the form, or already in error) takes its bounds along:
        # the rules on them would only repeat the error.
        exclude = set(exclude or ())
        for name in self.reported_date_names():
            if f"{name}_edtf" in exclude:
                exclude |= {f"{name}_earliest", f"{name}_latest"}
        super().validate_constraints(exclude=exclude)

    def save(self, *args, update_fields=None, **kwargs):
        self.fill_date_bounds()
        if update_fields is not None:
            update_fields = set(update_fields)
            for name in self.reported_date_names():
                if f"{name}_edtf" in update_fields:
                    update_fields |= {f"{name}_earliest", f"{name}_latest"}
        return super().save(*args, update_fields=update_fields, **kwargs)


def reported_date_rules(prefix: str, name: str) -> list:
    """Database constraints for one reported date: its days in order, and no bounds or
    'inferred' without a date."""
    edtf, earliest, latest, inferred = (f"{name}_{part}" for part in ("edtf", "earliest", "latest", "inferred"))
    return [
        models.CheckConstraint(
            condition=Q(**{f"{earliest}__isnull": True})
            | Q(**{f"{latest}__isnull": True})
            | Q(**{f"{earliest}__lte": F(latest)}),
            name=f"{prefix}_{name}_days_in_order",
        ),
        models.CheckConstraint(
            condition=~Q(**{edtf: ""}) | Q(**{f"{earliest}__isnull": True, f"{latest}__isnull": True, inferred: False}),
            name=f"{prefix}_{name}_bounds_need_a_date",
            violation_error_message=INFERRED_WITHOUT_DATE,
        ),
    ]


def reported_date_indexes(prefix: str, *names: str) -> list:
    """Indexes on the earliest and latest day of each date, for sorting and overlap filters."""
    return [
        models.Index(fields=[f"{name}_{end}"], name=f"{prefix}_{name}_{short}")
        for name in names
        for end, short in (("earliest", "from"), ("latest", "to"))
    ]


def newest_first(name: str) -> list:
    """Newest first by a reported date, undated last, the primary key breaking ties: the
    admin's changelist order, served by newest_first_index()."""
    return [F(f"{name}_earliest").desc(nulls_last=True), F(f"{name}_latest").desc(nulls_last=True), F("id").desc()]


class NullsLastIndex(models.Index):
    """An index on descending, NULLS LAST expressions. SQLite refuses NULLS LAST in an
    index but puts NULLs last in a descending one anyway, so it gets the plain form."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "sqlite":
            plain = [OrderBy(e.expression, descending=e.descending) for e in self.expressions]
            return models.Index(*plain, name=self.name).create_sql(model, schema_editor, using, **kwargs)
        return super().create_sql(model, schema_editor, using, **kwargs)


def newest_first_index(prefix: str, name: str) -> models.Index:
    """The index a newest-first page reads in order: its first rows, not a sort of all."""
    return NullsLastIndex(*newest_first(name), name=f"{prefix}_{name}_newest")
