"""schema.org JSON-LD of a claim page (web/jsonld.py): its dates are ISO 8601, as
schema.org reads them, or are left out."""

import json

import pytest
from django.test import RequestFactory

from claims.models import Claim
from tests.factories import make_claim, make_claim_citation, make_source
from web.jsonld import claim_jsonld

pytestmark = pytest.mark.django_db


def jsonld(claim) -> dict:
    claim = Claim.objects.for_detail().get(pk=claim.pk)
    return json.loads(claim_jsonld(claim, RequestFactory().get("/")))


@pytest.mark.parametrize(
    ("edtf", "date_published"),
    [
        ("2023-11-01", "2023-11-01"),
        ("2023-08", "2023-08"),
        ("2023", "2023"),
        ("2023-10-26T14:30:00+09:00", "2023-10-26T14:30:00+09:00"),
        ("2022-06~", None),
        ("2023-10-19/2023-10-25", None),
        ("2022/..", None),
        ("[..2023-10-25]", None),
    ],
)
def test_plain_dates_and_times_are_given_and_hedged_or_ranged_ones_left_out(edtf, date_published):
    claim = make_claim(made=edtf)
    make_claim_citation(claim=claim, source=make_source(published=edtf))

    data = jsonld(claim)

    [appearance] = data["itemReviewed"]["appearance"]
    assert appearance.get("datePublished") == date_published
    assert data["itemReviewed"].get("datePublished") == date_published


def test_an_undated_claim_has_no_date_published():
    claim = make_claim(made=None)

    assert "datePublished" not in jsonld(claim)["itemReviewed"]
