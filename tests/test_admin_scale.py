"""Changelists at a million rows (operations/admin_scale.py): no full count, count
columns for the shown rows only, filters typed rather than listing every record."""

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Denial, Topic
from operations import admin_scale
from operations.admin_scale import CappedCountPaginator
from sources.models import Source
from tests.factories import make_actor, make_attribution, make_claim, make_denial, make_source, make_topic

CLAIMS = reverse("admin:claims_claim_changelist")


@pytest.fixture
def cap_of_three(monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)


@pytest.mark.django_db
def test_a_long_changelist_counts_up_to_the_cap_and_says_there_are_more(analyst_client, cap_of_three):
    for _ in range(5):
        make_claim()

    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(CLAIMS)

    assert response.context["cl"].result_count == 3
    assert "3+ claims" in " ".join(response.content.decode().split())
    counts = [q["sql"] for q in queries if q["sql"].upper().startswith("SELECT COUNT(") and "claims_claim" in q["sql"]]
    assert counts, "the changelist counted nothing"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


@pytest.mark.django_db
def test_a_short_changelist_shows_its_exact_count(analyst_client, cap_of_three):
    make_claim()
    make_claim()

    response = analyst_client.get(CLAIMS)

    assert response.context["cl"].result_count == 2
    assert "2 claims" in " ".join(response.content.decode().split())
    assert "2+" not in response.content.decode()


@pytest.mark.django_db
def test_denial_counts_are_computed_for_the_shown_rows_only(analyst_client, monkeypatch):
    monkeypatch.setattr(site._registry[Claim], "list_per_page", 2)
    newest, middle, oldest = (make_claim(made=f"202{n}-01-01") for n in (3, 2, 1))
    make_denial(claims=[newest, middle])
    make_denial(claims=[newest])
    make_denial(claims=[oldest])

    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(CLAIMS)

    shown = {claim.pk: claim.denial_count for claim in response.context["cl"].result_list}
    assert shown == {newest.pk: 2, middle.pk: 1}
    counting = [q["sql"] for q in queries if '"denial_count"' in q["sql"]]
    assert len(counting) == 1
    shown_ids = counting[0].rsplit("IN (", 1)[1].split(")", 1)[0].split(", ")
    assert sorted(shown_ids) == sorted([str(newest.pk), str(middle.pk)])


@pytest.mark.django_db
def test_claim_counts_of_denials_and_topics_and_source_counts_of_outlets(analyst_client):
    topic = make_topic()
    claims = [make_claim(), make_claim()]
    for claim in claims:
        claim.topics.add(topic)
    denial = make_denial(claims=claims)

    denials = analyst_client.get(reverse("admin:claims_denial_changelist")).context["cl"].result_list
    topics = analyst_client.get(reverse("admin:claims_topic_changelist")).context["cl"].result_list

    assert {d.pk: d.claim_count for d in denials} == {denial.pk: 2}
    assert {t.pk: t.claim_count for t in topics} == {topic.pk: 2}


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["korea-2023", "Korea 2023", " korea 2023 "])
def test_the_topic_filter_takes_a_slug_or_a_name(analyst_client, typed):
    korea = make_topic(name="Korea 2023", slug="korea-2023")
    inside, outside = make_claim(), make_claim()
    inside.topics.add(korea)
    outside.topics.add(make_topic())

    response = analyst_client.get(CLAIMS, {"topic": typed})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [inside]


@pytest.mark.django_db
def test_an_unknown_topic_lists_nothing_and_keeps_what_was_typed(analyst_client):
    make_claim().topics.add(make_topic())

    response = analyst_client.get(CLAIMS, {"topic": "no-such-topic", "state": "draft"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    page = response.content.decode()
    assert 'value="no-such-topic"' in page
    assert '<input type="hidden" name="state" value="draft">' in page


@pytest.mark.django_db
def test_the_claim_changelist_does_not_list_every_topic(analyst_client):
    for _ in range(30):
        make_topic()
    make_claim()

    page = analyst_client.get(CLAIMS).content.decode()

    assert not any(topic.name in page for topic in Topic.objects.all())
    assert 'name="topic"' in page


@pytest.mark.django_db
def test_the_source_language_filter_is_typed(analyst_client):
    korean = make_source(language="ko")
    make_source(language="en")

    response = analyst_client.get(reverse("admin:sources_source_changelist"), {"language": "ko"})

    assert list(response.context["cl"].result_list) == [korean]


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Claim, Denial, Source])
def test_changelists_list_newest_first_in_their_index_order(analyst_client, model):
    admin = site._registry[model]
    index = next(i for i in model._meta.indexes if i.name.endswith("_newest"))

    assert [str(e) for e in admin.ordering] == [str(e) for e in index.expressions]


@pytest.mark.django_db
def test_a_count_column_stops_at_its_cap(analyst_client, monkeypatch):
    monkeypatch.setattr(admin_scale, "ROW_COUNT_CAP", 2)
    topic = make_topic()
    for _ in range(3):
        make_claim().topics.add(topic)

    response = analyst_client.get(reverse("admin:claims_topic_changelist"))

    assert '<td class="field-claim_count">2+</td>' in response.content.decode()


@pytest.mark.django_db
def test_the_year_filter_reads_the_first_day_of_the_date(analyst_client):
    in_2022, in_2023 = make_claim(made="2022-12-31"), make_claim(made="2023-01-01")
    make_claim(made="2023-06~")  # about June 2023: earliest 1 May 2023

    response = analyst_client.get(CLAIMS, {"year": "2022"})
    nonsense = analyst_client.get(CLAIMS, {"year": "twenty"})

    assert list(response.context["cl"].result_list) == [in_2022]
    assert list(nonsense.context["cl"].result_list) == []
    assert in_2023.pk in [c.pk for c in analyst_client.get(CLAIMS, {"year": "2023"}).context["cl"].result_list]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["artillery", "claim-7", "Yoo"])
def test_the_claim_search_reads_the_search_documents(analyst_client, typed):
    wanted = make_claim(slug="claim-7", proposition="North Korea shipped artillery shells.")
    make_attribution(claim=wanted, actor=make_actor(name="Yoo Sang-bum"))
    make_claim(proposition="Something else entirely.")

    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(CLAIMS, {"q": typed})

    assert list(response.context["cl"].result_list) == [wanted]
    assert not any("DISTINCT" in q["sql"].upper() for q in queries if "claims_claim" in q["sql"])
