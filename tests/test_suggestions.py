"""The quote-to-claim suggestions (claims/suggestions.py): actors found by name and alias
in two queries whatever the data, figures, dates read against the source's date, the
hedge word, and a JSON-ready form."""

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import ActorAlias
from claims.suggestions import (
    MAX_PASSAGE_WORDS,
    ActorSuggestion,
    DateSuggestion,
    Speaker,
    Suggestions,
    find_dates,
    find_denial_kind,
    suggest,
)
from tests.factories import make_actor

pytestmark = pytest.mark.django_db

SEEDS = Path(django_settings.BASE_DIR).parent / "shared" / "seeds"
SEED_DATE = dt.date(2023, 11, 2)  # the write-up's own date, a Thursday
AP_DATE = dt.date(2023, 11, 1)  # the AP story's, a Wednesday


@pytest.fixture
def actors():
    south_korea = make_actor(name="South Korea", slug="south-korea", kind="state")
    north_korea = make_actor(name="North Korea", slug="north-korea", kind="state")
    russia = make_actor(name="Russia", slug="russia", kind="state")
    nis = make_actor(name="National Intelligence Service", slug="nis", kind="agency", parent=south_korea)
    yoo = make_actor(name="Yoo Sang-bum", slug="yoo-sang-bum", kind="person")
    usa = make_actor(name="United States", slug="united-states", kind="state")
    ActorAlias.objects.create(actor=nis, name="NIS")
    ActorAlias.objects.create(actor=north_korea, name="DPRK")
    ActorAlias.objects.create(actor=north_korea, name="Pyongyang")
    ActorAlias.objects.create(actor=north_korea, name="Democratic People’s Republic of Korea")
    ActorAlias.objects.create(actor=usa, name="U.S.")
    ActorAlias.objects.create(actor=russia, name="Moscow")
    return {a.slug: a for a in (south_korea, north_korea, russia, nis, yoo, usa)}


def slugs(suggestions: Suggestions) -> list[str]:
    return [actor.slug for actor in suggestions.actors]


# --- actors ---------------------------------------------------------------------------


def test_actors_by_name_and_alias_in_order_of_appearance(actors):
    passage = "The NIS believes North Korea sent shells to Russia, lawmaker Yoo Sang-bum said."
    found = suggest(passage).actors
    assert [a.slug for a in found] == ["nis", "north-korea", "russia", "yoo-sang-bum"]
    nis = found[0]
    assert nis == ActorSuggestion(
        actor_id=actors["nis"].pk,
        slug="nis",
        name="National Intelligence Service",
        kind="agency",
        parent_name="South Korea",
        matched="NIS",
        start=4,
        end=7,
        spans=((4, 7),),
    )
    assert passage[nis.start : nis.end] == "NIS"
    assert found[1].parent_name == ""


def test_case_insensitive_whole_words_only(actors):
    assert slugs(suggest("reports from NORTH KOREA and from north korea")) == ["north-korea"]
    # Not inside another word: "Russian" is not Russia, "NISSAN" not the NIS.
    assert slugs(suggest("A Russian official at NISSAN said")) == []


def test_longest_match_wins_where_names_overlap(actors):
    korea = make_actor(name="Korea", slug="korea", kind="other")
    found = suggest("North Korea denied it.").actors
    assert [a.slug for a in found] == ["north-korea"]
    assert (found[0].matched, found[0].start, found[0].end) == ("North Korea", 0, 11)
    # The shorter name still counts where it stands on its own.
    assert slugs(suggest("North Korea and Korea")) == ["north-korea", korea.slug]


def test_possessives_abbreviations_and_curly_apostrophes(actors):
    found = suggest("South Korea’s spy agency and the U.S. said the Democratic People's Republic of Korea").actors
    assert [(a.slug, a.matched) for a in found] == [
        ("south-korea", "South Korea"),
        ("united-states", "U.S."),
        ("north-korea", "Democratic People's Republic of Korea"),
    ]


def test_each_actor_once_at_its_first_appearance(actors):
    found = suggest("Pyongyang denied it. North Korea's envoy said the DPRK had sent nothing.").actors
    assert [(a.slug, a.matched, a.start) for a in found] == [("north-korea", "Pyongyang", 0)]


