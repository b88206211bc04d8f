"""The claims list's order, page markers and date filters, over dates that are ranges of
days: a month, "about June 2022", "19–25 October", and open ends ("since 2022")."""

import re

import pytest

from claims.models import Claim
from tests.factories import make_claim
from web.pagination import BadCursor, keyset_page

pytestmark = pytest.mark.django_db

# Dates whose first days tie, whose last days tie, and both, beside open and undated ones.
DATES = [
    "2023-08-01",
    "2023-08",  # from the same day as 1 August, to a later one
    "2023-08",
    "2023-08-01/2023-08-10",
    "2023-07~",  # June to August: ends with August
    "2023",
    "2023/..",  # open end: no last day
    "2023-08/..",
    "[..2023-08-15]",  # open start: no first day
    "../2023",
    "2022-06~",
    "2023-10-19/2023-10-25",
    "2023-10-26T14:30:00Z",
    None,
    None,
]


def world():
    return [make_claim(made=text) for text in DATES for _ in range(2)]


def expected(claims, *, descending):
    """The order the list promises: first day, then last day, then pk; NULLs last either way."""

    def key(claim):
        parts = []
        for day in (claim.made_earliest, claim.made_latest):
            ordinal = day.toordinal() if day else 0
            parts += [day is None, -ordinal if descending else ordinal]
        return (*parts, -claim.pk if descending else claim.pk)

    return [c.pk for c in sorted(claims, key=key)]


@pytest.mark.parametrize("sort", ["-made", "made"])
@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_pages_walk_every_claim_once_in_order_with_nulls_last(sort, size):
    claims = world()
    seen, after = [], ""
    while True:
        page = keyset_page(Claim.objects.all(), sort=sort, after=after, size=size)
        seen += [c.pk for c in page.items]
        if not page.next_cursor:
            break
        after = page.next_cursor

    assert seen == expected(claims, descending=sort.startswith("-"))


def test_a_page_marker_carries_first_day_last_day_and_pk():
    open_ended, about, undated = make_claim(made="2023/.."), make_claim(made="2023-07~"), make_claim(made=None)
    make_claim(made=None)

    markers, after = [], ""
    for _ in range(4):
        after = keyset_page(Claim.objects.all(), sort="made", after=after, size=1).next_cursor
        markers.append(after)

    assert markers == [
        f"2023-01-01~none~{open_ended.pk}",  # since 2023: from 1 January, no last day
        f"2023-06-01~2023-08-31~{about.pk}",  # about July 2023: June to August
        f"none~none~{undated.pk}",
        None,
    ]


@pytest.mark.parametrize(
    "marker",
    ["2023-08-01~5", "2023-08-01~2023-08-31~x", "2023-08-01~2023-08-31~2023-09-01~5", "2023-13-01~none~5", "~~"],
)
def test_markers_of_the_wrong_shape_are_refused(marker):
    with pytest.raises(BadCursor):
        keyset_page(Claim.objects.all(), sort="-made", after=marker)


def test_the_list_walks_its_pages_too(client):
    claims = world()
    seen, url = [], "/claims/?sort=made"
    while url:
        html = client.get(url if url.startswith("/") else "/claims/" + url).content.decode()
        seen += re.findall(r'<h3><a href="/claims/([^/]+)/">', html)
        match = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else ""

    slugs = dict(Claim.objects.values_list("pk", "slug"))
    assert seen == [slugs[pk] for pk in expected(claims, descending=False)]


# --- Date filters: a claim matches when its range of days reaches the day given -------------


def listed(client, **query):
    html = client.get("/claims/", query).content.decode()
    return set(re.findall(r'<h3><a href="/claims/([^/]+)/">', html))


@pytest.fixture
def dated():
    texts = {
        "about-june": "2022-06~",  # May to July 2022
        "week": "2023-10-19/2023-10-25",
        "since-2023": "2023/..",
        "until-2021": "../2021",
        "day": "2023-08-15",
        "undated": None,
    }
    return {name: make_claim(slug=name, made=text) for name, text in texts.items()}


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        # "about June 2022" reaches into July, and back into May
        ({"made_after": "2022-07-31"}, {"about-june", "week", "since-2023", "day"}),
        ({"made_after": "2022-08-01"}, {"week", "since-2023", "day"}),
        ({"made_before": "2022-05-01"}, {"about-june", "until-2021"}),
        ({"made_before": "2022-04-30"}, {"until-2021"}),
        # a range of days matches from either end of it
        ({"made_after": "2023-10-25"}, {"week", "since-2023"}),
        ({"made_after": "2023-10-26"}, {"since-2023"}),
        ({"made_before": "2023-10-19"}, {"about-june", "week", "since-2023", "until-2021", "day"}),
        ({"made_before": "2023-10-18"}, {"about-june", "since-2023", "until-2021", "day"}),
        # an open end reaches every day on its open side
        ({"made_after": "2099-01-01"}, {"since-2023"}),
        ({"made_before": "1900-01-01"}, {"until-2021"}),
        ({"made_before": "2022-12-31"}, {"about-june", "until-2021"}),
        # both: the claims whose days overlap the span
        ({"made_after": "2023-10-20", "made_before": "2023-10-21"}, {"week", "since-2023"}),
        ({"made_after": "2021-06-01", "made_before": "2022-05-31"}, {"about-june", "until-2021"}),
        ({}, {"about-june", "week", "since-2023", "until-2021", "day", "undated"}),
    ],
)
def test_date_filters_match_by_overlap_and_never_match_undated_claims(client, dated, query, matches):
    assert listed(client, **query) == matches
