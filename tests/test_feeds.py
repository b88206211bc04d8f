"""Atom feeds of new and changed claims and denials, for the whole site, a topic and an
actor: valid Atom, published records only, a changed claim shown as updated, text
escaped, a constant number of queries."""

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Claim, PublicationState
from tests.export_world import MILLION, RUSSIAN, TOPIC, build_world, make_multilingual
from tests.factories import make_claim, make_denial

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}updated") is not None and feed.find(f"{ATOM}id") is not None
    return [
        {
            "title": e.findtext(f"{ATOM}title"),
            "id": e.findtext(f"{ATOM}id"),
            "link": e.find(f"{ATOM}link").get("href"),
            "updated": e.findtext(f"{ATOM}updated"),
            "summary": e.findtext(f"{ATOM}summary"),
            "authors": [a.findtext(f"{ATOM}name") for a in e.findall(f"{ATOM}author")],
        }
        for e in feed.findall(f"{ATOM}entry")
    ]


def test_site_feed_lists_published_claims_and_denials(client, export_demo):
    draft = make_claim(proposition="A draft claim.", state=PublicationState.DRAFT)

    items = entries(client, "/feed.atom")

    links = {item["link"] for item in items}
    assert f"http://testserver/claims/{MILLION}/" in links
    assert "http://testserver/denials/nk-russia-deny-arms-transfers/" in links
    assert not any(draft.slug in link for link in links)
    assert len(items) == 21  # 18 claims and 3 denials
    million = next(i for i in items if i["link"].endswith(f"/{MILLION}/"))
    assert million["title"].startswith("Claim: South Korea’s National Intelligence Service believes")
    assert million["authors"] == ["National Intelligence Service"]
    assert "more than 1,000,000 artillery shells" in million["summary"]


def test_a_changed_claim_comes_first_as_the_same_entry_updated(client, export_demo):
    before = {i["id"]: i for i in entries(client, "/feed.atom")}
    claim = Claim.objects.get(slug="kim-space-reconnaissance-crucial")
    Claim.objects.filter(pk=claim.pk).update(status="corroborated", updated_at=timezone.now() + dt.timedelta(minutes=5))

    after = entries(client, "/feed.atom")

    assert after[0]["id"] == f"http://testserver/claims/{claim.slug}/"
    assert after[0]["id"] in before and after[0]["updated"] > before[after[0]["id"]]["updated"]
    assert "Status: corroborated" in after[0]["summary"]
    assert len(after) == len(before)


def test_topic_feed_keeps_to_its_story(client, export_demo):
    links = {i["link"] for i in entries(client, f"/topics/{TOPIC}/feed.atom")}

    assert f"http://testserver/claims/{MILLION}/" in links
    assert "http://testserver/claims/kim-space-reconnaissance-crucial/" not in links
    assert "http://testserver/denials/nk-russia-deny-arms-transfers/" in links


def test_actor_feed_has_its_claims_and_its_denials(client, export_demo):
    links = {i["link"] for i in entries(client, "/actors/sergey-lavrov/feed.atom")}

    assert links == {"http://testserver/denials/lavrov-denies-russia-received-nk-munitions/"}
    yoo = {i["link"] for i in entries(client, "/actors/yoo-sang-bum/feed.atom")}
    assert f"http://testserver/claims/{MILLION}/" in yoo


def test_feed_text_is_escaped_and_names_survive(client):
    world = make_multilingual()
    make_claim(proposition="<script>alert(1)</script> & more").topics.add(world["topic"])

    items = entries(client, world["topic"].get_absolute_url() + "feed.atom")

    nasty = next(i for i in items if "alert" in i["title"])
    assert nasty["title"] == "Claim: <script>alert(1)</script> & more", "plain text, XML-escaped on the wire"
    assert "&lt;script&gt;" in nasty["summary"] and "<script>" not in nasty["summary"]
    denial = next(i for i in items if i["title"].startswith("Denial:"))
    assert denial["authors"] == [RUSSIAN] and RUSSIAN in denial["title"]


def test_unknown_topic_or_actor_feed_is_404(client):
    assert client.get("/topics/nope/feed.atom").status_code == 404
    assert client.get("/actors/nope/feed.atom").status_code == 404


FEEDS = ["site", "topic", "actor"]


def build_feed_world(n: int):
    world = build_world(n)
    make_denial(claims=world["claims"][:2], deniers=[world["actor"]])
    return world


def count_feed_queries(world, feed) -> int:
    url = {
        "site": "/feed.atom",
        "topic": world["topic"].get_absolute_url() + "feed.atom",
        "actor": world["actor"].get_absolute_url() + "feed.atom",
    }[feed]
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(url).status_code == 200
    return len(queries)


@pytest.fixture(scope="module")
def feed_queries(measure_at_sizes):
    """Every feed measured with 3 claims, then with 40 more (tests/conftest.py)."""
    return measure_at_sizes(build_feed_world, (3, 40), FEEDS, count_feed_queries)


@pytest.mark.parametrize("feed", FEEDS)
def test_feed_takes_a_constant_number_of_queries(feed_queries, feed):
    few, many = (measured.get() for measured in feed_queries[feed])

    assert few == many
