"""Whatever a client sends, the API answers 4xx, never 500, and every error under /api/
is JSON in DRF's shape, as the OpenAPI schema documents it: on every list and detail
route of the router, on PostgreSQL especially (which refuses a NUL byte in a string
and a time zone offset beyond 15:59, where SQLite takes anything)."""

import json
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from openapi_schema_validator import OAS30Validator
from rest_framework.throttling import BaseThrottle

from claims.models import Topic
from tests.factories import make_claim
from web.api import errors, views
from web.api.urls import router

pytestmark = pytest.mark.django_db

ENDPOINTS = [prefix for prefix, _viewset, _basename in router.registry]
BAD_PAGE_SIZES = ["%C2%B2", "%E2%91%A0", "%D9%A3", "%EF%BC%95", "+5", "5%20", "-1", "9" * 5000]
BAD_SLUG_MARKERS = ["%00", "a%00b", "a%20b", "%C3%A9", "a.b"]
BAD_SLUGS = ["a%00b", "%00", "a%20b", "%C3%A9t%C3%A9", "%FF"]


def get_error(client, url, status, **extra):
    client.raise_request_exception = False
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json", (url, response["Content-Type"])
    return json.loads(response.content)


@pytest.fixture
def world():
    claim = make_claim()
    claim.topics.add(Topic.objects.create(slug="topic", name="Topic"))
    return claim


def test_the_router_endpoints_are_all_covered():
    assert set(ENDPOINTS) == {"claims", "denials", "actors", "topics", "sources"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("raw", BAD_PAGE_SIZES)
def test_a_page_size_that_is_not_ascii_digits_is_400(client, world, endpoint, raw):
    errors = get_error(client, f"/api/{endpoint}/?page_size={raw}", 400)

    assert errors["page_size"] == ["Give a whole number from 1 to 100."]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_page_size_of_ascii_digits_is_taken(client, world, endpoint):
    response = client.get(f"/api/{endpoint}/?page_size=007")

    assert response.status_code == 200


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e != "claims"])
@pytest.mark.parametrize("raw", BAD_SLUG_MARKERS)
def test_an_after_marker_that_is_no_slug_is_400_on_the_slug_ordered_lists(client, world, endpoint, raw):
    errors = get_error(client, f"/api/{endpoint}/?after={raw}", 400)

    assert errors["after"] and all(isinstance(m, str) and m for m in errors["after"])


@pytest.mark.parametrize(
    "raw",
    [
        "%00",
        "%00~1",
        "2023-01-01~1%00",
        "2023-01-01~%D9%A3",  # int() reads ARABIC-INDIC DIGIT THREE as 3
        "2023-01-01~%C2%B2",
        "2023-01-01~" + "9" * 5000,
        "2023-01-01~-1",
    ],
)
def test_a_claims_marker_that_is_not_one_of_ours_is_400(client, world, raw):
    errors = get_error(client, f"/api/claims/?after={raw}", 400)

    assert errors["after"]


@pytest.mark.parametrize(
    "raw",
    [
        "9999-12-31T23:59:59-23:59~1",  # beyond year 9999 in UTC
        "0001-01-01T00:00:00%2B23:59~1",  # before year 1 in UTC
        "2023-01-01T00:00:00~1",  # no offset: not one of ours (they are in UTC)
    ],
)
def test_a_recorded_marker_with_an_impossible_time_is_400(client, world, raw):
    errors = get_error(client, f"/api/claims/?sort=recorded&after={raw}", 400)

    assert errors["after"]


def test_a_recorded_marker_with_an_offset_is_read_in_utc(client, world):
    # PostgreSQL refuses an offset beyond 15:59: the marker is read in UTC first.
    response = client.get("/api/claims/?sort=-recorded&after=2999-01-01T10:00:00%2B23:00~1")

    assert response.status_code == 200
    assert [c["slug"] for c in json.loads(response.content)["results"]] == [world.slug]


