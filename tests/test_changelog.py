"""A claim's public changelog names the dates that changed in readers' words."""

import pytest
from django.urls import reverse

from tests.factories import make_claim
from web.changelog import DATE_LABELS, PUBLIC_FIELDS, published_revisions

pytestmark = pytest.mark.django_db


def revise(claim, **values):
    claim.refresh_from_db()
    for name, value in values.items():
        setattr(claim, name, value)
    claim.save()


def latest_changes(claim):
    return published_revisions(claim)[-1].public_changes


def test_a_new_date_is_listed_once_by_its_name_not_by_its_columns():
    claim = make_claim(made="2023-11-01")

    revise(claim, made="2023-10-19/2023-10-25")  # earliest and latest change with it

    assert latest_changes(claim) == ["date made"]


@pytest.mark.parametrize(
    ("values", "changes"),
    [
        ({"made_as_worded": "last week"}, ["date made as worded"]),
        ({"made_inferred": True}, ["whether the date made is inferred"]),
        ({"period_start": "2023-08"}, ["start of period covered"]),
        ({"period_end": "2023-10", "period_start": "2023-08"}, ["end of period covered", "start of period covered"]),
        ({"status": "disputed", "made": "2023-08"}, ["date made", "status"]),
    ],
)
def test_each_part_of_a_date_has_a_readable_name(values, changes):
    claim = make_claim(made="2023-11-01")

    revise(claim, **values)

    assert latest_changes(claim) == changes


def test_every_public_date_field_has_a_label_and_no_derived_column_is_listed():
    assert set(DATE_LABELS) <= PUBLIC_FIELDS
    assert not any(name.endswith(("_earliest", "_latest", "_on", "_precision")) for name in PUBLIC_FIELDS)


def test_the_changelog_page_shows_the_names(client):
    claim = make_claim(made="2023-11-01")
    revise(claim, made="2023-11~", made_as_worded="in early November")

    html = client.get(reverse("web:claim_changelog", args=[claim.slug])).content.decode()

    assert "date made, date made as worded" in html
