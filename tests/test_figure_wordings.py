"""A figure's own kind and certainty, and how each source worded it (CitationFigure): on
the claim page, in the data exports and in the API; a misreporting citation is shown as
one. The wordings load with the citations in a constant number of queries."""

import csv
import io
import json

import pytest

from claims.models import Quantity
from tests.factories import (
    make_citation_figure,
    make_claim,
    make_claim_citation,
    make_quantity,
)
from web.export.data import CSV_COLUMNS

pytestmark = pytest.mark.django_db

SHELLS = "more than a million North Korean artillery shells"


@pytest.fixture
def claim():
    """A claim stated as fact, with a counted figure and a capacity the claimant is less
    sure of; one source words both, another misreports the first."""
    claim = make_claim(certainty="fact")
    shells = make_quantity(claim=claim, position=1, as_worded="more than a million")
    capacity = make_quantity(
        claim=claim,
        position=2,
        kind=Quantity.Kind.CAPACITY,
        certainty="possible",
        comparator="at_most",
        low=5_000_000,
        item="shells",
    )
    ap = make_claim_citation(claim=claim, position=1)
    make_citation_figure(citation=ap, quantity=shells, as_worded=SHELLS)
    make_citation_figure(citation=ap, quantity=capacity, as_worded="could hold up to five million shells")
    tabloid = make_claim_citation(
        claim=claim, position=2, stance="misreports", note="It says a million were delivered, not shipped."
    )
    make_citation_figure(citation=tabloid, quantity=shells, as_worded="a million shells delivered")
    return claim


def content(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def page(client, claim) -> str:
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_claim_page_gives_a_figure_its_own_certainty(client, claim):
    html = page(client, claim)

    assert "capacity: at most 5,000,000 shells" in html
    assert "the claimant is less sure of this figure: possible" in html
    assert html.count("of this figure") == 1  # the counted figure is as sure as the claim


def test_a_figure_surer_than_the_claim_says_so(client):
    claim = make_claim(certainty="possible")
    make_quantity(claim=claim, certainty="fact")

    assert "the claimant is surer of this figure: stated as fact" in page(client, claim)


def test_each_citation_shows_the_figures_as_its_source_worded_them(client, claim):
    html = page(client, claim)
    ap, tabloid = claim.citations.order_by("position")

    ap_part = html[html.index(f'id="citation-{ap.pk}"') : html.index(f'id="citation-{tabloid.pk}"')]
    assert f"as “{SHELLS}”" in ap_part
    assert "as “could hold up to five million shells”" in ap_part
    assert "a million shells delivered" not in ap_part
    assert "as “a million shells delivered”" in html[html.index(f'id="citation-{tabloid.pk}"') :]


def test_a_single_figure_is_simply_the_figure(client):
    citation = make_citation_figure(as_worded=SHELLS).citation

    assert f"worded the figure as “{SHELLS}”" in page(client, citation.claim)


def test_a_misreporting_citation_cannot_pass_for_support(client, claim):
    html = page(client, claim)

    assert "misreports the claim: It says a million were delivered, not shipped." in html
    assert "· misreports\n" not in html  # never the bare stance, as if it were another report


@pytest.mark.parametrize("size", [1, 6])
def test_the_wordings_load_in_a_constant_number_of_queries(client, django_assert_num_queries, size):
    """The same queries for one citation with one wording as for six with two each."""
    claim = make_claim()
    figures = [make_quantity(claim=claim, position=p) for p in (1, 2)]
    for n in range(size):
        citation = make_claim_citation(claim=claim, position=n + 1)
        for figure in figures[: 1 if size == 1 else 2]:
            make_citation_figure(citation=citation, quantity=figure, as_worded=f"wording {n}")
    page(client, claim)  # warm caches (sessions, content types) outside the count
    with django_assert_num_queries(14):  # 13 for the page, 1 for its validator (operations/http_cache.py)
        html = page(client, claim)
    assert html.count("worded the figure") == (1 if size == 1 else 2 * size)


def test_the_exports_carry_kinds_certainties_and_wordings(client, claim):
    record = json.loads(content(client.get("/claims/data.json")))[0]
    shells, capacity = record["quantities"]
    assert (shells["kind"], shells["certainty"]) == ("count", None)
    assert (capacity["kind"], capacity["certainty"]) == ("capacity", "possible")
    ap, tabloid = record["citations"]
    assert ap["figures"] == [
        {"figure": 1, "as_worded": SHELLS},
        {"figure": 2, "as_worded": "could hold up to five million shells"},
    ]
    assert tabloid["figures"] == [{"figure": 1, "as_worded": "a million shells delivered"}]
    assert tabloid["stance"] == "misreports"

    line = json.loads(content(client.get("/claims/data.ndjson")).splitlines()[0])
    assert line["citations"] == record["citations"]

    rows = list(csv.reader(io.StringIO(content(client.get("/claims/data.csv")).decode("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    quantities = rows[1][CSV_COLUMNS.index("quantities")]
    assert quantities == (
        "more than 1,000,000 artillery shells (“more than a million”) | capacity: at most 5,000,000 shells [possible]"
    )


def test_the_api_gives_the_same(client, claim):
    api = client.get(f"/api/claims/{claim.slug}/").json()
    record = json.loads(content(client.get("/claims/data.json")))[0]

    assert api["quantities"] == record["quantities"]
    assert api["citations"] == record["citations"]
    assert api["citations"][0]["figures"][0] == {"figure": 1, "as_worded": SHELLS}


def test_the_schema_describes_the_new_keys(client):
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]

    assert {"kind", "certainty"} <= set(schema["Quantity"]["properties"])
    assert "figures" in schema["ClaimCitation"]["properties"]
    assert set(schema["CitationFigure"]["properties"]) == {"figure", "as_worded"}
