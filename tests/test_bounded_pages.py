"""Entity pages stay bounded whatever the data size: topic, materiel, source and outlet
pages list their rows a page at a time, an actor page shows the first rows of each
section with a link to the full list, and topic and actor timelines count events per
period once there are too many to draw, zooming back to marks with ?from=&to=."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Denial
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_derivation,
    make_materiel,
    make_outlet,
    make_source,
    make_topic,
)
from web import counts, views
from web.timeline_periods import AGGREGATE_ABOVE, Window, timeline_in_view

pytestmark = pytest.mark.django_db

MAX_PAGE_BYTES = 200_000
START = dt.date(2021, 1, 1)


def spread_claims(n: int, *, topic=None, actor=None, materiel=None, source=None, start=START, step=5):
    """n published claims, one every `step` days from `start`, tagged as asked."""
    claims = []
    for index in range(n):
        claim = make_claim(made=(start + dt.timedelta(days=index * step)).isoformat())
        if topic:
            claim.topics.add(topic)
        if actor:
            make_attribution(claim=claim, actor=actor)
        if materiel:
            claim.materiel.add(materiel)
        if source:
            make_claim_citation(claim=claim, source=source)
        claims.append(claim)
    return claims


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def svg_of(html):
    return re.search(r"<svg.*?</svg>", html, re.S).group(0)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        get(client, url)
    return len(captured)


def bars(svg, kind):
    """{period title: count} of the bars of one kind ("claim" or "denial")."""
    found = re.findall(rf'<g class="timeline-period-count timeline-{kind}">\s*<title>([^<]+): ([\d,]+) {kind}', svg)
    return {period: int(count.replace(",", "")) for period, count in found}


def test_a_big_topic_page_is_bounded_and_counts_its_timeline_per_period(client):
    topic = make_topic()
    claims = spread_claims(300, topic=topic)  # every 5 days from January 2021: 1,500 days
    for claim in claims[:40]:
        make_denial(claims=[claim], made=claim.made_earliest.isoformat())

    html = get(client, topic.get_absolute_url())

    assert len(html.encode()) < MAX_PAGE_BYTES
    assert html.count('<article class="claim-item">') == 25
    # Too many to draw one by one: bars per month (a span of four years), counted from the data.
    svg = svg_of(html)
    assert "timeline-period-count" in svg and 'class="timeline-event' not in svg
    assert "<a " not in svg  # no links inside role=img: the table carries them
    per_month = Counter(c.made_earliest.strftime("%B %Y") for c in claims)
    assert bars(svg, "claim") == per_month
    assert bars(svg, "denial") == Counter(c.made_earliest.strftime("%B %Y") for c in claims[:40])
    # The table links each period to the claims list and to the timeline narrowed to it.
    assert f"/claims/?topic={topic.slug}&amp;made_after=2021-03-01&amp;made_before=2021-03-31" in html
    assert 'href="?from=2021-03-01&amp;to=2021-03-31#timeline"' in html


def test_a_topic_page_issues_the_same_queries_for_90_or_180_claims(client):
    small, large = make_topic(), make_topic()
    spread_claims(90, topic=small)
    spread_claims(180, topic=large)

    assert queries(client, small.get_absolute_url()) == queries(client, large.get_absolute_url())


def test_zooming_into_a_period_brings_back_each_event(client):
    topic = make_topic()
    claims = spread_claims(AGGREGATE_ABOVE + 40, topic=topic, step=2)  # 200 days from January 2021

    svg = svg_of(get(client, f"{topic.get_absolute_url()}?from=2021-02-01&to=2021-02-28"))

    marks = re.findall(r'<g class="timeline-event [^"]*" data-href="([^"]+)"', svg)
    in_february = [c.get_absolute_url() for c in claims if c.made_earliest.month == 2 and c.made_earliest.year == 2021]
    assert sorted(marks) == sorted(in_february)
    assert "timeline-period-count" not in svg


def test_a_wide_zoom_with_many_events_counts_them_per_day(client):
    topic = make_topic()
    spread_claims(AGGREGATE_ABOVE + 10, topic=topic, step=0)  # all on 1 January 2021
    spread_claims(AGGREGATE_ABOVE + 10, topic=topic, start=dt.date(2021, 1, 10), step=0)

    svg = svg_of(get(client, f"{topic.get_absolute_url()}?from=2021-01-01&to=2021-01-31"))

    assert bars(svg, "claim") == {"1 January 2021": 70, "10 January 2021": 70}


@pytest.mark.parametrize(
    "query",
    ["from=2023-13-01", "to=yesterday", "from=2023-05-01&to=2023-04-01", "from=२०२३-०१-०१", "after=nonsense"],
)
def test_bad_dates_or_page_markers_on_a_topic_page_are_a_400_with_a_message(client, query):
    topic = make_topic()
    spread_claims(3, topic=topic)

    html = get(client, f"{topic.get_absolute_url()}?{query}", status=400)

    assert '<p role="alert">' in html


def test_a_topic_page_walks_its_claims_page_by_page(client):
    topic = make_topic()
    claims = spread_claims(60, topic=topic)

    seen, url = [], topic.get_absolute_url()
    while url:
        html = get(client, url)
        seen += re.findall(r'<h3><a href="(/claims/[^"]+)">', html)
        more = re.search(r'<a href="(\?[^"]*after=[^"]+)">Next claims', html)
        url = topic.get_absolute_url() + more.group(1).replace("&amp;", "&") if more else ""

    assert seen == [c.get_absolute_url() for c in reversed(claims)]  # newest first, each once


def test_a_big_actor_page_shows_the_first_25_of_each_section_and_links_to_all(client, monkeypatch):
    actor = make_actor()
    claims = spread_claims(60, actor=actor)
    for claim in claims[:30]:
        claim.subjects.add(actor)
        make_denial(claims=[claim], deniers=[actor])
    for module in (views, counts):  # counts stop at the cap: "50+"
        monkeypatch.setattr(module, "COUNT_CAP", 50)

    html = get(client, actor.get_absolute_url())

    assert len(html.encode()) < MAX_PAGE_BYTES
    assert html.count('<article class="claim-item">') == 50  # 25 made, 25 about
    assert f'<a href="/claims/?claimant={actor.slug}">All 50+ claims' in html
    assert f'<a href="/claims/?subject={actor.slug}">All 30 claims' in html
    assert f'<a href="/denials/?denier={actor.slug}">All 30 denials' in html
    assert "timeline-period-count" in svg_of(html)  # 90 events: counted per period


def test_an_actor_page_with_a_few_claims_lists_them_all_without_links_to_more(client):
    actor = make_actor()
    spread_claims(3, actor=actor)

    html = get(client, actor.get_absolute_url())

    assert html.count('<article class="claim-item">') == 3
    assert "All " not in html
    assert 'class="timeline-event' in svg_of(html)


def test_materiel_page_pages_its_claims_and_its_narrower_types(client):
    shells = make_materiel()
    spread_claims(20, materiel=shells)
    spread_claims(20, materiel=make_materiel(parent=shells))

    first = get(client, shells.get_absolute_url())
    more = re.search(r'<a href="(\?after=[^"]+)">Next claims', first).group(1)
    second = get(client, shells.get_absolute_url() + more)

    assert first.count('<article class="claim-item">') == 25
    assert second.count('<article class="claim-item">') == 15


def test_source_page_bounds_its_citations_and_copies_and_outlet_page_its_sources(client):
    outlet = make_outlet()
    original = make_source(outlet=outlet)
    spread_claims(40, source=original)
    for _ in range(30):
        make_derivation(source=make_source(outlet=outlet), derived_from=original)

    html = get(client, original.get_absolute_url())
    outlet_html = get(client, outlet.get_absolute_url())

    assert html.count('<p class="cite">Claim:') == 25
    assert re.search(r'<a href="\?claims_after=[^"]+">Next claims citing it', html)
    assert re.search(r'<a href="\?copies_after=[^"]+">Next documents', html)
    assert outlet_html.count('<li><a href="/sources/') == 25
    assert re.search(r'<a href="\?after=[^"]+">Next sources', outlet_html)
    get(client, original.get_absolute_url() + "?copies_after=1~2", status=400)


def test_page_markers_of_one_list_keep_the_others(client):
    topic = make_topic()
    claims = spread_claims(30, topic=topic)
    for claim in claims:
        make_denial(claims=[claim])

    html = get(client, topic.get_absolute_url())
    next_denials = re.search(r'<a href="(\?denials_after=[^"]+)">Next denials', html).group(1)
    page = get(client, topic.get_absolute_url() + next_denials.replace("&amp;", "&"))

    assert page.count('<article class="claim-item">') == 25  # claims still on their first page
    assert "← First denials" in page
    assert Claim.objects.count() == 30


def test_a_denial_page_pages_the_claims_it_answers(client):
    claims = spread_claims(30)
    denial = make_denial(claims=claims)

    html = get(client, denial.get_absolute_url())

    assert html.count('<article class="claim-item">') == 25
    assert re.search(r'<a href="\?after=[^"]+">Next claims it answers', html)
    get(client, denial.get_absolute_url() + "?after=2023-01-01", status=400)


def test_aggregation_switches_on_above_the_threshold_and_counts_undated_events():
    topic = make_topic()
    claims = spread_claims(AGGREGATE_ABOVE - 1, topic=topic, step=1)
    in_topic = Claim.objects.published().filter(topics=topic)
    denials = Denial.objects.published().filter(claims__topics=topic)
    links = {"window": Window(), "claims_url": lambda start, end: "", "zoom_url": lambda start, end: ""}
    make_denial(claims=[claims[0]], made=None)  # undated: counted, not drawn

    at_threshold = timeline_in_view(in_topic, denials, **links)
    make_claim(made="2021-01-05").topics.add(topic)
    above = timeline_in_view(in_topic, denials, **links)

    assert not at_threshold.is_periods and len(at_threshold.rows) == AGGREGATE_ABOVE
    assert above.is_periods and above.unit == "day"
    assert (above.claims, above.denials, above.undated) == (AGGREGATE_ABOVE, 1, 1)
    assert sum(p.claims for p in above.periods) == AGGREGATE_ABOVE
    assert [p.claims for p in above.periods if p.start == dt.date(2021, 1, 5)] == [2]
