"""Model validation evaluates the date constraints without a failing query.

Model.full_clean() runs every CheckConstraint's condition as a query on the instance's
values (CheckConstraint.validate()). The partial-date rules read the day and month of
the date; with an empty date PostgreSQL refused EXTRACT(DAY FROM NULL) ("function
pg_catalog.extract(unknown, unknown) is not unique"): eight failing queries for a claim
without a period, each logged as a warning by django.db.models and the rule skipped.
tests/test_constraints.py checks the same rules at the database.
"""

import datetime as dt
import logging
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from claims.models import Claim
from tests.factories import make_attribution, make_claim, make_denial, make_quantity, make_source

pytestmark = pytest.mark.django_db

DATES = [
    (make_claim, ["made_on", "period_start_on", "period_end_on"]),
    (make_denial, ["made_on"]),
    (make_source, ["published_on"]),
    (make_attribution, ["date_on"]),
    (make_quantity, ["as_of_on"]),
]
AT_EVERY_PRECISION = [
    (dt.date(2023, 11, 2), "day"),
    (dt.date(2023, 8, 1), "month"),
    (dt.date(2023, 1, 1), "year"),
    (None, ""),
]


def precision_of(date_field: str) -> str:
    return date_field.removesuffix("_on") + "_precision"


@contextmanager
def no_failing_query_nor_warning(caplog):
    failed = []

    def record_failures(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except DatabaseError as exc:
            failed.append((sql, exc))
            raise

    with caplog.at_level(logging.WARNING, logger="django.db.models"), connection.execute_wrapper(record_failures):
        yield
    assert failed == []
    assert [r.getMessage() for r in caplog.records if r.name.startswith("django.db.models")] == []


@pytest.mark.parametrize(("make", "date_fields"), DATES, ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize(("date", "precision"), AT_EVERY_PRECISION, ids=["day", "month", "year", "none"])
def test_full_clean_at_every_precision_runs_no_failing_query(caplog, make, date_fields, date, precision):
    obj = make()
    for field in date_fields:
        if field == "made_on" and date is None:
            continue  # required
        setattr(obj, field, date)
        setattr(obj, precision_of(field), precision)
    if isinstance(obj, Claim) and date is not None:
        obj.period_end_on, obj.period_end_precision = dt.date(2023, 12, 31), "day"  # ends after it starts

    with no_failing_query_nor_warning(caplog):
        obj.full_clean()


def test_a_claim_with_no_period_validates_without_failing_query(caplog):
    claim = make_claim()
    assert claim.period_start_on is None and claim.period_end_on is None

    with no_failing_query_nor_warning(caplog):
        claim.full_clean()
        claim.validate_constraints()


@pytest.mark.parametrize(
    ("date", "precision", "rule"),
    [(dt.date(2023, 8, 5), "month", "month_starts_on_1st"), (dt.date(2023, 3, 1), "year", "year_starts_on_1_jan")],
)
def test_validate_constraints_itself_rejects_a_date_off_its_period_start(caplog, date, precision, rule):
    # clean() would move the date to the 1st: this checks the constraint's own evaluation.
    claim = make_claim()
    claim.period_start_on, claim.period_start_precision = date, precision

    with no_failing_query_nor_warning(caplog), pytest.raises(ValidationError) as excinfo:
        claim.validate_constraints()

    assert f"claim_period_start_on_{rule}" in str(excinfo.value)


def test_the_database_still_refuses_a_month_precision_date_not_on_the_1st():
    claim = make_claim()

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(made_on=dt.date(2023, 8, 5), made_precision="month")

    assert "claim_made_on_month_starts_on_1st" in str(excinfo.value)
    Claim.objects.filter(pk=claim.pk).update(made_on=dt.date(2023, 8, 1), made_precision="month")
