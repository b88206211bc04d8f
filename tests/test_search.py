"""Search at scale (issue 11): one search document per claim and per denial, kept
current by every write that changes its words, ranked within a candidate cap on
PostgreSQL (the top results equal an exhaustive ranking), substring matching on SQLite,
trigram matching of actor names, and a constant number of queries on the search page."""

import importlib
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ActorAlias, Claim, ClaimSearchDocument, Denial, DenialSearchDocument, PublicationState
from claims.search_documents import rebuild_all_search_documents
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_denial_citation,
)
from web import search
from web.search import claim_search, denial_search, matching_actors, ranked_claims

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text ranking is PostgreSQL's")


def found_claims(words: str) -> set[str]:
    return set(Claim.objects.filter(claim_search(words)).values_list("slug", flat=True))


def found_denials(words: str) -> set[str]:
    return set(Denial.objects.filter(denial_search(words)).values_list("slug", flat=True))


def test_every_claim_and_denial_has_a_document_from_its_creation():
    claim = make_claim(proposition="Pyongyang shipped howitzers")
    denial = make_denial(statement="Moscow dismissed the report")

    assert ClaimSearchDocument.objects.filter(claim=claim).exists()
    assert DenialSearchDocument.objects.filter(denial=denial).exists()
    assert found_claims("howitzers") == {claim.slug}
    assert found_denials("dismissed") == {denial.slug}


def test_a_changed_proposition_is_found_by_its_new_words_only():
    claim = make_claim(proposition="Shells went by rail")

    claim.proposition = "Shells went by sea"
    claim.save()

    assert found_claims("sea") == {claim.slug}
    assert found_claims("rail") == set()


def test_quotes_are_searched_as_they_are_added_changed_and_deleted():
    claim = make_claim()
    citation = make_claim_citation(claim=claim, quote="containers left Najin port")
    assert found_claims("Najin") == {claim.slug}

    citation.quote = "containers left Rajin port"
    citation.save()
    assert found_claims("Najin") == set()
    assert found_claims("Rajin") == {claim.slug}

    citation.delete()
    assert found_claims("Rajin") == set()


def test_actors_in_the_chain_and_subjects_are_searched_by_name_and_alias():
    relay = make_actor(name="Yoo Sang-bum")
    subject = make_actor(name="North Korea")
    ActorAlias.objects.create(actor=subject, name="DPRK")
    claim = make_claim()

    make_attribution(claim=claim, actor=relay)
    claim.subjects.add(subject)
    assert found_claims("Yoo") == {claim.slug}
    assert found_claims("DPRK") == {claim.slug}

    claim.subjects.remove(subject)
    assert found_claims("DPRK") == set()

    subject.claims_about.add(claim)  # from the actor's side
    assert found_claims("DPRK") == {claim.slug}
    subject.claims_about.clear()
    assert found_claims("DPRK") == set()

    claim.attributions.get().delete()
    assert found_claims("Yoo") == set()


def test_renaming_an_actor_or_changing_its_aliases_updates_its_claims_and_denials():
    actor = make_actor(name="Main Intelligence Directorate")
    claim = make_claim()
    make_attribution(claim=claim, actor=actor)
    denial = make_denial(deniers=[actor])

    actor.name = "Rosgvardia"
    actor.save()
    assert found_claims("Rosgvardia") == {claim.slug}
    assert found_denials("Rosgvardia") == {denial.slug}
    assert found_claims("Directorate") == set()

    alias = ActorAlias.objects.create(actor=actor, name="GRU")
    assert found_claims("GRU") == {claim.slug}
    assert found_denials("GRU") == {denial.slug}
    alias.delete()
    assert found_claims("GRU") == set()


def test_a_denials_quotes_and_deniers_are_searched():
    denier = make_actor(name="Kremlin")
    denial = make_denial(deniers=[make_actor()])
    make_denial_citation(denial=denial, quote="absolute nonsense")
    assert found_denials("nonsense") == {denial.slug}

    denial.deniers.add(denier)
    assert found_denials("Kremlin") == {denial.slug}


def test_deleting_a_claim_with_its_citations_leaves_no_document():
    claim = make_claim()
    make_claim_citation(claim=claim)
    make_claim_citation(claim=claim)

    claim.delete()  # each citation's deletion rebuilds the document before the claim goes

    connection.check_constraints()  # the deferred foreign keys, as at commit
    assert not ClaimSearchDocument.objects.exists()


def test_rebuild_all_restores_documents_written_without_saves(capsys):
    claim = make_claim(proposition="Drones from Iran")
    make_denial(statement="Tehran denied it")
    ClaimSearchDocument.objects.all().delete()
    DenialSearchDocument.objects.all().delete()
    assert found_claims("drones") == set()

    assert rebuild_all_search_documents() == {"claims.ClaimSearchDocument": 1, "claims.DenialSearchDocument": 1}
    assert found_claims("drones") == {claim.slug}

    ClaimSearchDocument.objects.all().delete()
    call_command("rebuild_search_documents")
    assert "claims.ClaimSearchDocument: 1 rebuilt" in capsys.readouterr().out
    assert found_claims("drones") == {claim.slug}


def test_the_search_page_finds_drafts_nowhere_and_matches_substrings_or_stems(client):
    make_claim(slug="public-one", proposition="Artillery shells crossed the border")
    make_claim(slug="draft-one", proposition="Artillery shells in a draft", state=PublicationState.DRAFT)

    html = client.get("/search/", {"q": "shells"}).content.decode()

    assert "/claims/public-one/" in html
    assert "draft-one" not in html


