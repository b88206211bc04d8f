"""Bounded lists (issue 11): filter boxes that take a name or slug instead of a <select>
of every record, their suggestions, the capped count, the involving= filter and the
denials list. Each page's size and query count stay the same whatever the data size."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ActorAlias, Claim
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_materiel,
    make_outlet,
    make_source,
    make_topic,
)
from web import counts
from web import views as web_views
from web.export import views as export_views
from web.pagination import INDEX_PAGE_SIZE, keyset_page
from web.sitemaps import RecordSitemap

pytestmark = pytest.mark.django_db


def slugs(html: str) -> set[str]:
    return set(re.findall(r'<h3><a href="/(?:claims|denials)/([^/]+)/">', html))


def test_the_list_page_does_not_grow_with_the_number_of_actors_topics_or_materiel(client):
    make_claim()
    before = client.get("/claims/").content
    for n in range(200):
        make_actor(name=f"Extra actor {n}")
        make_topic(name=f"Extra topic {n}")

    after = client.get("/claims/").content

    assert len(after) == len(before)
    assert b"Extra actor" not in after


@pytest.mark.parametrize(
    "typed", ["korea-nis", "National Intelligence Service", "national intelligence SERVICE", "NIS"]
)
def test_a_filter_box_takes_a_slug_a_name_or_an_alias(client, typed):
    nis = make_actor(name="National Intelligence Service", slug="korea-nis")
    ActorAlias.objects.create(actor=nis, name="NIS")
    theirs, other = make_attribution(actor=nis).claim, make_claim()

    response = client.get("/claims/", {"claimant": typed})

    assert response.status_code == 200
    listed = slugs(response.content.decode())
    assert theirs.slug in listed and other.slug not in listed
    assert "Claimant (anywhere in the relay chain): <strong>National Intelligence Service</strong>" in (
        response.content.decode()
    )


def test_an_unknown_name_is_a_form_error_tied_to_its_box(client):
    response = client.get("/claims/", {"subject": "Nobody at all"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "No actor is called &#x27;Nobody at all&#x27;" in html
    box = re.search(r'<input[^>]*name="subject"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in box


def test_a_shared_name_asks_for_the_slug_and_a_slug_wins_over_a_name(client):
    make_actor(name="Ministry of Defence", slug="mod-uk")
    make_actor(name="Ministry of Defence", slug="mod-ru")
    make_actor(name="mod-uk", slug="confusingly-named")

    assert client.get("/claims/", {"claimant": "Ministry of Defence"}).status_code == 400
    response = client.get("/claims/", {"claimant": "mod-uk"})
    assert response.status_code == 200
    assert 'value="mod-uk"' in response.content.decode()


@pytest.mark.parametrize("value", ["x" * 201, "a\x00b"])
def test_odd_filter_values_are_form_errors_not_500s(client, value):
    assert client.get("/claims/", {"topic": value}).status_code == 400


def test_every_aria_describedby_points_at_an_element_that_exists(client):
    make_claim()
    for url in ["/claims/", "/claims/?claimant=nobody", "/denials/", "/denials/?denier=nobody"]:
        html = client.get(url).content.decode()
        ids = set(re.findall(r' id="([^"]+)"', html))
        described = re.findall(r'aria-describedby="([^"]+)"', html)
        assert described, url
        for names in described:
            assert set(names.split()) <= ids, (url, names)


# --- Suggestions -----------------------------------------------------------------------


def suggest(client, kind, words):
    response = client.get(f"/autocomplete/{kind}/", {"q": words})
    assert response.status_code == 200
    return [record["slug"] for record in response.json()["results"]]


def test_suggestions_rank_exact_then_prefix_then_the_rest(client):
    make_actor(name="Kim Yo Jong", slug="kim-yo-jong")
    make_actor(name="Kim", slug="kim")
    make_actor(name="Pak Kim", slug="pak-kim")
    make_actor(name="Kimura", slug="kimura")
    make_actor(name="Unrelated", slug="unrelated")

    found = suggest(client, "actors", "kim")

    assert found[0] == "kim"
    assert set(found[1:3]) == {"kim-yo-jong", "kimura"}  # by likeness on PostgreSQL, by name on SQLite
    assert "pak-kim" in found[3:] and "unrelated" not in found


def test_suggestions_find_an_actor_by_its_alias_once(client):
    dprk = make_actor(name="North Korea", slug="north-korea")
    ActorAlias.objects.create(actor=dprk, name="DPRK")
    ActorAlias.objects.create(actor=dprk, name="DPRK government")

    assert suggest(client, "actors", "DPRK") == ["north-korea"]


def test_suggestions_are_at_most_ten_in_a_constant_number_of_queries(client):
    def queries(words):
        with CaptureQueriesContext(connection) as captured:
            suggest(client, "topics", words)
        return len(captured)

    make_topic(name="Shells 0")
    few = queries("Shells")
    for n in range(1, 15):
        make_topic(name=f"Shells {n}")

    assert len(suggest(client, "topics", "Shells")) == 10
    assert queries("Shells") == few


def test_suggestions_refuse_unknown_kinds_and_long_words(client):
    assert client.get("/autocomplete/claims/", {"q": "x"}).status_code == 404
    assert client.get("/autocomplete/actors/", {"q": "x" * 101}).status_code == 400
    assert client.get("/autocomplete/actors/").json() == {"results": []}


# --- Capped count, row-value pages ------------------------------------------------------


def test_the_count_stops_at_the_cap(client, monkeypatch):
    monkeypatch.setattr(counts, "COUNT_CAP", 3)
    for _ in range(3):
        make_claim()
    assert "3 claims" in client.get("/claims/").content.decode()

    make_claim()
    assert "3+ claims" in client.get("/claims/").content.decode()


@pytest.mark.parametrize("sort", ["-made", "made", "-recorded"])
def test_a_later_page_is_one_row_value_comparison(sort):
    for made in ["2023-01-01", "2023", None]:
        make_claim(made=made)
    after = keyset_page(Claim.objects.all(), sort=sort, size=1).next_cursor

    with CaptureQueriesContext(connection) as captured:
        keyset_page(Claim.objects.all(), sort=sort, after=after, size=1)

    sql = captured[0]["sql"]
    assert re.search(r'\(COALESCE\([^)]*\), COALESCE\([^)]*\), "claims_claim"."id"\) [<>] \(', sql) or re.search(
        r'\("claims_claim"."created_at", "claims_claim"."id"\) [<>] \(', sql
    ), sql
    assert " OR " not in sql


# --- involving= and the denials list ---------------------------------------------------


def test_involving_finds_an_actor_as_claimant_relay_subject_or_denier(client):
    actor = make_actor()
    made = make_attribution(actor=actor).claim
    relayed = make_attribution(actor=actor, role="relay", position=2).claim
    about = make_claim()
    about.subjects.add(actor)
    denied = make_claim()
    make_denial(claims=[denied], deniers=[actor])
    unrelated = make_claim()

    listed = slugs(client.get("/claims/", {"involving": actor.slug}).content.decode())

    assert listed == {made.slug, relayed.slug, about.slug, denied.slug}
    assert unrelated.slug not in listed


def test_denials_list_filters_by_denier_topic_and_date(client):
    pyongyang, moscow, topic = make_actor(), make_actor(), make_topic()
    on_topic = make_claim()
    on_topic.topics.add(topic)
    first = make_denial(claims=[on_topic], deniers=[pyongyang], made="2023-10-01")
    second = make_denial(deniers=[moscow], made="2024-03")
    draft = make_denial(deniers=[pyongyang], state="draft")

    def listed(**query):
        response = client.get("/denials/", query)
        assert response.status_code == 200
        return slugs(response.content.decode())

    assert listed() == {first.slug, second.slug}
    assert draft.slug not in listed(denier=pyongyang.slug)
    assert listed(denier=pyongyang.name) == {first.slug}
    assert listed(topic=topic.slug) == {first.slug}
    assert listed(made_after="2024-03-15") == {second.slug}
    assert listed(made_before="2023-12-31") == {first.slug}
    assert client.get("/denials/", {"denier": "nobody"}).status_code == 400
    assert client.get("/denials/", {"after": "garbage"}).status_code == 400


def test_denials_list_walks_its_pages_in_a_constant_number_of_queries(client):
    def walk():
        seen, url, counts = [], "/denials/", []
        while url:
            with CaptureQueriesContext(connection) as captured:
                html = client.get(url).content.decode()
            counts.append(len(captured))
            seen += re.findall(r'<h3><a href="/denials/([^/]+)/">', html)
            match = re.search(r'<a rel="next" href="([^"]+)"', html)
            url = "/denials/" + match.group(1).replace("&amp;", "&") if match else ""
        return seen, counts

    made = [make_denial(made=f"2023-{1 + n % 12:02}-01", claims=[make_claim()]).slug for n in range(30)]
    seen, counts = walk()

    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert len(set(counts)) == 1, counts


def test_the_nav_links_to_the_denials_list(client):
    assert 'href="/denials/"' in client.get("/").content.decode()


# --- Formatted bibliographies of a list are capped --------------------------------------


def test_a_formatted_bibliography_is_capped_with_a_note_and_the_files_list_every_source(client, monkeypatch):
    monkeypatch.setattr(export_views, "FORMATTED_CAP", 2)
    titles = [make_claim_citation().source.title for _ in range(3)]

    text = client.get("/claims/sources.txt").content.decode()
    html = client.get("/claims/sources.html").content.decode()
    bibtex = client.get("/claims/sources.bib").content.decode()

    assert sum(title in text for title in titles) == 2
    assert "Only the first 2 sources, by date, are formatted here" in text
    assert html.count("<li>") == 2 and "Only the first 2 sources" in html
    assert all(title in bibtex for title in titles)
    monkeypatch.setattr(export_views, "FORMATTED_CAP", 3)
    assert "Only the first" not in client.get("/claims/sources.txt").content.decode()


# --- Index pages, capped counts per row, the home page's totals ----------------------------


@pytest.mark.parametrize(
    ("url", "make", "link"),
    [
        ("/actors/", make_actor, r'<a href="/actors/([^/]+)/">'),
        ("/topics/", make_topic, r'<a href="/topics/([^/]+)/">'),
        ("/materiel/", make_materiel, r'<a href="/materiel/([^/]+)/">'),
        ("/sources/", make_source, r'<a href="/sources/([^/]+)/">'),
        ("/outlets/", make_outlet, r'<a href="/outlets/([^/]+)/">'),
    ],
)
def test_index_pages_walk_every_record_once_in_a_constant_number_of_queries(client, url, make, link):
    records = {make().slug for _ in range(INDEX_PAGE_SIZE + 7)}
    seen, counts, page_url = [], [], url
    while page_url:
        with CaptureQueriesContext(connection) as captured:
            html = client.get(page_url).content.decode()
        counts.append(len(captured))
        main = html[html.index("<main") :]
        seen += [slug for slug in re.findall(link, main) if slug in records]
        match = re.search(r'<a rel="next" href="([^"]+)"', html)
        page_url = url + match.group(1).replace("&amp;", "&") if match else ""

    assert sorted(seen) == sorted(records) and len(counts) == 2
    assert counts[0] == counts[1], counts
    assert client.get(url, {"after": "not a slug!"}).status_code == 400


def test_row_counts_stop_at_the_cap(client, monkeypatch):
    monkeypatch.setattr(counts, "ROW_COUNT_CAP", 2)
    busy, quiet = make_topic(name="Busy topic"), make_topic(name="Quiet topic")
    for _ in range(3):
        make_claim().topics.add(busy)
    make_claim().topics.add(quiet)

    html = client.get("/topics/").content.decode()

    assert re.search(r"Busy topic</strong></a> <span class=\"meta\">2\+ claims", html)
    assert re.search(r"Quiet topic</strong></a> <span class=\"meta\">1 claim<", html)


def test_home_totals_are_exact_while_small_and_estimated_beyond(client, monkeypatch):
    for _ in range(3):
        make_claim()
    assert "3 claims" in client.get("/").content.decode()

    # Every table "large" (reltuples is -1 before the first ANALYZE): the planner estimates.
    monkeypatch.setattr(counts, "ESTIMATE_ABOVE", -2)
    if connection.vendor == "postgresql":
        assert re.search(r"about [0-9,]+ claims?<", client.get("/").content.decode())
    else:  # SQLite has no planner estimate: it counts
        assert "3 claims" in client.get("/").content.decode()


def test_the_sitemap_is_an_index_of_files_of_bounded_size(client, monkeypatch):
    monkeypatch.setattr(RecordSitemap, "limit", 2)
    claims = [make_claim() for _ in range(5)]
    draft = make_claim(state="draft")
    files = -(-claims[-1].pk // 2)  # by ranges of primary keys: (0, 2], (2, 4] ... to the last published

    index = client.get("/sitemap.xml").content.decode()
    pages = {n: client.get("/sitemap-claims.xml", {"p": n}).content.decode() for n in range(1, files + 1)}

    assert "<sitemapindex" in index
    assert f"http://testserver/sitemap-claims.xml?p={files}" in index
    for claim in claims:
        assert claim.get_absolute_url() in pages[-(-claim.pk // 2)]
    assert not any(draft.get_absolute_url() in page for page in pages.values())
    assert all(page.count("<url>") <= 2 for page in pages.values())
    for bad in [files + 1, 0, "x"]:
        assert client.get("/sitemap-claims.xml", {"p": bad}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_actor_page_links_to_its_denials_and_claims_in_the_lists(client):
    actor = make_actor()

    html = client.get(actor.get_absolute_url()).content.decode()

    assert f'href="/denials/?denier={actor.slug}"' in html
    assert f'href="/claims/?involving={actor.slug}"' in html


def test_the_home_page_shows_the_first_topics_and_links_to_all(client, monkeypatch):
    monkeypatch.setattr(web_views, "HOME_TOPICS", 2)
    for name in ["Alpha", "Bravo", "Charlie"]:
        make_topic(name=name)

    html = client.get("/").content.decode()

    assert "Alpha" in html and "Bravo" in html and "Charlie" not in html
    assert 'href="/topics/">All topics' in html