def test_names_spanning_line_breaks_and_extra_spaces(actors):
    assert slugs(suggest("the National\nIntelligence   Service")) == ["nis"]


def test_two_queries_whatever_the_data(actors, django_assert_num_queries):
    passage = (SEEDS / "003_91ed6d654b37923c.txt").read_text(encoding="utf-8")
    with django_assert_num_queries(2):
        small = suggest(passage)
    for n in range(300):
        actor = make_actor(name=f"Ministry number {n}", slug=f"ministry-{n}")
        ActorAlias.objects.create(actor=actor, name=f"M{n}")
    with django_assert_num_queries(2):
        large = suggest(passage)
    assert slugs(large) == slugs(small)
    # A passage far longer than any selection still costs two queries, its words bounded.
    with CaptureQueriesContext(connection) as queries:
        suggest("Russia " * (MAX_PASSAGE_WORDS * 3))
    assert len(queries) == 2


def test_no_words_no_queries(actors, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert suggest("  — 12 ").actors == []


def test_lookup_is_on_the_upper_cased_name(actors):
    """The lookup an index on UPPER(name) serves: an IN on the upper-cased name."""
    with CaptureQueriesContext(connection) as queries:
        suggest("Russia")
    sql = [q["sql"] for q in queries]
    assert all("UPPER(" in s and (" IN (" in s or "= ANY(" in s) for s in sql)
    assert 'FROM "claims_actor"' in sql[0] and 'FROM "claims_actoralias"' in sql[1]


def test_seed_write_up_actors(actors):
    passage = (SEEDS / "000_d00686991cb88907.txt").read_text(encoding="utf-8")
    assert slugs(suggest(passage, source_date=SEED_DATE)) == [
        "russia",
        "north-korea",
        "south-korea",
        "nis",
        "yoo-sang-bum",
        "united-states",
    ]


# --- figures, dates and the hedge --------------------------------------------------------


def test_seed_passage_all_at_once(actors):
    passage = (
        "According to lawmaker Yoo Sang-bum, the South Korean National Intelligence Service believes the "
        "North shipped more than a million artillery shells to Russia through ships and other transport "
        "means since early August to help boost Russia’s warfighting capabilities in Ukraine."
    )
    found = suggest(passage, source_date=AP_DATE)
    assert slugs(found) == ["yoo-sang-bum", "nis", "russia"]
    [figure] = found.figures
    assert (figure.phrase, figure.as_worded, figure.comparator, figure.low, figure.item) == (
        "more than a million artillery shells",
        "more than a million",
        "more_than",
        Decimal(1_000_000),
        "artillery shells",
    )
    [date] = found.dates
    assert (date.as_worded, date.edtf) == ("since early August", "2023-08-01/..")
    assert (found.hedge.word, found.hedge.certainty) == ("believes", "probable")


def test_relative_dates_against_the_source_date():
    passage = "Officials said last Friday, two days ago and last week that shipments began in early October."
    dates = find_dates(passage, source_date=SEED_DATE)
    assert [(d.as_worded, d.edtf) for d in dates] == [
        ("last Friday", "2023-10-27"),
        ("two days ago", "2023-10-31"),
        ("last week", "2023-10-23/2023-10-29"),
        ("early October", "2023-10-01/2023-10-10"),
    ]
    for d in dates:
        assert passage[d.start : d.end] == d.as_worded
        assert "Thursday 2 November 2023" in d.how


def test_relative_dates_need_the_source_date():
    passage = "Officials said last Friday that shipments began on 15 April 2025."
    assert [d.edtf for d in find_dates(passage)] == ["2025-04-15"]


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        ("It happened on 15 April 2025.", [("15 April 2025", "2025-04-15")]),
        ("It happened on April 15, 2025.", [("April 15, 2025", "2025-04-15")]),
        ("on Wednesday, Sept. 13, 2023.", [("on Wednesday, Sept. 13, 2023", "2023-09-13")]),
        ("It happened in April 2025.", [("April 2025", "2025-04")]),
        ("It happened in 2023.", [("in 2023", "2023")]),
        ("shipments since 2022", [("since 2022", "2022/..")]),
        ("ready by 2025", [("by 2025", "[..2025]")]),
        ("from 2019 through 2024", [("through 2024", "../2024")]),
        ("since April 2025", [("since April 2025", "2025-04/..")]),
        ("by 15 April 2025", [("by 15 April 2025", "[..2025-04-15]")]),
        ("the 2022 shipments", []),
        ("in late 2022", [("late 2022", "2022-09/2022-12")]),
        ("a joint statement on Oct. 26 that", [("Oct. 26", "2023-10-26")]),
        ("the 26 October statement", [("26 October", "2023-10-26")]),
        # A day and month after the source's date are the year before's.
        ("on 25 December", [("25 December", "2022-12-25")]),
        ("since August", [("since August", "2023-08/..")]),
        ("briefed lawmakers Wednesday", [("Wednesday", "2023-11-01")]),
        ("said Thursday", [("Thursday", "2023-11-02")]),
        ("earlier this month", [("earlier this month", "2023-11-01/2023-11-01")]),
        # "may" and "march" are verbs in lower case.
        ("they may march on", []),
        ("31 February 2023", []),
    ],
)
def test_dates(passage, expected):
    dates = find_dates(passage, source_date=SEED_DATE)
    assert [(d.as_worded, d.edtf) for d in dates] == expected
    assert all(isinstance(d, DateSuggestion) for d in dates)


