"""Schemathesis against the API's own OpenAPI schema, as /api/schema/ serves it: every
operation, with the demo data loaded, called through the production WSGI application
with generated parameters (valid and deliberately invalid ones) and every demo slug as
an explicit example of the detail routes; then a fixed list of hostile values generation
rarely reaches. Each answer must have a documented status code (400 and 404 too), the
documented media type and a body valid against the documented schema, and none may be
a 5xx.

Slow, so it runs on PostgreSQL only (CI's second pass); the SQLite suite covers the same
code with hand-written cases (tests/test_api.py)."""

import json
import time
from collections import Counter

import pytest
import schemathesis
import yaml
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from tests.export_world import DEMO, load_demo

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="slow schema fuzzing runs on PostgreSQL only (CI); tests/test_api.py covers the API on SQLite",
    ),
    pytest.mark.django_db,  # each test in a savepoint of the module's transaction
]

EXAMPLES_PER_OPERATION = 40  # of the fuzzing phase; the examples and coverage phases add their own
SEED = 20231101

CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",  # valid requests and invalid ones (wrong types, out of range, unknown enum values)
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,  # CI explores the same cases every run
            "database": "none",  # no .hypothesis/ directory in the work tree
        },
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},  # a 400 or 404 must be documented
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
        },
    }
)

# The detail routes and the demo file's section whose slugs they are given as examples.
DETAIL_SECTIONS = {
    "/api/claims/{slug}/": "claims",
    "/api/denials/{slug}/": "denials",
    "/api/actors/{slug}/": "actors",
    "/api/topics/{slug}/": "topics",
    "/api/sources/{slug}/": "sources",
}


def demo_slugs() -> dict[str, list[str]]:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    return {section: [record["slug"] for record in data[section]] for section in DETAIL_SECTIONS.values()}


def served_schema() -> dict:
    """The schema /api/schema/ serves (generating it reads no row), each detail route's
    slug parameter given the demo's slugs as examples."""
    response = Client(HTTP_HOST="localhost").get("/api/schema/?format=json")
    assert response.status_code == 200, response.content[:300]
    document = json.loads(response.content)
    slugs = demo_slugs()
    for path, section in DETAIL_SECTIONS.items():
        for parameter in document["paths"][path]["get"]["parameters"]:
            if parameter["name"] == "slug":
                parameter["examples"] = {slug: {"value": slug} for slug in slugs[section]}
    return document


def in_a_savepoint(app):
    """The WSGI application, called inside the test's transaction: like Django's test
    client, it is kept from closing the connection (and so the transaction) when a
    request starts or finishes; and each request runs in a savepoint rolled back
    afterwards, its body read inside it, so one request's database error cannot poison
    the next. Counts the answers by resource and status class."""

    def wrapped(environ, start_response):
        def recording_start_response(status, headers, exc_info=None):
            parts = environ["PATH_INFO"].split("/")  # ["", "api", "claims", ("slug",) ""]
            STATUSES[f"{parts[2]} {'detail' if len(parts) > 4 else 'list'}", f"{status[0]}xx"] += 1
            return start_response(status, headers, exc_info)

        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            with transaction.atomic():
                result = app(environ, recording_start_response)
                try:
                    body = b"".join(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
                transaction.set_rollback(True)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]

    return wrapped


schema = schemathesis.openapi.from_dict(served_schema(), config=CONFIG)
schema.app = in_a_savepoint(get_wsgi_application())  # the production stack, as gunicorn serves it
STATUSES: Counter = Counter()  # ("claims list", "4xx") -> responses


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(f"\n{STATUSES.total()} API requests in {elapsed:.1f} s")
    for operation in sorted({operation for operation, _ in STATUSES}):
        counts = {status: n for (name, status), n in sorted(STATUSES.items()) if name == operation}
        print(f"  {operation}: {sum(counts.values())} requests, {counts}")


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_api_operation_answers_as_documented(case, demo):
    case.call_and_validate()


# Values generation rarely reaches, asked of every operation: unicode digits (str.isdigit()
# says yes to "²"), NUL, huge and negative numbers, impossible dates and page markers.
HOSTILE = ["²", "①", "٣", "\x00", "a\x00b", "9" * 10_000, str(10**30), "-1", "0", "1.5", "\ufffd", "2023-13-45"]
HOSTILE_SLUGS = ["a\x00b", "\x00", "²", "x" * 300, "북한", "does-not-exist"]
CLAIM_FILTERS = ["topic", "claimant", "status", "made_after", "sort", "q", "has_denial"]


def test_hostile_values_are_answered_as_documented(demo):
    failures = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        names = {p["name"] for p in operation.definition.raw.get("parameters", []) if p["in"] == "query"}
        if "slug" in operation.path:
            cases = [operation.Case(path_parameters={"slug": value}) for value in HOSTILE_SLUGS]
        else:
            asked = ["page_size", "after", *(CLAIM_FILTERS if "topic" in names else [])]
            cases = [operation.Case(query={name: value}) for name in asked for value in HOSTILE]
            cases.append(operation.Case(query={"page_size": "1", "after": "\x00"}))
        for case in cases:
            try:
                case.call_and_validate()
            except Exception as exc:
                failures.append(f"{operation.label} {case.path_parameters or case.query!r:.80}: {str(exc)[:300]}")
    assert not failures, "\n".join(failures)


def test_the_slugs_given_as_examples_are_the_demo_records_served(demo):
    """The explicit examples reach real records: each answers 200 with its own slug."""
    client = Client()
    slugs = demo_slugs()
    for path, section in DETAIL_SECTIONS.items():
        for slug in slugs[section]:
            response = client.get(path.replace("{slug}", slug))
            assert response.status_code == 200, (path, slug, response.content[:300])
            assert json.loads(response.content)["slug"] == slug
