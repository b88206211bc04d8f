"""Public pages: they render for the demo data, readers never see drafts, bad query
strings are answered with 400 and a message, and every list and detail page issues
the same number of queries whatever the number of rows."""

import datetime as dt
import json
import re
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Actor, Claim, Denial, Materiel, PublicationState, Topic
from sources.models import Outlet, Source
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_claim_link,
    make_denial,
    make_denial_citation,
    make_derivation,
    make_materiel,
    make_outlet,
    make_quantity,
    make_source,
    make_topic,
)

MILLION = "nis-million-artillery-shells-since-august"

pytestmark = pytest.mark.django_db


def public_urls():
    urls = ["/", "/claims/", "/actors/", "/topics/", "/materiel/", "/sources/", "/outlets/", "/search/?q=shells"]
    for model in (Claim, Denial):
        urls += [o.get_absolute_url() for o in model.objects.published()]
    for model in (Actor, Topic, Materiel, Source, Outlet):
        urls += [o.get_absolute_url() for o in model.objects.all()]
    return urls


def test_every_public_page_renders_for_the_demo_data(client, demo):
    urls = public_urls()
    assert len(urls) > 60
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def test_claim_page_tells_the_seed_story(client, demo):
    html = client.get(f"/claims/{MILLION}/").content.decode()

    assert "more than 1,000,000 artillery shells" in html
    assert "worded as “more than a million”" in html
    chain = re.search(r'<ol class="chain">(.*?)</ol>', html, re.S).group(1)
    names = re.findall(r'<a href="/(?:actors|outlets)/[^"]+">([^<]+)</a>', chain)
    # The chain is the actors; the outlets are in the reporting paths (tests/test_reporting_paths.py).
    assert names == ["National Intelligence Service", "Yoo Sang-bum"]
    assert '<a href="/sources/nis-briefing-2023-11-01/">' in chain
    assert "repeated by" not in html
    assert "A verbatim copy of" in html and "not independent confirmation" in html
    assert re.search(r"\d+ citations?, 1 independent origin\b", html)
    assert "/denials/nk-russia-deny-arms-transfers/" in html
    assert "August 2023" in html and "1 August 2023" not in html


def test_claim_page_carries_claimreview_jsonld(client, demo):
    html = client.get(f"/claims/{MILLION}/").content.decode()

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "ClaimReview"
    assert data["itemReviewed"]["@type"] == "Claim"
    assert data["itemReviewed"]["datePublished"] == "2023-11-01"
    assert {"name": "National Intelligence Service", "@type": "Organization"} in data["itemReviewed"]["author"]
    assert any(a["publisher"]["name"] == "Associated Press" for a in data["itemReviewed"]["appearance"])


