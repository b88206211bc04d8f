"""HTTP caching of the public site (operations/http_cache.py): every public answer carries
the site's change counter as a weak ETag and Cache-Control: public, max-age; a repeat
with If-None-Match is answered 304 after one query; any change a reader could see
(publishing, editing, taking back, deleting, renaming an actor ...) changes the tag; the
admin and the probes are never cached publicly; with Redis, whole pages are kept and a
change makes them unreachable."""

import uuid

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import PublicationState
from operations import http_cache
from operations.models import SiteVersion
from tests.factories import make_actor, make_attribution, make_claim, make_claim_citation, make_topic

pytestmark = pytest.mark.django_db

PAGE_HEADERS = "public, max-age=60"
FILE_HEADERS = "public, max-age=300"


@pytest.fixture
def claim(db):
    claim = make_claim(proposition="The shells were shipped by rail.")
    make_claim_citation(claim=claim)
    make_attribution(claim=claim)
    claim.topics.add(make_topic(slug="shells"))
    return claim


def public_paths(claim) -> dict[str, str]:
    """A public address of each kind, with the Cache-Control it should carry."""
    return {
        "/": PAGE_HEADERS,
        "/claims/": PAGE_HEADERS,
        f"/claims/{claim.slug}/": PAGE_HEADERS,
        "/topics/shells/": PAGE_HEADERS,
        "/search/?q=shells": PAGE_HEADERS,
        "/api/claims/": PAGE_HEADERS,
        "/feed.atom": FILE_HEADERS,
        "/claims/data.csv": FILE_HEADERS,
        f"/claims/{claim.slug}/cite.bib": FILE_HEADERS,
        "/claims/sources.ris": FILE_HEADERS,
        "/sitemap.xml": FILE_HEADERS,
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_public_answers_carry_the_validator_and_their_max_age(client, claim):
    tag = http_cache.current_tag()
    for path, cache_control in public_paths(claim).items():
        response = client.get(path)
        body(response)
        assert response.status_code == 200, path
        assert response["ETag"] == tag, path
        assert response["Cache-Control"] == cache_control, path
        assert tag.startswith('W/"')


@override_settings(HTTP_CACHE_MAX_AGE=5, HTTP_CACHE_MAX_AGE_FILES=7)
def test_the_max_ages_come_from_the_settings(client, claim):
    assert client.get("/claims/")["Cache-Control"] == "public, max-age=5"
    assert client.get("/feed.atom")["Cache-Control"] == "public, max-age=7"


def test_a_repeat_with_the_tag_is_answered_304_after_one_query(client, claim):
    for path, cache_control in public_paths(claim).items():
        first = client.get(path)
        body(first)
        with CaptureQueriesContext(connection) as queries:
            repeat = client.get(path, headers={"If-None-Match": first["ETag"]})
        assert repeat.status_code == 304, path
        assert len(queries) == 1, (path, [q["sql"] for q in queries])
        assert "operations_siteversion" in queries[0]["sql"]
        assert repeat.content == b""
        assert repeat["ETag"] == first["ETag"]
        assert repeat["Cache-Control"] == cache_control


def test_a_head_with_the_tag_is_answered_304_and_another_tag_gets_the_page(client, claim):
    tag = client.get("/claims/")["ETag"]
    assert client.head("/claims/", headers={"If-None-Match": tag}).status_code == 304
    assert client.get("/claims/", headers={"If-None-Match": 'W/"0-0-19700101"'}).status_code == 200
    assert client.get("/claims/", headers={"If-None-Match": f'"other", {tag}'}).status_code == 304


def changed_tag(client, change, path="/claims/") -> tuple[str, str]:
    """The tag of `path` before and after `change()` committed."""
    before = client.get(path)["ETag"]
    change()
    after = client.get(path, headers={"If-None-Match": before})
    assert after.status_code == 200
    return before, after["ETag"]


def test_publishing_editing_taking_back_and_deleting_a_claim_each_change_the_tag(
    client, editor, django_capture_on_commit_callbacks
):
    claim = make_claim(state=PublicationState.DRAFT, proposition="Drafted, then published.")
    make_claim_citation(claim=claim)

    def publish():
        with django_capture_on_commit_callbacks(execute=True):
            services.publish_claim(claim=claim, user=editor)

    def edit():
        with django_capture_on_commit_callbacks(execute=True):
            claim.refresh_from_db()
            claim.proposition = "Published, then edited."
            claim.save()

    def take_back():
        with django_capture_on_commit_callbacks(execute=True):
            services.unpublish_claim(claim=claim, user=editor, reason="Sourced to a satire site.")

    def delete():
        with django_capture_on_commit_callbacks(execute=True):
            claim.delete()

    tags = set()
    for change, shown in [(publish, True), (edit, True), (take_back, False), (delete, False)]:
        before, after = changed_tag(client, change)
        assert before != after, change.__name__
        tags |= {before, after}
        listed = client.get("/claims/").content.decode()
        assert ("Published, then edited." in listed or "Drafted, then published." in listed) is shown
    assert len(tags) == 5


def test_taking_a_claim_back_makes_its_list_answer_200_without_it(
    client, claim, editor, django_capture_on_commit_callbacks
):
    """The change that removes a record from the view changes the tag too: a reader
    holding the list with the claim on it is not told "not modified"."""
    tag = client.get("/claims/")["ETag"]
    assert client.get("/claims/", headers={"If-None-Match": tag}).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish_claim(claim=claim, user=editor, reason="Sourced to a satire site.")

    again = client.get("/claims/", headers={"If-None-Match": tag})

    assert again.status_code == 200
    assert again["ETag"] != tag
    assert "The shells were shipped by rail." not in again.content.decode()


def test_renaming_an_actor_or_tagging_a_topic_changes_the_tag(client, claim, django_capture_on_commit_callbacks):
    actor = claim.attributions.get().actor

    def rename():
        with django_capture_on_commit_callbacks(execute=True):
            actor.name = "Renamed ministry"
            actor.save()

    def tag_topic():  # a many-to-many change alone
        with django_capture_on_commit_callbacks(execute=True):
            claim.topics.add(topic)

    topic = make_topic()
    for change in (rename, tag_topic):
        before, after = changed_tag(client, change, path=f"/actors/{actor.slug}/")
        assert before != after, change.__name__


def test_a_transaction_raises_the_counter_once_and_only_when_it_commits(claim, django_capture_on_commit_callbacks):
    version = SiteVersion.objects.get().version
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(3):
            make_actor(name=f"Actor of a batch {n}")
    assert SiteVersion.objects.get().version == version + 1

    def roll_back():
        with transaction.atomic():
            make_actor()
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        roll_back()
    assert SiteVersion.objects.get().version == version + 1


def test_a_missing_counter_reads_as_zero_and_a_bump_recreates_it(db):
    SiteVersion.objects.all().delete()
    assert http_cache.current_tag().startswith('W/"0-0-')
    http_cache.bump_site_version()
    assert SiteVersion.objects.get().version == 1


# --- What is never cached publicly ------------------------------------------------------


def test_the_admin_and_the_probes_carry_no_validator_and_are_never_304(analyst_client, claim):
    tag = http_cache.current_tag()
    for path in ("/admin/", "/admin/claims/claim/", f"/admin/claims/claim/{claim.pk}/change/", "/readyz", "/healthz"):
        response = analyst_client.get(path, headers={"If-None-Match": tag})
        assert response.status_code == 200, path
        assert "ETag" not in response, path
        assert "public" not in response.get("Cache-Control", ""), path
    assert analyst_client.get("/healthz")["Cache-Control"] == "no-store"


def test_only_the_views_named_in_the_settings_are_cached(client, claim):
    with override_settings(HTTP_CACHE_VIEWS=["export:*"]):
        page = client.get("/claims/")
        export = client.get("/claims/sources.ris")
    assert "ETag" not in page
    assert "Cache-Control" not in page
    assert export["Cache-Control"] == FILE_HEADERS
    assert client.get("/no-such-page/").status_code == 404
    assert "ETag" not in client.get("/no-such-page/")


def test_a_public_page_is_the_same_for_a_logged_in_curator(client, analyst_client, claim):
    """No public page varies for a signed-in user, sets a cookie or carries a CSRF
    token, so one shared copy is right for everyone."""
    anonymous = client.get(f"/claims/{claim.slug}/")
    curator = analyst_client.get(f"/claims/{claim.slug}/")
    assert curator.content == anonymous.content
    assert curator["Cache-Control"] == PAGE_HEADERS
    assert not curator.cookies
    assert "Cookie" not in curator.get("Vary", "")


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse(status=404),
        HttpResponse(headers={"Vary": "Cookie"}),
        HttpResponse(headers={"Cache-Control": "no-store"}),
    ],
    ids=["not-200", "varies-on-cookie", "says-no-store"],
)
def test_answers_that_are_not_everyones_are_not_made_public(response):
    assert not http_cache._shareable(response)


