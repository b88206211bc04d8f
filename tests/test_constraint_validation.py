"""Model validation evaluates the date constraints without a failing query.

Model.full_clean() runs every CheckConstraint's condition as a query on the instance's
values (CheckConstraint.validate()). With an empty date PostgreSQL once refused the
old partial-date rules (EXTRACT(DAY FROM NULL): "function pg_catalog.extract(unknown,
unknown) is not unique"), logging a warning and skipping the rule. The reported-date
rules compare the earliest and latest day, which are NULL for open and undated dates:
these tests keep every shape free of failing queries. tests/test_constraints.py checks
the same rules at the database.
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
    (make_claim, ["made", "period_start", "period_end"]),
    (make_denial, ["made"]),
    (make_source, ["published"]),
    (make_attribution, ["date"]),
    (make_quantity, ["as_of"]),
]
EVERY_SHAPE = ["2023-11-02", "2023-08", "2023", "2022-06~", "2023-10-19/2023-10-25", "[..2023-10-25]", "2022/..", ""]


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


@pytest.mark.parametrize(("make", "names"), DATES, ids=lambda v: getattr(v, "__name__", None))
@pytest.mark.parametrize("text", EVERY_SHAPE)
def test_full_clean_of_every_shape_of_date_runs_no_failing_query(caplog, make, names, text):
    obj = make()
    for name in names:
        setattr(obj, name, text)
    if isinstance(obj, Claim) and text:
        obj.period_start, obj.period_end = "2022", "2023-12-31"  # in order

    with no_failing_query_nor_warning(caplog):
        obj.full_clean()


def test_a_claim_with_no_period_validates_without_failing_query(caplog):
    claim = make_claim()
    assert claim.period_start is None and claim.period_end is None

    with no_failing_query_nor_warning(caplog):
        claim.full_clean()
        claim.validate_constraints()


def test_validate_constraints_itself_rejects_a_period_ending_before_it_begins(caplog):
    # clean() says so first, on the field: this checks the constraint's own evaluation.
    claim = make_claim(period_start="2023-08", period_end="2023-09")
    claim.period_start = "2023-10"

    with no_failing_query_nor_warning(caplog), pytest.raises(ValidationError) as excinfo:
        claim.validate_constraints()

    assert "The covered period must start before it ends." in str(excinfo.value)


def test_the_database_still_refuses_bounds_out_of_order():
    claim = make_claim()

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(made_earliest=dt.date(2023, 8, 5), made_latest=dt.date(2023, 8, 1))

    assert "claim_made_days_in_order" in str(excinfo.value)
