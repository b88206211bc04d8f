"""Read replicas (operations/replicas.py): public GETs read from a replica; the admin,
every other method, a client that has just written (the read_primary cookie) and code
outside a request read from the primary; with no replica configured nothing changes.

The "replica" alias of tests/settings.py is a test mirror of "default": its own
connection to the same test database. These tests commit their rows (transaction=True),
as a replica only sees what the primary has committed; each test counts the queries
each connection ran."""

from contextlib import ExitStack, contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from operations import replicas
from tests.factories import make_claim, make_claim_citation
from tests.test_settings import GOOD, evaluate_settings

both_databases = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
with_replica = override_settings(DATABASE_REPLICAS=["replica"], READ_PRIMARY_SECONDS=10)


@contextmanager
def queries_by_database():
    """{"default": [...], "replica": [...]}: the SQL each connection ran in the block."""
    with ExitStack() as stack:
        captured = {alias: stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in connections}
        ran = {}
        yield ran
    ran.update({alias: [q["sql"] for q in queries.captured_queries] for alias, queries in captured.items()})


@pytest.fixture
def claim():
    claim = make_claim(proposition="Shells went north by rail.")
    make_claim_citation(claim=claim)
    return claim


@both_databases
@with_replica
def test_a_public_get_reads_from_the_replica_only(client, claim):
    with queries_by_database() as ran:
        page = client.get(f"/claims/{claim.slug}/")
        listing = client.get("/claims/")
    assert page.status_code == listing.status_code == 200
    assert "Shells went north by rail." in page.content.decode()
    assert ran["replica"], "the replica read nothing"
    assert any("operations_siteversion" in sql for sql in ran["replica"])  # the validator too
    assert ran["default"] == []
    assert "read_primary" not in page.cookies


@both_databases
@with_replica
def test_a_streamed_export_reads_from_the_replica_while_it_streams(client, claim):
    with queries_by_database() as ran:
        response = client.get("/claims/data.csv")
        content = b"".join(response.streaming_content).decode()
        response.close()
    assert claim.slug in content
    assert any("claims_claim" in sql for sql in ran["replica"])
    assert ran["default"] == []
    assert replicas.read_alias.get() is None  # put back when the stream closed


@both_databases
@with_replica
def test_the_admin_reads_from_the_primary(client, claim, django_user_model):
    # A superuser: the curation groups come from a data migration, which a flush of another
    # transaction=True test may have emptied.
    client.force_login(django_user_model.objects.create_superuser("curator", password="unused-password"))
    with queries_by_database() as ran:
        response = client.get(f"/admin/claims/claim/{claim.pk}/change/")
    assert response.status_code == 200
    assert ran["default"]
    assert ran["replica"] == []


@both_databases
@with_replica
def test_a_write_reads_from_the_primary_and_pins_the_client_there_for_a_while(client, claim):
    with queries_by_database() as ran:
        posted = client.post("/claims/")  # any method but GET and HEAD
    assert ran["default"]
    assert ran["replica"] == []
    cookie = posted.cookies["read_primary"]
    assert cookie["max-age"] == 10
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"

    # The test client sends the cookie back: this client's next reads are the primary's.
    with queries_by_database() as ran:
        page = client.get(f"/claims/{claim.slug}/")
    assert page.status_code == 200
    assert ran["default"]
    assert ran["replica"] == []

    client.cookies.pop("read_primary")  # the window has passed
    with queries_by_database() as ran:
        client.get(f"/claims/{claim.slug}/")
    assert ran["replica"]
    assert ran["default"] == []


@both_databases
def test_without_replicas_everything_reads_from_the_primary_and_no_cookie_is_set(client, claim):
    with queries_by_database() as ran:
        page = client.get(f"/claims/{claim.slug}/")
        posted = client.post("/claims/")
    assert page.status_code == 200
    assert ran["default"]
    assert ran["replica"] == []
    assert "read_primary" not in posted.cookies


@both_databases
@with_replica
def test_code_outside_a_request_reads_from_the_primary(claim):
    with queries_by_database() as ran:
        assert Claim.objects.get(pk=claim.pk).proposition == "Shells went north by rail."
    assert ran["default"]
    assert ran["replica"] == []


@with_replica
def test_writes_and_migrations_go_to_the_primary_only():
    token = replicas.read_alias.set("replica")
    try:
        assert router.db_for_read(Claim) == "replica"
        assert router.db_for_write(Claim) == "default"
    finally:
        replicas.read_alias.reset(token)
    assert router.allow_migrate("default", "claims")
    assert not router.allow_migrate("replica", "claims")


# --- Settings -------------------------------------------------------------------------


def test_each_replica_url_becomes_an_alias_with_the_primarys_time_limits(monkeypatch):
    settings = evaluate_settings(
        monkeypatch,
        **{**GOOD, "DATABASE_URL": "postgres://claims@primary.example.org:5432/claims"},
        DATABASE_REPLICA_URLS="postgres://claims@r1.example.org/claims, postgres://claims@r2.example.org/claims",
        DATABASE_CONNECT_TIMEOUT="3",
        DATABASE_STATEMENT_TIMEOUT="2000",
        CLAIMS_WEB_PROCESS="1",
        READ_PRIMARY_SECONDS="15",
    )
    assert settings.DATABASE_REPLICAS == ["replica1", "replica2"]
    assert settings.DATABASES["replica2"]["HOST"] == "r2.example.org"
    for alias in ("default", "replica1", "replica2"):
        options = settings.DATABASES[alias]["OPTIONS"]
        assert options["connect_timeout"] == 3
        assert "-c statement_timeout=2000" in options["options"]
    assert settings.READ_PRIMARY_SECONDS == 15
    assert settings.DATABASE_ROUTERS == ["operations.replicas.ReplicaRouter"]


def test_no_replica_urls_means_no_replicas(monkeypatch):
    settings = evaluate_settings(monkeypatch, **GOOD)
    assert settings.DATABASE_REPLICAS == []
    assert list(settings.DATABASES) == ["default"]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DATABASE_REPLICA_URLS": "postgres://ok@r1/claims,mysql://r2/claims"}, "DATABASE_REPLICA_URLS, URL 2"),
        ({"DATABASE_REPLICA_URLS": "postgres://"}, "DATABASE_REPLICA_URLS, URL 1"),
        ({"READ_PRIMARY_SECONDS": "0"}, "READ_PRIMARY_SECONDS=0"),
        ({"HTTP_CACHE_MAX_AGE": "soon"}, "HTTP_CACHE_MAX_AGE='soon'"),
        ({"PAGE_CACHE_SECONDS": "-1"}, "PAGE_CACHE_SECONDS=-1"),
    ],
    ids=["bad-second-url", "url-without-name", "no-window", "max-age-not-a-number", "negative-page-cache"],
)
def test_malformed_replica_and_cache_settings_stop_start_up_naming_the_variable(monkeypatch, variables, named):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        evaluate_settings(monkeypatch, **GOOD, **variables)
    assert named in str(excinfo.value)