def test_a_date_s_numbers_are_not_figures():
    found = suggest("On Sept. 13, 2023, more than 1,000 containers were loaded two days ago.", source_date=SEED_DATE)
    assert [f.phrase for f in found.figures] == ["more than 1,000 containers"]
    assert [d.as_worded for d in found.dates] == ["Sept. 13, 2023", "two days ago"]


def test_empty_passage():
    assert suggest("") == Suggestions(actors=[], speakers=[], figures=[], dates=[], hedge=None, denial_kind="")


# --- JSON -----------------------------------------------------------------------------


def test_as_json_is_json(actors):
    found = suggest(
        "The NIS believes more than 1.5 million shells were sent between 10,000 and 12,000 times last week.",
        source_date=SEED_DATE,
    )
    data = found.as_json()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"actors", "speakers", "figures", "dates", "hedge", "denial_kind"}
    assert data["actors"][0] == {
        "actor_id": found.actors[0].actor_id,
        "slug": "nis",
        "name": "National Intelligence Service",
        "kind": "agency",
        "parent_name": "South Korea",
        "matched": "NIS",
        "start": 4,
        "end": 7,
        "spans": [[4, 7]],
    }
    assert data["speakers"] == [
        {"actor_id": found.actors[0].actor_id, "slug": "nis", "name": "National Intelligence Service",
         "words": "believes", "role": "originator"}
    ]  # fmt: skip
    shells = data["figures"][0]
    assert (shells["comparator"], shells["low"], shells["high"], shells["item"]) == (
        "more_than",
        "1500000",
        None,
        "shells",
    )
    assert data["figures"][1]["low"] == "10000" and data["figures"][1]["high"] == "12000"
    assert data["dates"][0]["edtf"] == "2023-10-23/2023-10-29"
    assert data["hedge"] == {"word": "believes", "start": 8, "end": 16, "certainty": "probable"}


