"""The shared reads on the models' QuerySets: claims involving an actor by role,
citations of published records, and sources with their outlets and derivations."""

import pytest

from claims.models import Claim, ClaimCitation, DenialCitation, PublicationState
from sources.models import Source
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_denial_citation,
    make_derivation,
    make_source,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """One actor that made one claim, relayed another, endorsed a third and is the
    subject of a fourth; a fifth claim does not involve it."""
    actor = make_actor()
    made, relayed, endorsed, about, unrelated = (make_claim() for _ in range(5))
    make_attribution(claim=made, actor=actor, role="originator")
    make_attribution(claim=relayed, actor=make_actor(), role="originator")
    make_attribution(claim=relayed, actor=actor, role="relay", position=2)
    make_attribution(claim=endorsed, actor=make_actor(), role="originator")
    make_attribution(claim=endorsed, actor=actor, role="endorser", position=2)
    about.subjects.add(actor)
    make_attribution(claim=about, actor=make_actor(), role="originator")
    make_attribution(claim=unrelated, actor=make_actor(), role="originator")
    return actor, {"made": made, "relayed": relayed, "endorsed": endorsed, "about": about}


def slugs(queryset):
    return set(queryset.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, {"made", "relayed", "endorsed", "about"}),
        ("claimant", {"made", "relayed", "endorsed"}),
        ("made", {"made"}),
        ("relayed", {"relayed"}),
        ("endorsed", {"endorsed"}),
        ("about", {"about"}),
    ],
)
def test_involving_each_role(world, role, expected):
    actor, claims = world
    assert slugs(Claim.objects.involving(actor, role)) == {claims[name].slug for name in expected}


def test_involving_lists_each_claim_once(world):
    actor, claims = world
    claims["made"].subjects.add(actor)  # made by it and about it
    make_attribution(claim=claims["made"], actor=actor, role="endorser", position=2)
    assert Claim.objects.involving(actor).filter(pk=claims["made"].pk).count() == 1


def test_involving_chains_with_published(world):
    actor, claims = world
    Claim.objects.filter(pk=claims["made"].pk).update(state=PublicationState.DRAFT)
    assert claims["made"].slug not in slugs(Claim.objects.published().involving(actor))


def test_involving_rejects_an_unknown_role(world):
    actor, _ = world
    with pytest.raises(ValueError, match="Unknown role 'denied'"):
        Claim.objects.involving(actor, "denied")


def test_published_claim_citations_exclude_drafts_and_reviews():
    source = make_source()
    shown = make_claim_citation(source=source)
    make_claim_citation(source=source, claim=make_claim(state=PublicationState.DRAFT))
    make_claim_citation(source=source, claim=make_claim(state=PublicationState.IN_REVIEW))
    assert list(ClaimCitation.objects.published()) == [shown]


def test_published_denial_citations_exclude_drafts_and_reviews():
    source = make_source()
    shown = make_denial_citation(source=source)
    make_denial_citation(source=source, denial=make_denial(state=PublicationState.DRAFT))
    make_denial_citation(source=source, denial=make_denial(state=PublicationState.IN_REVIEW))
    assert list(DenialCitation.objects.published()) == [shown]


def test_sources_for_bibliography_read_outlets_and_originals_without_text(django_assert_num_queries):
    for _ in range(3):
        copy, original = make_source(text="Copy."), make_source(text="Original.")
        make_derivation(source=copy, derived_from=original, kind="republishes")
    with django_assert_num_queries(2):  # the sources with outlets, then derivations with originals
        sources = list(Source.objects.for_bibliography())
        for source in sources:
            assert source.outlet.name
            for derivation in source.derivations.all():
                assert derivation.derived_from.outlet.name
    assert all("text" in source.get_deferred_fields() for source in sources)
    originals = [d.derived_from for s in sources for d in s.derivations.all()]
    assert len(originals) == 3
    assert all("text" in original.get_deferred_fields() for original in originals)


def test_source_for_detail_reads_both_directions(django_assert_num_queries):
    middle = make_source(text="Middle.")
    original, copy = make_source(), make_source()
    make_derivation(source=middle, derived_from=original, kind="summarises")
    make_derivation(source=copy, derived_from=middle, kind="republishes")
    with django_assert_num_queries(3):
        source = Source.objects.for_detail().get(pk=middle.pk)
        assert source.text == "Middle."
        assert [d.derived_from.outlet.name for d in source.derivations.all()] == [original.outlet.name]
        assert [d.source.outlet.name for d in source.derived_copies.all()] == [copy.outlet.name]