@pytest.mark.parametrize(
    "query",
    ["topic=%00", "claimant=%00", "subject=%00", "materiel=%00", "status=%00", "certainty=%00", "q=%00"]
    + ["made_after=%00", "made_before=2023-01-01%00", "sort=%00"],
)
def test_a_nul_in_a_claims_filter_is_400(client, world, query):
    errors = get_error(client, f"/api/claims/?{query}", 400)

    assert errors[query.split("=")[0]]


def test_a_nul_in_has_denial_means_either(client, world):
    assert client.get("/api/claims/?has_denial=%00").status_code == 200


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_a_slug_that_cannot_exist_is_404(client, world, endpoint, slug):
    assert get_error(client, f"/api/{endpoint}/{slug}/", 404) == {"detail": "Not found."}


@pytest.mark.parametrize("url", ["/api/nope/", "/api/claims/a/b/", "/api/claims/x/y/z", "/api/schema/nope/"])
def test_an_unknown_api_route_is_a_json_404(client, url):
    assert get_error(client, url, 404) == {"detail": "Not found."}


def test_an_unknown_route_elsewhere_is_still_the_html_404(client):
    response = client.get("/nope/")

    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_the_schema_in_an_unknown_format_is_a_json_404(client):
    assert get_error(client, "/api/schema/?format=bogus", 404) == {"detail": "Not found."}


def test_a_request_django_refuses_is_a_json_400(client):
    client.raise_request_exception = False
    response = client.get("/api/claims/", HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Bad request."}


@pytest.mark.parametrize(("path", "json_answer"), [("/api/claims/", True), ("/claims/", False)])
def test_the_403_handler_answers_json_under_api_only(rf, path, json_answer):
    response = errors.permission_denied(rf.get(path), PermissionDenied())

    assert response.status_code == 403
    assert (response["Content-Type"] == "application/json") is json_answer


def test_a_missing_record_is_a_json_404(client, world):
    assert get_error(client, "/api/claims/no-such-claim/", 404)["detail"]


def test_a_method_not_allowed_is_a_json_405(client, world):
    client.raise_request_exception = False
    response = client.post("/api/claims/", {}, content_type="application/json")

    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": 'Method "POST" not allowed.'}


def test_a_throttled_client_gets_a_json_429(client, world):
    class Refuse(BaseThrottle):
        def allow_request(self, request, view):
            return False

    with mock.patch.object(views.ClaimViewSet, "throttle_classes", [Refuse]):
        errors = get_error(client, "/api/claims/", 429)

    assert errors["detail"].startswith("Request was throttled")


@pytest.mark.parametrize(("method", "url"), [("list", "/api/topics/"), ("retrieve", "/api/topics/topic/")])
def test_an_unhandled_exception_in_an_api_view_is_a_json_500(client, world, settings, method, url):
    assert not settings.DEBUG

    with mock.patch.object(views.TopicViewSet, method, side_effect=RuntimeError("boom")):
        errors = get_error(client, url, 500)

    assert errors == {"detail": "A server error occurred."}


def test_every_operation_documents_its_400_and_404_and_the_errors_match(client, world):
    schema = json.loads(client.get("/api/schema/?format=json").content)
    samples = {
        "400": get_error(client, "/api/topics/?page_size=0", 400),
        "404": get_error(client, "/api/nope/", 404),
    }
    with override_settings(RATE_LIMITS=True, RATE_LIMIT_API=(1, 3600)):
        client.get("/api/topics/", REMOTE_ADDR="10.42.0.1")
        samples["429"] = get_error(client, "/api/topics/", 429, REMOTE_ADDR="10.42.0.1")
    operations = [(path, op) for path, item in schema["paths"].items() for op in item.values()]

    assert len(operations) == 2 * len(ENDPOINTS)
    for path, operation in operations:
        assert operation["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        for status in ["400", "404", "429"]:
            body = operation["responses"][status]["content"]["application/json"]["schema"]
            validator = OAS30Validator({"components": schema["components"], **body})
            validator.validate(samples[status])
            validator.validate({"detail": "Not found."})
            assert not validator.is_valid({}), path