def test_an_answer_setting_a_cookie_is_not_made_public():
    response = HttpResponse()
    response.set_cookie("csrftoken", "x")
    assert not http_cache._shareable(response)
    assert http_cache._shareable(HttpResponse())


def test_a_post_is_not_answered_304(client, claim):
    tag = client.get("/claims/")["ETag"]
    response = client.post("/claims/", headers={"If-None-Match": tag})
    assert response.status_code != 304
    assert "ETag" not in response


# --- The page cache in Redis --------------------------------------------------------------


@pytest.fixture
def redis_cache():
    prefix = f"test-http-caching-{uuid.uuid4().hex}"
    location = "redis://127.0.0.1:6379/0"
    redis_settings = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    with override_settings(CACHES={"default": {**redis_settings, "KEY_PREFIX": prefix}}, PAGE_CACHE_SECONDS=60):
        yield cache
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_the_page_cache_is_off_without_redis():
    assert not http_cache.page_cache_enabled()  # the suite's cache is the database table


def test_a_kept_page_is_served_whole_after_one_query_until_a_change(
    client, claim, redis_cache, django_capture_on_commit_callbacks
):
    path = f"/claims/{claim.slug}/"
    first = client.get(path)
    with CaptureQueriesContext(connection) as queries:
        kept = client.get(path)
    assert len(queries) == 1  # the counter; the page came from Redis
    assert kept.content == first.content
    assert kept["ETag"] == first["ETag"]
    assert kept["Cache-Control"] == PAGE_HEADERS

    with django_capture_on_commit_callbacks(execute=True):
        claim.proposition = "The shells were shipped by sea."
        claim.save()
    with CaptureQueriesContext(connection) as queries:
        fresh = client.get(path)
    assert len(queries) > 1  # drawn again
    assert "shipped by sea" in fresh.content.decode()
    assert fresh["ETag"] != first["ETag"]