def test_as_json_with_no_hedge():
    assert suggest("Nothing here.").as_json() == {
        "actors": [],
        "speakers": [],
        "figures": [],
        "dates": [],
        "hedge": None,
        "denial_kind": "",
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner and indexes")
def test_postgresql_serves_the_lookups_from_an_index(actors):
    """With sequential scans priced out (as 20,000 actors would price them), both
    lookups read an index on UPPER(name): never a scan of every actor."""
    from claims.suggestions import _candidates, _lookups

    names, aliases = _lookups(_candidates("The NIS believes North Korea sent shells to Russia"), "default")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = [names.explain(), aliases.explain()]
    assert any(index in plans[0] for index in ("actor_upper_name", "claims_actor_name_trgm")), plans[0]
    assert any(index in plans[1] for index in ("actoralias_upper_name", "claims_actoralias_name_trgm")), plans[1]
    assert "Seq Scan on claims_actor " not in plans[0] and "Seq Scan on claims_actoralias" not in plans[1]


def test_names_beyond_ascii(actors):
    turkey = make_actor(name="Türkiye", slug="turkiye", kind="state")
    ActorAlias.objects.create(actor=actors["north-korea"], name="북한", language="ko")
    found = suggest("Officials in Türkiye and türkiye's press; 북한 denied it.").actors
    assert [(a.slug, a.matched) for a in found] == [(turkey.slug, "Türkiye"), ("north-korea", "북한")]


@pytest.mark.parametrize("source_date", [dt.date(1, 1, 3), dt.date(9999, 12, 31)])
def test_dates_at_the_ends_of_the_calendar(source_date):
    passage = "last year, two years ago, last week, since last month, 31 December, early January, Monday"
    for date in find_dates(passage, source_date=source_date):
        assert passage[date.start : date.end] == date.as_worded


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "NIS",
                    "North Korea",
                    "the",
                    "believes",
                    "may",
                    "last Friday",
                    "since",
                    "August",
                    "2023",
                    "more than",
                    "1,000",
                    "a million",
                    "shells",
                    "Sept.",
                    "13,",
                    "-",
                    "to",
                    "’s",
                    "\n",
                    "U.S.",
                    "Oct.",
                    "26",
                ]
            ),
            st.text(max_size=10),
        ),
        max_size=15,
    ).map(" ".join),
    source_date=st.one_of(st.none(), st.dates()),
)
def test_any_passage_gives_json_and_true_offsets(actors, text, source_date):
    found = suggest(text, source_date=source_date)
    data = found.as_json()
    assert json.loads(json.dumps(data)) == data
    for each in (*found.actors, *found.figures, *found.dates, *([found.hedge] if found.hedge else [])):
        assert 0 <= each.start < each.end <= len(text)
    for actor in found.actors:
        assert text[actor.start : actor.end] == actor.matched
    for figure in found.figures:
        assert text[figure.start : figure.end] == figure.phrase
    for date in found.dates:
        assert text[date.start : date.end] == date.as_worded
    assert {s.actor_id for s in found.speakers} <= {a.actor_id for a in found.actors}


@pytest.mark.parametrize(
    "phrase",
    [
        "yesterday",
        "today",
        "last Friday",
        "on Friday",
        "this week",
        "last month",
        "earlier this year",
        "three months ago",
        "a week ago",
        "12 days ago",
        "mid-August",
        "late August 2022",
        "late 2022",
        "in August",
        "by October",
        "since last year",
        "since early August",
    ],
)
def test_every_wording_relative_reads_is_found(phrase):
    """The search pattern is relative()'s own table: what it reads is found in running
    text, whole, and read as relative() reads it."""
    from sources.reported_dates import relative

    passage = f"Officials said {phrase}, the report added."
    [date] = find_dates(passage, source_date=SEED_DATE)
    assert (date.as_worded, date.edtf) == (phrase, relative(phrase, reference=SEED_DATE).edtf)


def test_the_seed_story_against_the_demo_data(demo, django_assert_num_queries):
    """The AP story's key paragraph, with the demo's actors and aliases: the relay chain's
    actors, the figure, the period, the hedge, in two queries."""
    ap = (SEEDS / "003_91ed6d654b37923c.txt").read_text(encoding="utf-8")
    start = ap.index("According to lawmaker Yoo Sang-bum")
    passage = ap[start : ap.index("\n", start)]
    with django_assert_num_queries(2):
        found = suggest(passage, source_date=AP_DATE)
    assert slugs(found) == ["yoo-sang-bum", "national-intelligence-service", "north-korea", "russia", "ukraine"]
    nis = next(a for a in found.actors if a.slug == "national-intelligence-service")
    # The demo gives the NIS the alias "South Korean National Intelligence Service": the longest.
    assert (nis.matched, nis.parent_name) == ("South Korean National Intelligence Service", "South Korea")
    assert found.figures[0].as_worded == "more than a million"
    assert [(d.as_worded, d.edtf) for d in found.dates] == [("since early August", "2023-08-01/..")]
    # The relay chain: the NIS believes it, lawmaker Yoo passes it on.
    assert [(s.slug, s.words, s.role) for s in found.speakers] == [
        ("national-intelligence-service", "believes", "originator"),
        ("yoo-sang-bum", "according to", "relay"),
    ]
    assert (found.hedge.word, found.hedge.certainty) == ("believes", "probable")


