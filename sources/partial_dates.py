"""Dates that carry their precision.

Reporting says "since August", "in October", "on 1 November 2023". A date field alone
would turn "August 2023" into "1 August 2023", a fact nobody asserted. So every date in
the knowledge base is stored as two columns: the first day of the period it names and
its precision (day, month or year), kept consistent by database constraints.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast, ExtractDay, ExtractMonth
from django.db.models.lookups import Exact


class Precision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


_ISO = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    date: dt.date  # first day of the period
    precision: str

    @classmethod
    def parse(cls, value) -> "PartialDate":
        """Read "2023-11-01", "2023-11" or "2023" (or a date); the form gives the precision."""
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value, Precision.DAY)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        match = _ISO.match(value.strip()) if isinstance(value, str) else None
        if not match:
            raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY.")
        year, month, day = match["year"], match["month"], match["day"]
        try:
            if day:
                return cls(dt.date(int(year), int(month), int(day)), Precision.DAY)
            if month:
                return cls(dt.date(int(year), int(month), 1), Precision.MONTH)
            return cls(dt.date(int(year), 1, 1), Precision.YEAR)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid date ({exc}).") from None

    @property
    def last_day(self) -> dt.date:
        if self.precision == Precision.YEAR:
            return dt.date(self.date.year, 12, 31)
        if self.precision == Precision.MONTH:
            days = calendar.monthrange(self.date.year, self.date.month)[1]
            return self.date.replace(day=days)
        return self.date

    def isoformat(self) -> str:
        """ISO 8601 at the stored precision: 2023-11-01, 2023-08 or 2023."""
        if self.precision == Precision.YEAR:
            return f"{self.date.year:04d}"
        if self.precision == Precision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()

    def __str__(self) -> str:
        if self.precision == Precision.YEAR:
            return str(self.date.year)
        if self.precision == Precision.MONTH:
            return f"{calendar.month_name[self.date.month]} {self.date.year}"
        return f"{self.date.day} {calendar.month_name[self.date.month]} {self.date.year}"


def truncate(date: dt.date, precision: str) -> dt.date:
    if precision == Precision.YEAR:
        return date.replace(month=1, day=1)
    if precision == Precision.MONTH:
        return date.replace(day=1)
    return date


class PartialDateAccessor:
    """`claim.made` reads and writes the (made_on, made_precision) pair as a PartialDate."""

    def __init__(self, date_field: str, precision_field: str):
        self.date_field = date_field
        self.precision_field = precision_field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        date = getattr(instance, self.date_field)
        precision = getattr(instance, self.precision_field)
        return PartialDate(date, precision) if date and precision else None

    def __set__(self, instance, value):
        if value is None:
            setattr(instance, self.date_field, None)
            setattr(instance, self.precision_field, "")
            return
        if not isinstance(value, PartialDate):
            value = PartialDate.parse(value)
        setattr(instance, self.date_field, value.date)
        setattr(instance, self.precision_field, value.precision)


def partial_date_constraints(prefix: str, date_field: str, precision_field: str) -> list:
    """Database constraints for one date/precision pair.

    A precision is given exactly when a date is, and a month- or year-precision date
    is stored as the first day of its month or year.
    """
    d, p = date_field, precision_field
    # The day and month of the date, read from the date cast to a date: a no-op on the
    # column, but Model.validate_constraints() evaluates these conditions with the
    # instance's values in place of the columns, and PostgreSQL cannot type a bare
    # NULL in EXTRACT(DAY FROM NULL) ("function pg_catalog.extract(unknown, unknown)
    # is not unique"): the failing query was logged and the check skipped.
    date = Cast(d, models.DateField())
    on_day_1 = Exact(ExtractDay(date), 1)
    in_month_1 = Exact(ExtractMonth(date), 1)
    return [
        models.CheckConstraint(
            condition=(Q(**{f"{d}__isnull": True}) & Q(**{p: ""}))
            | (Q(**{f"{d}__isnull": False}) & Q(**{f"{p}__in": Precision.values})),
            name=f"{prefix}_{d}_precision_given",
            violation_error_message=f"Give a precision (day, month or year) with the date {d}, and none without it.",
        ),
        models.CheckConstraint(
            condition=~Q(**{p: Precision.MONTH}) | Q(on_day_1),
            name=f"{prefix}_{d}_month_starts_on_1st",
        ),
        models.CheckConstraint(
            condition=~Q(**{p: Precision.YEAR}) | Q(on_day_1, in_month_1),
            name=f"{prefix}_{d}_year_starts_on_1_jan",
        ),
    ]


def clean_partial_date(instance, date_field: str, precision_field: str, *, required=False) -> None:
    """Form-side mirror of partial_date_constraints: readable errors, and a date of
    month or year precision is moved to the first day of its period."""
    date = getattr(instance, date_field)
    precision = getattr(instance, precision_field)
    if date is None:
        if required:
            raise ValidationError({date_field: "This date is required."})
        if precision:
            raise ValidationError({precision_field: "A precision was given without a date."})
        return
    if not precision:
        raise ValidationError({precision_field: "Say how precise the date is: day, month or year."})
    setattr(instance, date_field, truncate(date, precision))


PRECISION_HELP = (
    "How precise the date is. For 'August 2023' choose month and enter any day in August: "
    "it is stored and shown as 'August 2023', never as '1 August 2023'."
)
