"""Figures as reporting words them: what a figure measures, its own certainty, orders of
magnitude, each source's wording of it, and sources that get it wrong."""

import pytest
from django.core.exceptions import ValidationError

from claims.importer import ImportFailed, import_data
from claims.models import MAGNITUDES, CitationFigure, Claim, ClaimCitation, Quantity
from tests.factories import make_citation_figure, make_claim, make_claim_citation, make_quantity, make_source

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("comparator", "low", "high", "reading"),
    [
        ("dozens", 24, 99, "dozens of artillery shells"),
        ("hundreds", 200, 999, "hundreds of artillery shells"),
        ("thousands", 2_000, 9_999, "thousands of artillery shells"),
        ("tens_of_thousands", 20_000, 99_999, "tens of thousands of artillery shells"),
        ("hundreds_of_thousands", 200_000, 999_999, "hundreds of thousands of artillery shells"),
        ("millions", 2_000_000, 9_999_999, "millions of artillery shells"),
    ],
)
def test_an_order_of_magnitude_is_stored_as_its_documented_range_and_read_in_words(comparator, low, high, reading):
    quantity = make_quantity(comparator=comparator, low=None, high=None)
    quantity.refresh_from_db()
    assert (quantity.low, quantity.high, quantity.describe()) == (low, high, reading)
    assert MAGNITUDES[comparator] == (low, high)


def test_an_order_of_magnitude_passes_full_clean_without_figures_typed():
    quantity = Quantity(claim=make_claim(), comparator="hundreds_of_thousands", item="shells")
    quantity.full_clean()
    assert (quantity.low, quantity.high) == (200_000, 999_999)


@pytest.mark.parametrize(
    ("kind", "reading"),
    [
        ("count", "more than 1,000,000 artillery shells"),
        ("capacity", "capacity: more than 1,000,000 artillery shells"),
        ("cumulative", "cumulative total: more than 1,000,000 artillery shells"),
        ("equivalent", "equivalent: more than 1,000,000 artillery shells"),
    ],
)
def test_a_figure_that_is_not_a_count_says_what_it_measures(kind, reading):
    assert make_quantity(kind=kind).describe() == reading


def test_a_figure_keeps_its_own_certainty_beside_the_claims():
    claim = make_claim(certainty="fact")
    counted = make_quantity(claim=claim, certainty="")
    could_be = make_quantity(claim=claim, kind="capacity", comparator="at_most", low=5_000_000, certainty="possible")
    assert [(q.kind, q.certainty or claim.certainty) for q in (counted, could_be)] == [
        ("count", "fact"),
        ("capacity", "possible"),
    ]


def test_a_misreport_must_say_what_the_source_got_wrong():
    citation = make_claim_citation()
    citation.stance = "misreports"
    with pytest.raises(ValidationError) as excinfo:
        citation.full_clean()
    assert excinfo.value.message_dict == {"note": ["Say in the note what the source got wrong."]}
    citation.note = "It says ten million."
    citation.full_clean()


def test_a_wording_of_another_claims_figure_is_refused():
    wording = CitationFigure(citation=make_claim_citation(), quantity=make_quantity(), as_worded="a million")
    with pytest.raises(ValidationError) as excinfo:
        wording.full_clean()
    assert excinfo.value.message_dict == {"quantity": ["Choose a figure of the claim this citation supports."]}


def test_each_source_keeps_its_own_wording_of_the_figure():
    first = make_citation_figure(as_worded="more than a million")
    second = make_citation_figure(
        citation=make_claim_citation(claim=first.citation.claim, source=make_source()),
        quantity=first.quantity,
        as_worded="over 1 million",
    )
    assert list(first.quantity.wordings.order_by("pk").values_list("as_worded", flat=True)) == [
        first.as_worded,
        second.as_worded,
    ]


def _claim_record(**citation):
    return {
        "outlets": [{"slug": "ap", "name": "AP", "kind": "wire_agency"}],
        "sources": [{"slug": "s", "outlet": "ap", "title": "A story"}],
        "claims": [
            {
                "slug": "c",
                "proposition": "p",
                "quantities": [
                    {"comparator": "hundreds_of_thousands", "item": "shells", "kind": "capacity"},
                    {"comparator": "about", "low": 2, "item": "months", "kind": "equivalent", "certainty": "possible"},
                ],
                "citations": [{"source": "s", "quote": "q", **citation}],
            }
        ],
    }


def test_the_importer_reads_kinds_magnitudes_and_each_sources_wording():
    import_data(_claim_record(figures=[{"figure": 2, "as_worded": "two months' worth"}], stance="reports"))
    claim = Claim.objects.get()
    first, second = claim.quantities.order_by("position")
    assert (first.describe(), second.certainty) == ("capacity: hundreds of thousands of shells", "possible")
    assert list(ClaimCitation.objects.get().figures.values_list("quantity__position", "as_worded")) == [
        (2, "two months' worth")
    ]
    # Importing again writes nothing new.
    import_data(_claim_record(figures=[{"figure": 2, "as_worded": "two months' worth"}], stance="reports"))
    assert CitationFigure.objects.count() == 1


def test_the_importer_names_a_figure_the_claim_does_not_have():
    with pytest.raises(ImportFailed) as failure:
        import_data(_claim_record(figures=[{"figure": 3, "as_worded": "x"}]))
    assert failure.value.errors == [
        "claims[0] (slug 'c') citations[0].figures[0].figure: the claim has no figure 3 in its quantities."
    ]
    assert not Claim.objects.exists()