def test_jsonld_cannot_close_its_script_element(client):
    claim = make_claim(proposition="</script><script>alert(1)</script>")

    html = client.get(claim.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(block)["claimReviewed"] == "</script><script>alert(1)</script>"


def test_search_for_an_alias_finds_the_actors_claims_and_denials(client, demo):
    response = client.get("/search/", {"q": "DPRK"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "/actors/north-korea/" in html
    assert f"/claims/{MILLION}/" in html, "claims about North Korea"
    assert "/denials/nk-russia-deny-arms-transfers/" in html, "denials by North Korea"


def test_search_matches_quotes(client, demo):
    html = client.get("/search/", {"q": "Vostochny"}).content.decode()

    assert "/claims/" in html and "No claim matches." not in html


def test_claims_list_filters_by_claimant_anywhere_in_the_chain(client, demo):
    html = client.get("/claims/", {"claimant": "yoo-sang-bum"}).content.decode()

    assert f"/claims/{MILLION}/" in html
    assert "/claims/white-house-nk-delivered-1000-containers/" not in html
    assert "Remove filter Claimant" in html


def test_claims_list_filters_combine_and_show_removable_chips(client, demo):
    response = client.get("/claims/", {"topic": "north-korean-munitions-for-russia", "has_denial": "true"})

    html = response.content.decode()
    chips = re.findall(r'<a href="([^"]*)" aria-label="Remove filter ([^"]+)"', html)
    assert {label for _, label in chips} == {"Topic", "Denied"}
    remove_topic = next(url for url, label in chips if label == "Topic")
    assert "topic=" not in remove_topic and "has_denial=true" in remove_topic


def test_has_denial_false_lists_only_undenied_claims(client):
    denied, undenied = make_claim(), make_claim()
    make_denial(claims=[denied])

    html = client.get("/claims/", {"has_denial": "false"}).content.decode()

    assert undenied.get_absolute_url() in html and denied.get_absolute_url() not in html


def test_made_between_two_dates(client):
    early = make_claim(made="2023-08")
    late = make_claim(made="2023-11-01")

    html = client.get("/claims/", {"made_after": "2023-10-01", "made_before": "2023-12-31"}).content.decode()

    assert late.get_absolute_url() in html and early.get_absolute_url() not in html


def test_keyset_pages_walk_every_claim_once_in_order(client):
    claims = [make_claim(made=dt.date(2023, 1, 1) + dt.timedelta(days=i % 40)) for i in range(60)]
    claims.append(make_claim(made=None))
    seen, url = [], "/claims/?sort=-made"
    while url:
        html = client.get(url if url.startswith("/") else "/claims/" + url).content.decode()
        seen += re.findall(r'<h3><a href="/claims/([^/]+)/">', html)
        match = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else ""
    expected = sorted(claims, key=lambda c: (c.made is None, -(c.made.earliest.toordinal() if c.made else 0), -c.pk))
    assert seen == [c.slug for c in expected]


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"after": "abc"},
        {"after": "2023-01-01~x"},
        {"after": "9999-99-99~1"},
        {"made_after": "2023-13-45"},
        {"status": "<script>"},
        {"certainty": "sure"},
        {"topic": "no-such-topic"},
        {"has_denial": "perhaps"},
        {"sort": "price"},
        {"q": "x" * 10_000},
        {"q": "\x00"},
        {"q": "' OR 1=1 --"},
        {"q": "!!! & | <-> :*"},
    ],
)
def test_nonsense_query_strings_get_a_form_error_or_400_never_500(client, query):
    make_claim()

    response = client.get("/claims/", query)

    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert "<script>" not in html.split("</head>")[1]
    if response.status_code == 400:
        assert 'class="error"' in html


@pytest.mark.parametrize("query", ["x" * 10_000, "\x00", "' OR 1=1 --", "!!! & | <-> :*", "🚀 北한"])
def test_search_never_fails_on_odd_input(client, query):
    make_claim()

    response = client.get("/search/", {"q": query})

    assert response.status_code in (200, 400)


