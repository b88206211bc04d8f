"""Unpublished documents, relay-chain documents and denial kinds in the data exports and
the API: a source's `outlet` (null when unpublished) beside its `issuer`, a chain step's
`document`, a denial's `kinds`; the CSV columns unchanged; valid against the schema; a
constant number of queries."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openapi_schema_validator import OAS30Validator

from tests.export_world import MILLION
from tests.factories import (
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_denial_citation,
    make_denial_other_kind,
    make_derivation,
    make_source,
    make_unpublished_document,
)
from web.export.data import CSV_COLUMNS

pytestmark = pytest.mark.django_db

BRIEFING = "nis-briefing-2023-11-01"


def body(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def export_json(client, url) -> list[dict]:
    return json.loads(body(client.get(url)))


def api(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def validate(client, data, path: str):
    schema = api(client, "/api/schema/?format=json")
    body_schema = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    OAS30Validator({"components": schema["components"], **body_schema}).validate(data)


def briefed_claim():
    """A claim whose originator spoke through an unpublished briefing, cited through a
    story that cites the briefing and through the briefing itself, answered by a denial
    that is a dismissal and a counter-claim."""
    briefing = make_unpublished_document(slug="the-briefing", title="[The briefing]", published="2023-11-01")
    story = make_source(slug="the-story", title="The story")
    make_derivation(source=story, derived_from=briefing, kind="cites")
    claim = make_claim(slug="briefed")
    make_attribution(claim=claim, document=briefing, channel="closed-door briefing")
    make_attribution(claim=claim, position=2, role="relay")
    make_claim_citation(claim=claim, source=story, locator="para. 1")
    make_claim_citation(claim=claim, source=briefing, locator="slide 3")
    denial = make_denial(slug="dismissed", claims=[claim], kind="dismissal")
    make_denial_other_kind(denial=denial, kind="counter_claim")
    make_denial_citation(denial=denial, source=story)
    return claim


def test_the_demo_claim_names_its_chain_document_and_its_denials_kinds(client, export_demo):
    [record] = export_json(client, f"/claims/{MILLION}/data.json")

    assert [step["document"] for step in record["relay_chain"]] == [BRIEFING, None]
    assert all(denial["kinds"][0] == denial["kind"] for denial in record["denials"])
    ap = record["citations"][0]["source"]
    assert (ap["outlet"], ap["issuer"]) == ("Associated Press", "")


def test_json_gives_the_issuer_of_an_unpublished_document_and_the_chain_document(client):
    briefed_claim()

    [record] = export_json(client, "/claims/briefed/data.json")

    assert [step["document"] for step in record["relay_chain"]] == ["the-briefing", None]
    briefing = record["citations"][1]["source"]
    assert (briefing["outlet"], briefing["issuer"]) == (None, "National Intelligence Service")
    assert briefing["kind"] == "briefing"
    assert record["citations"][0]["source"]["issuer"] == ""
    [denial] = record["denials"]
    assert (denial["kind"], denial["kinds"]) == ("dismissal", ["dismissal", "counter_claim"])


def test_csv_keeps_its_columns_and_names_the_issuer_in_the_outlets_place(client):
    briefed_claim()

    text = body(client.get("/claims/briefed/data.csv")).removeprefix("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(text)))

    assert next(csv.reader(io.StringIO(text))) == CSV_COLUMNS
    cited = "([The briefing], National Intelligence Service, 2023-11-01, slide 3)"
    assert f"“more than a million artillery shells” {cited}" in row["citations"]
    assert "(dismissal; " in row["denials"]


def test_the_api_gives_the_same_and_the_schema_describes_it(client):
    briefed_claim()

    claim = api(client, "/api/claims/briefed/")
    listed = api(client, "/api/claims/")
    denial = api(client, "/api/denials/dismissed/")
    source = api(client, "/api/sources/the-briefing/")
    sources = api(client, "/api/sources/")

    [export] = export_json(client, "/claims/briefed/data.json")
    assert claim == export and listed["results"] == [export]
    assert denial["kinds"] == ["dismissal", "counter_claim"]
    assert (source["outlet"], source["issuer"], source["reliability"]) == (None, "National Intelligence Service", "F")
    assert next(s for s in sources["results"] if s["slug"] == "the-story")["outlet"]["name"].startswith("Outlet")
    validate(client, claim, "/api/claims/{slug}/")
    validate(client, listed, "/api/claims/")
    validate(client, denial, "/api/denials/{slug}/")
    validate(client, source, "/api/sources/{slug}/")
    validate(client, sources, "/api/sources/")
    props = api(client, "/api/schema/?format=json")["components"]["schemas"]
    assert "kinds" in props["Denial"]["properties"] and "document" in props["RelayLink"]["properties"]


def test_documents_and_kinds_take_a_constant_number_of_queries(client):
    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)
        return len(queries)

    urls = ["/claims/data.json", "/claims/data.csv", "/api/claims/?page_size=100", "/api/denials/?page_size=100"]
    make_world(2)
    few = {url: count(url) for url in urls}
    make_world(15)
    many = {url: count(url) for url in urls}

    assert few == many


def make_world(n: int):
    """n claims, each spoken through an unpublished briefing it cites, each answered by a
    denial of two kinds."""
    for _ in range(n):
        briefing = make_unpublished_document()
        claim = make_claim()
        make_attribution(claim=claim, document=briefing)
        make_claim_citation(claim=claim, source=briefing)
        denial = make_denial(claims=[claim])
        make_denial_other_kind(denial=denial)
        make_denial_citation(denial=denial, source=briefing)