def test_a_page_cache_that_cannot_answer_costs_only_the_shortcut(client, claim, caplog):
    unreachable = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={"default": unreachable}, PAGE_CACHE_SECONDS=60):
        response = client.get(f"/claims/{claim.slug}/")
    assert response.status_code == 200
    assert response["ETag"]
    assert "Page cache unavailable" in caplog.text


def test_the_page_cache_keys_on_the_address_and_the_accept_header(client, claim, redis_cache):
    client.get("/claims/")
    with CaptureQueriesContext(connection) as queries:
        other = client.get("/claims/?sort=made")
        api_json = client.get("/api/claims/", headers={"Accept": "application/json"})
        api_any = client.get("/api/claims/")
    assert len(queries) > 3
    assert other.status_code == api_json.status_code == api_any.status_code == 200


def test_a_streamed_export_is_not_kept(client, claim, redis_cache):
    body(client.get("/claims/data.csv"))
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/claims/data.csv")
        assert claim.slug in body(again).decode()
    assert len(queries) > 1
    assert again["ETag"]  # but it has the validator, and 304s


@pytest.mark.parametrize(
    "header", [{"If-Match": 'W/"1-2-3"'}, {"If-Unmodified-Since": "Sat, 05 Dec 2026 10:00:00 GMT"}]
)
def test_a_failed_precondition_is_answered_but_never_stored(client, claim, header):
    """A 412 (a weak tag never passes If-Match's strong comparison) must not be kept by a
    shared cache for the URL: it would be served to every reader."""
    response = client.get("/claims/", headers=header)
    assert response.status_code == 412
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert not response.has_header("ETag")


def test_derived_tables_raise_no_counter_and_keep_djangos_fast_delete(claim, django_capture_on_commit_callbacks):
    from django.apps import apps
    from django.db.models.deletion import Collector

    from sources.intake.signatures import rebuild_all_bands

    version = SiteVersion.objects.get().version
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_all_bands()
    assert SiteVersion.objects.get().version == version
    derived = [model for model in apps.get_models() if hasattr(model, "derived_rebuild")]
    assert len(derived) >= 3  # the claims' and denials' search documents, the copy index
    for model in derived:
        assert Collector("default").can_fast_delete(model.objects.all()), model


def test_intake_requests_raise_no_counter(claim, django_capture_on_commit_callbacks):
    """Staff's working rows (`public = False`): no public page shows them."""
    from sources.models import IntakeRequest

    version = SiteVersion.objects.get().version
    with django_capture_on_commit_callbacks(execute=True):
        entry = IntakeRequest.objects.create(input="text", format="text", content=b"Words.", status="done")
        entry.error = "x"
        entry.save()
        entry.delete()
    assert SiteVersion.objects.get().version == version


def test_rebuilding_the_search_documents_changes_the_tag(client, claim):
    from django.core.management import call_command

    before = client.get("/search/?q=shells")["ETag"]
    call_command("rebuild_search_documents", stdout=__import__("io").StringIO())
    assert client.get("/search/?q=shells", headers={"If-None-Match": before}).status_code == 200
