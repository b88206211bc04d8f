"""The read-only JSON API: a valid OpenAPI schema served by the app, every response
valid against it, the browse pages' filters, keyset pages, published records only,
400 with a message for a malformed request, and a constant number of queries."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from claims.models import PublicationState
from tests.export_world import KOREAN, MILLION, RUSSIAN, TOPIC, build_world, make_multilingual
from tests.factories import make_claim, make_claim_citation, make_denial, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def _validator(schema, body):
    """A validator of a response body against its schema, whose $refs point into the
    schema's components."""
    document = {"components": schema["components"], **body}
    return OAS30Validator(document)


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_openapi_schema_is_served_and_valid(schema):
    validate(schema)

    assert schema["openapi"].startswith("3.")
    assert {
        "/api/claims/",
        "/api/claims/{slug}/",
        "/api/denials/",
        "/api/actors/",
        "/api/topics/",
        "/api/sources/",
    } <= set(schema["paths"])
    params = {p["name"] for p in schema["paths"]["/api/claims/"]["get"]["parameters"]}
    assert {
        "topic",
        "claimant",
        "subject",
        "materiel",
        "status",
        "certainty",
        "has_denial",
        "made_after",
        "made_before",
        "q",
        "sort",
        "after",
        "page_size",
    } <= params


def test_yaml_schema_is_served_too(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"openapi: 3." in response.content


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/api/claims/", "/api/claims/"),
        (f"/api/claims/{MILLION}/", "/api/claims/{slug}/"),
        ("/api/denials/", "/api/denials/"),
        ("/api/denials/nk-russia-deny-arms-transfers/", "/api/denials/{slug}/"),
        ("/api/actors/", "/api/actors/"),
        ("/api/actors/north-korea/", "/api/actors/{slug}/"),
        ("/api/topics/", "/api/topics/"),
        (f"/api/topics/{TOPIC}/", "/api/topics/{slug}/"),
        ("/api/sources/", "/api/sources/"),
        ("/api/sources/ascend-finance-compass-ap-copy/", "/api/sources/{slug}/"),
    ],
)
def test_every_response_is_valid_against_the_schema(client, schema, url, path, export_demo):
    data = get_json(client, url + ("?page_size=100" if url.count("/") == 3 else ""))

    body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    _validator(schema, body).validate(data)


def test_api_claim_is_the_json_export_record(client, export_demo):
    api = get_json(client, f"/api/claims/{MILLION}/")
    [export] = json.loads(b"".join(client.get(f"/claims/{MILLION}/data.json").streaming_content))

    assert api == export


def test_claims_take_the_browse_pages_filters(client, export_demo):
    query = f"topic={TOPIC}&status=reported&claimant=yoo-sang-bum"

    slugs = [c["slug"] for c in get_json(client, f"/api/claims/?{query}&page_size=100")["results"]]
    html = client.get(f"/claims/?{query}").content.decode()

    assert MILLION in slugs
    assert slugs == re.findall(r'<h3><a href="/claims/([^/]+)/">', html)


def test_keyset_pages_walk_every_claim_once_in_the_chosen_order(client):
    world = build_world(7)
    seen, url = [], "/api/claims/?sort=made&page_size=3"
    while url:
        page = get_json(client, url)
        seen += [c["slug"] for c in page["results"]]
        url = page["next"]

    assert seen == [c.slug for c in world["claims"]]


def test_slug_pages_walk_every_actor_once(client, export_demo):
    seen, url = [], "/api/actors/?page_size=5"
    while url:
        page = get_json(client, url)
        seen += [a["slug"] for a in page["results"]]
        url = page["next"]

    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 17


def test_only_published_claims_and_denials_are_served(client):
    draft = make_claim(state=PublicationState.DRAFT)
    published = make_claim()
    hidden = make_denial(claims=[published], state=PublicationState.IN_REVIEW)

    assert [c["slug"] for c in get_json(client, "/api/claims/")["results"]] == [published.slug]
    assert get_json(client, f"/api/claims/{published.slug}/")["denials"] == []
    get_json(client, f"/api/claims/{draft.slug}/", status=404)
    get_json(client, f"/api/denials/{hidden.slug}/", status=404)