# --- who says it ----------------------------------------------------------------------


def chain(passage: str) -> list[tuple[str, str, str]]:
    return [(s.slug, s.words, s.role) for s in suggest(passage).speakers]


@pytest.mark.parametrize(
    ("passage", "expected"),
    [
        # The believer is the origin, whoever is named first.
        (
            "North Korea has sent troops to Russia, the NIS believes, lawmaker Yoo Sang-bum told reporters.",
            [("nis", "believes", "originator"), ("yoo-sang-bum", "told", "relay")],
        ),
        (
            "Yoo Sang-bum said the NIS believes North Korea has shipped shells to Russia.",
            [("nis", "believes", "originator"), ("yoo-sang-bum", "said", "relay")],
        ),
        # With no one believing it, the source cited is the origin.
        (
            "Shells were sent, Yoo Sang-bum said, citing the NIS.",
            [("nis", "citing", "originator"), ("yoo-sang-bum", "said", "relay")],
        ),
        # Else the first speaker; an inverted "said X" counts.
        (
            "The shipments continue, said the United States, as Russia has also said.",
            [("united-states", "said", "originator"), ("russia", "said", "relay")],
        ),
        ("The NIS has also estimated the number.", [("nis", "estimated", "originator")]),
        # Actors that are only talked about are no link of the chain.
        ("North Korea sent shells to Russia by sea.", []),
        ("South Korea’s NIS estimates it.", [("nis", "estimates", "originator")]),
        ("Russia, the NIS said, took them.", [("nis", "said", "originator")]),
        # The seed's wording: an abbreviation and an adverb between the name and the verb.
        (
            "South Korea’s main spy agency, the National Intelligence Service (NIS), privately briefed South "
            "Korean lawmakers Wednesday, telling them more than a million shells have been sent.",
            [("nis", "briefed", "originator")],
        ),
    ],
)
def test_speakers_make_the_relay_chain(actors, passage, expected):
    assert chain(passage) == expected
    assert all(isinstance(s, Speaker) for s in suggest(passage).speakers)


def test_a_speaker_named_twice_speaks_where_it_says_it(actors):
    """The alias "NIS" later in the passage is the NIS speaking, not only its first mention."""
    passage = "The National Intelligence Service met lawmakers. Later the NIS said 10,000 troops had left."
    assert chain(passage) == [("nis", "said", "originator")]


@pytest.mark.parametrize(
    ("passage", "kind"),
    [
        ("The Foreign Ministry called the reports “groundless”.", "dismissal"),
        ("Moscow dismissed the claims as baseless rumours.", "dismissal"),
        ("Pyongyang denied sending any troops.", "categorical"),
        ("The Kremlin declined to comment.", "non_denial"),
        ("The ministry did not deny the shipments.", "non_denial"),
        ("Officials said the figure was exaggerated.", "partial"),
        ("The ministry said it was lawful.", ""),
    ],
)
def test_denial_kind_from_its_wording(passage, kind):
    assert find_denial_kind(passage) == kind


def test_a_month_of_last_year():
    """ "since August last year", in a story of November 2024, is August 2023."""
    passage = "shells shipped since August last year and oil this year"
    dates = find_dates(passage, source_date=dt.date(2024, 11, 14))
    assert [(d.as_worded, d.edtf) for d in dates] == [("since August last year", "2023-08/.."), ("this year", "2024")]


def test_nul_in_a_passage_is_left_out(actors):
    """PostgreSQL refuses NUL in a query: suggest() reads it as a space, offsets unchanged."""
    found = suggest("The\x00NIS\x00 believes it.")
    assert [(a.slug, a.start) for a in found.actors] == [("nis", 4)]


@pytest.mark.parametrize(
    "passage", ["The NIS ſaid it.", "Auguſt 5, 2023", "since Auguſt", "it is \u212aNOWN and ſeems likely"]
)
def test_letters_that_fold_to_ascii_are_read_not_a_crash(actors, passage):
    """With IGNORECASE, "ſ" (long s) matches "s" and the Kelvin sign "k"; the lexicon is
    looked up by casefold(), which folds them too (lower() leaves "ſ" as it is)."""
    found = suggest(passage, source_date=dt.date(2024, 11, 14))
    assert found is not None