# --- ranking ---------------------------------------------------------------------------------


def exhaustive_ranking(words: str) -> list[int]:
    """Every published claim's rank for the words, computed row by row without the index or a cap."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.claim_id FROM claims_claimsearchdocument d JOIN claims_claim c ON c.id = d.claim_id"
            " WHERE c.state = 'published' AND d.vector @@ websearch_to_tsquery('english', %s)"
            " ORDER BY ts_rank_cd(d.vector, websearch_to_tsquery('english', %s)) DESC, d.claim_id",
            [words, words],
        )
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
def test_the_top_ten_within_the_cap_equal_an_exhaustive_ranking(monkeypatch):
    actor = make_actor(name="Shell Company")
    for n in range(40):
        # Varied weights and densities: in the proposition (A) once or many times, in a
        # quote (B) only, in an actor's name (C) only, or not at all.
        claim = make_claim(proposition="shell " * (n % 4) + f"claim {n} about munitions", made=f"2023-{n % 12 + 1:02}")
        if n % 3 == 0:
            make_claim_citation(claim=claim, quote="shells " * (n % 5) + "in a quote")
        if n % 5 == 0:
            make_attribution(claim=claim, actor=actor)
    make_claim(proposition="shell shell shell shell shell in a draft", state=PublicationState.DRAFT)
    monkeypatch.setattr(search, "CANDIDATE_CAP", 12)  # fewer than the 30-odd matches

    exhaustive = exhaustive_ranking("shell")
    top = [claim.pk for claim in ranked_claims(Claim.objects.published(), "shell", 10)]

    assert len(exhaustive) > 12
    assert top == exhaustive[:10]


@postgresql_only
def test_the_proposition_weighs_more_than_a_quote_which_weighs_more_than_a_name():
    by_name = make_claim(slug="by-name")
    make_attribution(claim=by_name, actor=make_actor(name="Vostochny Cosmodrome"))
    by_quote = make_claim(slug="by-quote")
    make_claim_citation(claim=by_quote, quote="seen at Vostochny")
    in_proposition = make_claim(slug="in-proposition", proposition="Kim visited Vostochny")

    ranking = [claim.slug for claim in ranked_claims(Claim.objects.published(), "Vostochny", 10)]

    assert ranking == [in_proposition.slug, by_quote.slug, by_name.slug]


def test_the_sqlite_fallback_and_postgresql_agree_on_what_matches():
    make_claim(slug="match", proposition="A convoy of trucks")
    make_claim(slug="other", proposition="A train")

    assert [c.slug for c in ranked_claims(Claim.objects.published(), "convoy", 10)] == ["match"]


# --- actors ----------------------------------------------------------------------------------


def test_actors_match_by_part_of_a_name_or_an_alias_in_any_case():
    korea = make_actor(name="North Korea")
    ActorAlias.objects.create(actor=korea, name="DPRK")
    make_actor(name="Russia")

    assert [a.name for a in matching_actors("korea")] == ["North Korea"]
    assert [a.name for a in matching_actors("dprk")] == ["North Korea"]


@postgresql_only
def test_actors_match_by_trigram_similarity_closest_first():
    make_actor(name="Shoygu")
    make_actor(name="Kim Jong-un")
    make_actor(name="Kim Yo-jong")

    assert [a.name for a in matching_actors("Shoigu")] == ["Shoygu"]
    assert [a.name for a in matching_actors("Kim Jong Un")][0] == "Kim Jong-un"


# --- queries ---------------------------------------------------------------------------------


def build_matches(n: int) -> None:
    for _ in range(n):
        actor = make_actor(name="Convoy Watchers")
        ActorAlias.objects.create(actor=actor, name="Convoy Watch")
        claim = make_claim(proposition="A convoy crossed the river")
        make_attribution(claim=claim, actor=actor)
        make_claim_citation(claim=claim, quote="the convoy")
        make_denial(statement="No convoy ever crossed", claims=[claim], deniers=[actor])


def search_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/search/", {"q": "convoy"}).status_code == 200
    return len(queries)


def test_the_search_page_issues_a_constant_number_of_queries(client):
    build_matches(2)
    few = search_queries(client)
    build_matches(20)

    assert search_queries(client) == few


def test_the_migration_builds_documents_for_the_claims_already_stored():
    migration = importlib.import_module("claims.migrations.0015_search_documents_published")
    claim = make_claim(proposition="Stored before the search documents")
    denial = make_denial(statement="Denied before them")
    ClaimSearchDocument.objects.all().delete()
    DenialSearchDocument.objects.all().delete()

    migration.build_documents(None, SimpleNamespace(connection=connection))

    assert found_claims("stored") == {claim.slug}
    assert found_denials("denied") == {denial.slug}


def test_a_claim_leaves_the_results_when_unpublished_and_returns_when_published():
    claim = make_claim(proposition="Barges on the Tumen river")

    claim.state = PublicationState.IN_REVIEW
    claim.save()
    assert list(ranked_claims(Claim.objects.published(), "barges", 10)) == []

    claim.state = PublicationState.PUBLISHED
    claim.save()
    assert list(ranked_claims(Claim.objects.published(), "barges", 10)) == [claim]