def test_readers_never_see_drafts(client, demo):
    topic = Topic.objects.get(slug="north-korean-munitions-for-russia")
    nk = Actor.objects.get(slug="north-korea")
    draft = make_claim(proposition="Draft claim about DPRK shells", state=PublicationState.DRAFT)
    draft.topics.add(topic)
    draft.subjects.add(nk)
    make_attribution(claim=draft, actor=nk)
    review = make_claim(proposition="In-review claim about DPRK shells", state=PublicationState.IN_REVIEW)
    draft_denial = make_denial(statement="Draft denial by DPRK", claims=[draft], deniers=[nk], state="draft")
    source = make_source()
    make_claim_citation(claim=draft, source=source, quote="draft-only quote")

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(review.get_absolute_url()).status_code == 404
    assert client.get(draft_denial.get_absolute_url()).status_code == 404
    pages = [
        "/",
        "/claims/",
        "/claims/?q=DPRK",
        "/search/?q=DPRK",
        "/search/?q=draft",
        topic.get_absolute_url(),
        nk.get_absolute_url(),
        source.get_absolute_url(),
        "/sitemap.xml",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert draft.slug not in html and review.slug not in html and draft_denial.slug not in html, url
        assert "draft-only quote" not in html, url


def test_sitemap_lists_published_records(client, demo):
    def read_locs(url):
        xml = client.get(url).content
        return [e.text for e in ElementTree.fromstring(xml).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]

    # /sitemap.xml is an index of sitemap files (one a section, paginated), which list the pages.
    files = read_locs("/sitemap.xml")
    assert "http://testserver/sitemap-claims.xml" in files
    locs = [loc for file in files for loc in read_locs(file.removeprefix("http://testserver"))]

    assert f"http://testserver/claims/{MILLION}/" in locs
    assert "http://testserver/topics/north-korean-munitions-for-russia/" in locs


def test_timeline_marks_stand_for_claims_and_its_table_links_them(client, demo):
    html = client.get("/topics/north-korean-munitions-for-russia/").content.decode()

    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    # No links inside role=img (axe-core's nested-interactive): the table carries them.
    assert "<a " not in svg
    marks = re.findall(r'data-href="(/(?:claims|denials)/[^"]+)"', svg)
    assert f"/claims/{MILLION}/" in marks
    assert any(h.startswith("/denials/") for h in marks)
    table = re.search(r'<table class="timeline-table">.*?</table>', html, re.S).group(0)
    assert set(re.findall(r'<a href="(/(?:claims|denials)/[^"]+)"', table)) >= set(marks)


# -- query counts: the same at two data sizes -----------------------------------------


def build_world(n: int):
    """n published claims, each with a chain, figures, citations, a denial and a link,
    all under one topic, actor, materiel and outlet, so every page lists n rows."""
    topic, actor, materiel, outlet = make_topic(), make_actor(), make_materiel(), make_outlet()
    original = make_source(outlet=outlet)
    previous = None
    for _ in range(n):
        claim = make_claim()
        claim.topics.add(topic)
        claim.subjects.add(actor)
        claim.materiel.add(materiel)
        make_attribution(claim=claim, actor=actor, position=1)
        make_attribution(claim=claim, actor=make_actor(parent=actor), position=2, role="relay")
        make_quantity(claim=claim, materiel=materiel)
        copy = make_source(outlet=outlet)
        make_derivation(source=copy, derived_from=original)
        make_claim_citation(claim=claim, source=original)
        make_claim_citation(claim=claim, source=copy)
        denial = make_denial(claims=[claim], deniers=[actor])
        make_denial_citation(denial=denial, source=original)
        if previous:
            make_claim_link(from_claim=claim, to_claim=previous)
        previous = claim
    return {
        "topic": topic,
        "actor": actor,
        "materiel": materiel,
        "outlet": outlet,
        "source": original,
        "claim": previous,
    }


def page_urls(world) -> dict[str, str]:
    denial = Denial.objects.filter(claims=world["claim"]).first()
    return {
        "home": "/",
        "claim list": "/claims/",
        "filtered claim list": f"/claims/?topic={world['topic'].slug}&claimant={world['actor'].slug}"
        "&has_denial=true&q=Claim",
        "claim": world["claim"].get_absolute_url(),
        "denial": denial.get_absolute_url(),
        "actor list": "/actors/",
        "actor": world["actor"].get_absolute_url(),
        "topic list": "/topics/",
        "topic": world["topic"].get_absolute_url(),
        "materiel list": "/materiel/",
        "materiel": world["materiel"].get_absolute_url(),
        "source list": "/sources/",
        "source": world["source"].get_absolute_url(),
        "outlet list": "/outlets/",
        "outlet": world["outlet"].get_absolute_url(),
        "search": "/search/?q=Claim",
        "sitemap": "/sitemap.xml",
    }


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_every_page_issues_a_constant_number_of_queries(client):
    small = {page: count_queries(client, url) for page, url in page_urls(build_world(2)).items()}
    large = {page: count_queries(client, url) for page, url in page_urls(build_world(30)).items()}

    for page, few in small.items():
        assert large[page] == few, f"{page}: {few} queries with 2 rows, {large[page]} with 30"
        # 17 (18 with the validator below): the claim page's one query for how its sources worded the figures
        # (CitationFigure, a table of its own, prefetched for all its citations at once).
        # 21 on an actor's page: a capped count and the first rows of each of its five
        # sections (made, relayed, endorsed, about, denials), read together, then its
        # timeline's events, with their figures and deniers. Each page's count includes
        # one query for the site's change counter, the answer's ETag (operations/http_cache.py).
        assert few <= (22 if page == "actor" else 18), f"{page}: {few} queries"
