"""Dates that carry their precision: "August 2023" stays August 2023, never becomes
"1 August 2023"."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from claims.models import Claim
from sources.partial_dates import (
    PartialDate,
    PartialDateAccessor,
    Precision,
    clean_partial_date,
    truncate,
)
from tests.factories import make_claim

# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "date", "precision"),
    [
        ("2023-11-01", dt.date(2023, 11, 1), "day"),
        ("2023-11-02", dt.date(2023, 11, 2), "day"),
        ("2023-08", dt.date(2023, 8, 1), "month"),
        ("2023-8", dt.date(2023, 8, 1), "month"),
        ("2023", dt.date(2023, 1, 1), "year"),
        (" 2023-08 ", dt.date(2023, 8, 1), "month"),
        ("2024-02-29", dt.date(2024, 2, 29), "day"),
        (dt.date(2023, 8, 5), dt.date(2023, 8, 5), "day"),
        (dt.datetime(2023, 8, 5, 14, 30), dt.date(2023, 8, 5), "day"),
        (2023, dt.date(2023, 1, 1), "year"),
    ],
)
def test_parse_reads_the_precision_from_the_form_of_the_value(value, date, precision):
    parsed = PartialDate.parse(value)
    assert parsed == PartialDate(date, precision)
    assert type(parsed.date) is dt.date


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("2023-13", "month must be in 1..12"),
        ("2023-02-30", "day is out of range for month"),
        ("2023-02-29", "day is out of range for month"),
        ("2023-00", "month must be in 1..12"),
        ("yesterday", "write YYYY-MM-DD, YYYY-MM or YYYY"),
        ("", "write YYYY-MM-DD, YYYY-MM or YYYY"),
        ("23-08", "write YYYY-MM-DD, YYYY-MM or YYYY"),
        ("August 2023", "write YYYY-MM-DD, YYYY-MM or YYYY"),
        ("2023/08/01", "write YYYY-MM-DD, YYYY-MM or YYYY"),
        ("01-08-2023", "write YYYY-MM-DD, YYYY-MM or YYYY"),
    ],
)
def test_parse_of_an_invalid_string_raises_value_error_naming_the_value_and_the_fix(value, hint):
    with pytest.raises(ValueError, match="not a") as excinfo:
        PartialDate.parse(value)
    message = str(excinfo.value)
    assert repr(value) in message
    assert hint in message


@pytest.mark.parametrize("value", [None, True, 2023.5, ["2023"]])
def test_parse_of_a_value_that_is_not_a_date_raises_value_error(value):
    with pytest.raises(ValueError, match="is not a date"):
        PartialDate.parse(value)


# --- display and arithmetic ----------------------------------------------------------


@pytest.mark.parametrize(
    ("partial", "text"),
    [
        (PartialDate(dt.date(2023, 11, 2), "day"), "2 November 2023"),
        (PartialDate(dt.date(2023, 11, 1), "day"), "1 November 2023"),
        (PartialDate(dt.date(2023, 8, 1), "month"), "August 2023"),
        (PartialDate(dt.date(2023, 1, 1), "year"), "2023"),
    ],
)
def test_str_shows_only_what_the_precision_asserts(partial, text):
    assert str(partial) == text


def test_month_precision_is_never_shown_as_the_first_of_the_month():
    text = str(PartialDate.parse("2023-08"))
    assert text == "August 2023"
    assert "1" not in text.split()[0]


@pytest.mark.parametrize(
    ("value", "iso"),
    [("2023-11-02", "2023-11-02"), ("2023-08", "2023-08"), ("2023-8", "2023-08"), ("2023", "2023"), (2023, "2023")],
)
def test_isoformat_writes_the_stored_precision(value, iso):
    assert PartialDate.parse(value).isoformat() == iso


def test_isoformat_pads_early_years_to_four_digits():
    assert PartialDate(dt.date(987, 1, 1), "year").isoformat() == "0987"
    assert PartialDate(dt.date(987, 3, 1), "month").isoformat() == "0987-03"


@pytest.mark.parametrize(
    ("value", "last"),
    [
        ("2023-08", dt.date(2023, 8, 31)),
        ("2023-11", dt.date(2023, 11, 30)),
        ("2023-02", dt.date(2023, 2, 28)),
        ("2024-02", dt.date(2024, 2, 29)),
        ("2000-02", dt.date(2000, 2, 29)),
        ("1900-02", dt.date(1900, 2, 28)),
        ("2023-12", dt.date(2023, 12, 31)),
        ("2023", dt.date(2023, 12, 31)),
        ("2023-11-02", dt.date(2023, 11, 2)),
    ],
)
def test_last_day_ends_the_named_period(value, last):
    assert PartialDate.parse(value).last_day == last


def test_partial_dates_sort_by_their_first_day():
    dates = [PartialDate.parse(v) for v in ("2023-11-01", "2023", "2023-08", "2022-12-31")]
    assert [d.isoformat() for d in sorted(dates)] == ["2022-12-31", "2023", "2023-08", "2023-11-01"]


@pytest.mark.parametrize(
    ("precision", "first"),
    [("day", dt.date(2023, 8, 5)), ("month", dt.date(2023, 8, 1)), ("year", dt.date(2023, 1, 1))],
)
def test_truncate_moves_a_date_to_the_first_day_of_its_period(precision, first):
    assert truncate(dt.date(2023, 8, 5), precision) == first


# --- clean_partial_date (the form-side mirror of the constraints) --------------------


class _Dated:
    def __init__(self, on=None, precision=""):
        self.on = on
        self.precision = precision


def test_clean_partial_date_requires_a_date_only_when_asked():
    clean_partial_date(_Dated(), "on", "precision")
    with pytest.raises(ValidationError) as excinfo:
        clean_partial_date(_Dated(), "on", "precision", required=True)
    assert excinfo.value.message_dict == {"on": ["This date is required."]}


def test_clean_partial_date_moves_a_month_date_to_the_1st():
    dated = _Dated(dt.date(2023, 8, 31), "month")
    clean_partial_date(dated, "on", "precision")
    assert dated.on == dt.date(2023, 8, 1)


# --- the accessor on a model ---------------------------------------------------------


def test_setting_a_month_string_on_the_accessor_sets_date_and_precision():
    claim = Claim()
    claim.made = "2023-08"
    assert (claim.made_on, claim.made_precision) == (dt.date(2023, 8, 1), Precision.MONTH)
    assert claim.made == PartialDate(dt.date(2023, 8, 1), "month")
    assert str(claim.made) == "August 2023"


@pytest.mark.parametrize(
    ("value", "date", "precision"),
    [
        ("2023-11-02", dt.date(2023, 11, 2), "day"),
        ("2023", dt.date(2023, 1, 1), "year"),
        (dt.date(2023, 11, 2), dt.date(2023, 11, 2), "day"),
        (PartialDate(dt.date(2023, 8, 1), "month"), dt.date(2023, 8, 1), "month"),
    ],
)
def test_accessor_accepts_strings_dates_and_partial_dates(value, date, precision):
    claim = Claim()
    claim.period_start = value
    assert (claim.period_start_on, claim.period_start_precision) == (date, precision)


def test_setting_none_on_the_accessor_clears_date_and_precision():
    claim = Claim(made_on=dt.date(2023, 11, 1), made_precision="day")
    claim.made = None
    assert (claim.made_on, claim.made_precision, claim.made) == (None, "", None)


def test_accessor_reads_none_when_date_or_precision_is_missing():
    assert Claim().made is None
    assert Claim(made_on=dt.date(2023, 11, 1)).made is None


def test_accessor_refuses_an_invalid_string_and_leaves_the_fields_alone():
    claim = Claim(made_on=dt.date(2023, 11, 1), made_precision="day")
    with pytest.raises(ValueError, match="2023-13"):
        claim.made = "2023-13"
    assert (claim.made_on, claim.made_precision) == (dt.date(2023, 11, 1), "day")


def test_accessor_on_the_class_is_the_descriptor():
    assert isinstance(Claim.made, PartialDateAccessor)
    assert (Claim.made.date_field, Claim.made.precision_field) == ("made_on", "made_precision")


@pytest.mark.django_db
def test_saved_and_reloaded_claim_with_month_precision_shows_the_month():
    claim = make_claim(made_on=None, made_precision="")
    claim.made = "2023-08"
    claim.period_start = "2023"
    claim.save()
    reloaded = Claim.objects.get(pk=claim.pk)
    assert (reloaded.made_on, reloaded.made_precision) == (dt.date(2023, 8, 1), "month")
    assert str(reloaded.made) == "August 2023"
    assert str(reloaded.period_start) == "2023"
    assert reloaded.made.last_day == dt.date(2023, 8, 31)


@pytest.mark.django_db
def test_claims_can_be_filtered_by_the_stored_first_day_of_a_month():
    august = make_claim(made_on=dt.date(2023, 8, 1), made_precision="month")
    make_claim(made_on=dt.date(2023, 11, 2), made_precision="day")
    period = PartialDate.parse("2023-08")
    in_august = Claim.objects.filter(made_on__gte=period.date, made_on__lte=period.last_day)
    assert list(in_august) == [august]