def test_korean_and_russian_names_survive_the_api(client):
    world = make_multilingual()

    claim = get_json(client, f"/api/claims/{world['claim'].slug}/")
    actor = get_json(client, f"/api/actors/{world['actor'].slug}/")
    source = get_json(client, f"/api/sources/{world['source'].slug}/")

    assert KOREAN in claim["proposition"] and claim["relay_chain"][0]["actor"]["name"] == RUSSIAN
    assert actor["name"] == RUSSIAN
    assert source["authors"] == ["김형진", RUSSIAN] and source["published"] == "2023-08"
    assert source["published_precision"] == "month"


def test_reported_dates_are_served_as_edtf_with_their_days_words_and_inference(client, schema):
    claim = make_claim(made="[..2023-10-25]", made_as_worded="had earlier said", made_inferred=True)
    claim.period_start = "2022/.."
    claim.save()
    make_claim_citation(claim=claim, source=make_source(slug="about-june", published="2022-06~"))

    api_claim = get_json(client, f"/api/claims/{claim.slug}/")
    api_source = get_json(client, "/api/sources/about-june/")

    paths = schema["paths"]
    for data, path in ((api_claim, "/api/claims/{slug}/"), (api_source, "/api/sources/{slug}/")):
        body = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        _validator(schema, body).validate(data)
    made = {key: value for key, value in api_claim.items() if key.startswith("made")}
    assert made == {
        "made": "[..2023-10-25]",
        "made_precision": None,
        "made_earliest": None,
        "made_latest": "2023-10-25",
        "made_as_worded": "had earlier said",
        "made_inferred": True,
    }
    assert (api_claim["period_start"], api_claim["period_start_earliest"]) == ("2022/..", "2022-01-01")
    assert api_claim["period_start_latest"] is None and api_claim["period_end"] is None
    published = {key: value for key, value in api_source.items() if key.startswith("published")}
    assert published == {
        "published": "2022-06~",
        "published_precision": None,
        "published_earliest": "2022-05-01",
        "published_latest": "2022-07-31",
        "published_as_worded": "",
        "published_inferred": False,
    }
    cited = api_claim["citations"][0]["source"]
    assert {key: value for key, value in cited.items() if key.startswith("published")} == published


def test_the_schema_describes_dates_as_edtf(schema):
    claim = schema["components"]["schemas"]["Claim"]["properties"]

    assert "EDTF" in claim["made"]["description"] and "2022-06~" in claim["made"]["description"]
    assert (claim["made_earliest"]["format"], claim["made_earliest"]["nullable"]) == ("date", True)
    assert claim["made_inferred"]["type"] == "boolean"
    source = schema["components"]["schemas"]["Source"]["properties"]
    assert set(source) >= {f"published_{part}" for part in ("precision", "earliest", "latest", "as_worded", "inferred")}


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/claims/?status=bogus", "status"),
        ("/api/claims/?topic=no-such-topic", "topic"),
        ("/api/claims/?made_after=2023-13-45", "made_after"),
        ("/api/claims/?sort=price", "sort"),
        ("/api/claims/?after=abc", "after"),
        ("/api/claims/?after=9999-99-99~1", "after"),
        ("/api/claims/?page_size=0", "page_size"),
        ("/api/claims/?page_size=1000", "page_size"),
        ("/api/actors/?page_size=x", "page_size"),
    ],
)
def test_malformed_api_request_is_answered_400_with_a_message(client, url, field):
    make_claim()

    errors = get_json(client, url, status=400)

    assert errors[field] and all(isinstance(message, str) and message for message in errors[field])


def test_the_api_is_read_only(client):
    claim = make_claim()

    assert client.post("/api/claims/", {}, content_type="application/json").status_code == 405
    assert client.delete(f"/api/claims/{claim.slug}/").status_code == 405


ENDPOINTS = ["claims", "denials", "actors", "topics", "sources"]


def count_api_queries(world, endpoint) -> int:
    with CaptureQueriesContext(connection) as queries:
        get_json(Client(), f"/api/{endpoint}/?page_size=100")
    return len(queries)


@pytest.fixture(scope="module")
def api_queries(measure_at_sizes):
    """Every endpoint measured with 3 claims, then with 40 more (tests/conftest.py)."""
    return measure_at_sizes(build_world, (3, 40), ENDPOINTS, count_api_queries)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_api_lists_take_a_constant_number_of_queries(api_queries, endpoint):
    few, many = (measured.get() for measured in api_queries[endpoint])

    assert few == many
