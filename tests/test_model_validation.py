"""The database invariants mirrored in full_clean(): the admin and the importer get a
readable ValidationError on the field at fault instead of an IntegrityError."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from claims.models import Actor, ActorAlias, Attribution, Claim, ClaimLink, Denial, Materiel, Quantity, Topic
from sources.date_fields import ReportedDate
from sources.models import Derivation, Outlet, Source
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_link,
    make_denial,
    make_derivation,
    make_materiel,
    make_outlet,
    make_source,
    make_topic,
)

pytestmark = pytest.mark.django_db


def errors_of(obj, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean(**kwargs)
    return excinfo.value.message_dict


def claim(**fields) -> Claim:
    """An unsaved, otherwise valid claim."""
    return Claim(**{"slug": "new-claim", "proposition": "Something was asserted.", **fields})


def quantity(**fields) -> Quantity:
    """An unsaved quantity on a saved claim."""
    return Quantity(**{"claim": make_claim(), "item": "artillery shells", **fields})


# --- quantities ---------------------------------------------------------------------


def test_between_quantity_with_low_above_high_is_an_error_on_high():
    errors = errors_of(quantity(comparator="between", low=2_000_000, high=1_000_000))
    assert errors == {"high": ["The high figure is below the low one."]}


def test_between_quantity_without_its_figures_is_an_error_on_each_missing_one():
    errors = errors_of(quantity(comparator="between", low=None, high=10))
    assert errors == {"low": ["'Between' needs a low and a high figure."]}
    errors = errors_of(quantity(comparator="between", low=None, high=None))
    assert set(errors) == {"low", "high"}


def test_unspecified_quantity_with_numbers_is_an_error_on_those_numbers():
    errors = errors_of(quantity(comparator="unspecified", low=5, high=10))
    assert errors == {
        "low": ["An unspecified quantity has no numbers."],
        "high": ["An unspecified quantity has no numbers."],
    }


def test_single_bound_quantity_needs_low_and_refuses_high():
    assert errors_of(quantity(comparator="more_than", low=None)) == {
        "low": ["This comparator needs a figure in 'low'."]
    }
    assert errors_of(quantity(comparator="at_most", low=5, high=10)) == {
        "high": ["Only 'between' takes a high figure."]
    }


def test_negative_quantity_is_an_error_on_low():
    assert errors_of(quantity(comparator="about", low=-3)) == {"low": ["A quantity cannot be negative."]}


@pytest.mark.parametrize(
    ("comparator", "low", "high"),
    [("between", 10, 10), ("unspecified", None, None), ("more_than", 1_000_000, None), ("exact", 0, None)],
)
def test_consistent_quantity_passes_full_clean(comparator, low, high):
    q = quantity(comparator=comparator, low=low, high=high)
    q.full_clean()
    q.save()
    assert q.describe().endswith("artillery shells")


def test_unknown_comparator_is_an_error_on_comparator():
    errors = errors_of(quantity(comparator="roughly", low=5))
    assert list(errors) == ["comparator"]
    assert "not a valid choice" in errors["comparator"][0]


# --- reported dates -----------------------------------------------------------------


def test_a_month_is_stored_as_its_edtf_text_with_its_first_and_last_day_and_shown_in_words():
    c = claim(made_edtf="2023-08")
    c.full_clean()
    assert (c.made_earliest, c.made_latest) == (dt.date(2023, 8, 1), dt.date(2023, 8, 31))
    c.save()
    c.refresh_from_db()
    assert (c.made_edtf, str(c.made)) == ("2023-08", "August 2023")


def test_full_clean_fills_the_bounds_the_constraints_read():
    c = claim(period_start_edtf="2022-06~")
    c.full_clean()
    assert (c.period_start_earliest, c.period_start_latest) == (dt.date(2022, 5, 1), dt.date(2022, 7, 31))


@pytest.mark.parametrize("text", ["2023-13", "mid-2022", "2023-02-30", "2023-10-25/2023-10-19"])
def test_text_that_is_not_an_edtf_date_is_an_error_on_its_field(text):
    errors = errors_of(claim(made_edtf=text))
    assert list(errors) == ["made_edtf"]
    assert f"'{text}' is not an EDTF date" in errors["made_edtf"][0]


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        (lambda: Source(outlet=make_outlet(), title="T", slug="t", published_edtf="last Friday"), "published_edtf"),
        (lambda: Attribution(claim=make_claim(), actor=make_actor(), role="relay", date_edtf="2023-8"), "date_edtf"),
        (lambda: quantity(comparator="more_than", low=1, as_of_edtf="since 2022"), "as_of_edtf"),
        (lambda: Denial(slug="d", statement="No.", kind="dismissal", made_edtf="01/08/2024"), "made_edtf"),
    ],
    ids=["source", "attribution", "quantity", "denial"],
)
def test_every_dated_model_refuses_a_date_that_is_not_edtf(obj, field):
    assert "is not an EDTF date" in errors_of(obj())[field][0]


def test_saving_text_that_is_not_edtf_is_refused_before_the_database():
    c = claim(made_edtf="mid-2022")
    with pytest.raises(ValidationError) as excinfo:
        c.save()
    assert list(excinfo.value.message_dict) == ["made_edtf"]
    assert not Claim.objects.filter(slug="new-claim").exists()


def test_saving_only_the_text_saves_its_bounds_too():
    c = make_claim(made="2023-11-01")
    c.made_edtf = "2023"
    c.save(update_fields=["made_edtf"])
    c.refresh_from_db()
    assert (c.made_earliest, c.made_latest) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))


def test_the_accessor_keeps_the_words_and_the_inferred_flag_of_a_reported_date():
    c = claim(made=ReportedDate.parse("2023-10-27", as_worded="last Friday", inferred=True))
    c.made = "2023-10-20"  # corrected: the words and the flag stay
    assert (c.made_as_worded, c.made_inferred, c.made_earliest) == ("last Friday", True, dt.date(2023, 10, 20))
    c.made = None
    assert (c.made_edtf, c.made_as_worded, c.made_inferred, c.made_earliest) == ("", "", False, None)


def test_inferred_without_a_date_is_an_error_on_the_inferred_box():
    assert errors_of(claim(made_inferred=True)) == {
        "made_inferred": ["Give the date (EDTF) you inferred, or untick 'inferred'."]
    }


def test_period_ending_before_it_starts_is_an_error_on_period_end():
    c = claim(period_start="2023-09-01", period_end="2023-08-31")
    assert errors_of(c) == {"period_end_edtf": ["The covered period must start before it ends."]}


def test_a_period_of_one_month_or_of_overlapping_approximate_ends_is_in_order():
    claim(period_start="2023-08", period_end="2023-08").full_clean()
    claim(period_start="2023-09~", period_end="2023-08").full_clean()  # about September may begin in August


# --- claims: grades and choices ------------------------------------------------------


@pytest.mark.parametrize("credibility", [0, 7])
def test_credibility_outside_1_to_6_is_an_error_on_credibility(credibility):
    assert errors_of(claim(credibility=credibility)) == {"credibility": [f"Value {credibility} is not a valid choice."]}


@pytest.mark.parametrize("credibility", [1, 6, None])
def test_credibility_1_to_6_or_none_passes_full_clean(credibility):
    claim(credibility=credibility).full_clean()


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "debunked"), ("certainty", "certain"), ("likelihood", "maybe"), ("confidence", "medium")],
)
def test_claim_value_outside_choices_is_an_error_on_that_field(field, value):
    errors = errors_of(claim(**{field: value}))
    assert list(errors) == [field]
    assert "not a valid choice" in errors[field][0]


# --- unique slugs and keys ----------------------------------------------------------

SLUGGED = [
    (make_outlet, lambda: Outlet(name="X", slug="taken", kind="newspaper")),
    (make_source, lambda: Source(outlet=make_outlet(), title="X", slug="taken")),
    (make_actor, lambda: Actor(name="X", slug="taken", kind="agency")),
    (make_topic, lambda: Topic(name="X", slug="taken")),
    (make_materiel, lambda: Materiel(name="X", slug="taken", category="other")),
    (make_claim, lambda: claim(slug="taken")),
]


@pytest.mark.parametrize(("make", "new"), SLUGGED, ids=["outlet", "source", "actor", "topic", "materiel", "claim"])
def test_duplicate_slug_is_an_error_on_slug(make, new):
    make(slug="taken")
    errors = errors_of(new())
    assert list(errors) == ["slug"]
    assert "already exists" in errors["slug"][0]


def test_duplicate_denial_slug_is_an_error_on_slug():
    make_denial(slug="taken")
    other = Denial(slug="taken", statement="No.", kind="dismissal")
    errors = errors_of(other)
    assert list(errors) == ["slug"]


def test_saved_record_does_not_clash_with_its_own_slug():
    source = make_source(slug="mine")
    source.full_clean()


def test_source_url_differing_only_by_tracking_fragment_and_host_case_is_a_duplicate():
    make_source(url="https://apnews.com/article/north-korea-russia?id=7")
    other = Source(
        outlet=make_outlet(),
        title="Same story",
        slug="same-story",
        url="https://APNEWS.com/article/north-korea-russia?utm_source=twitter&id=7&utm_medium=social#comments",
    )
    errors = errors_of(other)
    assert other.url == "https://apnews.com/article/north-korea-russia?id=7"
    assert "Another source already has this URL." in sum(errors.values(), [])


def test_duplicate_source_url_error_is_on_the_url_field():
    make_source(url="https://apnews.com/article/x")
    other = Source(outlet=make_outlet(), title="Same", slug="same", url="https://apnews.com/article/x#top")
    assert errors_of(other) == {"url": ["Another source already has this URL."]}


def test_duplicate_source_url_error_is_not_raised_for_sources_without_url():
    make_source(url="")
    Source(outlet=make_outlet(), title="No address", slug="no-address", url="").full_clean()


def test_outlet_domain_is_lower_cased_and_checked_for_duplicates():
    make_outlet(domain="apnews.com")
    other = Outlet(name="AP copy", slug="ap-copy", kind="wire_agency", domain="  APNews.com ")
    errors = errors_of(other)
    assert other.domain == "apnews.com"
    assert errors == {"domain": ["Another outlet already has this domain."]}


def test_outlet_domain_with_a_path_is_rejected_with_the_constraint_message():
    outlet = Outlet(name="AP", slug="ap", kind="wire_agency", domain="apnews.com/world")
    errors = errors_of(outlet)
    assert errors == {NON_FIELD_ERRORS: ["Give the domain in lower case, without scheme or path: apnews.com."]}


def test_outlet_country_in_lower_case_is_an_error_on_country():
    errors = errors_of(Outlet(name="AP", slug="ap", kind="wire_agency", country="us"))
    assert errors == {"country": ["Use an ISO 3166-1 alpha-2 code in capitals, such as KR or RU."]}


def test_duplicate_alias_is_reported_with_its_message():
    actor = make_actor()
    ActorAlias.objects.create(actor=actor, name="DPRK")
    errors = errors_of(ActorAlias(actor=actor, name="DPRK"))
    assert sum(errors.values(), []) == ["This actor already has that alias."]


def test_same_actor_twice_at_one_position_of_a_chain_is_reported_with_its_message():
    first = make_attribution(position=1)
    errors = errors_of(Attribution(claim=first.claim, actor=first.actor, role="relay", position=1))
    assert sum(errors.values(), []) == ["This actor is already at this position of the chain."]


def test_co_originators_may_share_a_position():
    first = make_attribution(position=1)
    Attribution(claim=first.claim, actor=make_actor(), role="originator", position=1).full_clean()


def test_relay_chain_position_0_is_a_readable_error_on_position():
    errors = errors_of(Attribution(claim=make_claim(), actor=make_actor(), role="relay", position=0))
    assert list(errors) == ["position"]


# --- links between records ----------------------------------------------------------


def test_claim_linked_to_itself_is_an_error_on_to_claim():
    c = make_claim()
    errors = errors_of(ClaimLink(from_claim=c, to_claim=c, kind="same_as"))
    assert errors["to_claim"] == ["A claim cannot be linked to itself."]


def test_duplicate_claim_link_is_reported_with_its_message():
    link = make_claim_link(kind="corroborates")
    errors = errors_of(ClaimLink(from_claim=link.from_claim, to_claim=link.to_claim, kind="corroborates"))
    assert sum(errors.values(), []) == ["This link already exists."]


def test_source_derived_from_itself_is_an_error_on_derived_from():
    source = make_source()
    errors = errors_of(Derivation(source=source, derived_from=source, kind="republishes"))
    assert errors["derived_from"] == ["A source cannot derive from itself."]


def test_duplicate_derivation_is_reported_with_its_message():
    derivation = make_derivation()
    errors = errors_of(Derivation(source=derivation.source, derived_from=derivation.derived_from, kind="cites"))
    assert sum(errors.values(), []) == ["This derivation is already recorded."]


def test_actor_that_is_its_own_parent_is_an_error_on_parent():
    actor = make_actor()
    actor.parent = actor
    assert errors_of(actor)["parent"] == ["An actor cannot be its own parent."]


def test_materiel_that_is_its_own_parent_is_an_error_on_parent():
    shell = make_materiel()
    shell.parent = shell
    assert errors_of(shell)["parent"] == ["A materiel type cannot be its own parent."]


def test_actor_with_malformed_wikidata_id_is_an_error_on_wikidata_id():
    actor = make_actor()
    actor.wikidata_id = "q423"
    assert errors_of(actor) == {"wikidata_id": ["A Wikidata ID looks like Q423."]}


# --- source URLs --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "ftp://example.org/file", "data:text/html,hi"],
)
@pytest.mark.parametrize("field", ["url", "archive_url"])
def test_non_http_url_on_a_source_is_an_error_on_that_field(field, url):
    source = Source(outlet=make_outlet(), title="T", slug="t", **{field: url})
    errors = errors_of(source)
    assert list(errors) == [field]


@pytest.mark.parametrize("url", ["https://example.org/a", "http://example.org/b?x=1", ""])
def test_http_https_or_blank_source_url_passes_full_clean(url):
    Source(outlet=make_outlet(), title="T", slug="t", url=url, archive_url=url).full_clean()


def test_archive_url_with_upper_case_scheme_is_accepted_and_stored_in_lower_case():
    source = Source(
        outlet=make_outlet(), title="T", slug="t", archive_url="HTTPS://web.archive.org/web/2023/https://apnews.com/"
    )
    source.full_clean()
    source.save()
    source.refresh_from_db()
    assert source.archive_url.startswith("https://web.archive.org/")


def test_decimal_figures_survive_full_clean_unchanged():
    q = quantity(comparator="about", low=Decimal("1.5"), unit="months of supply")
    q.full_clean()
    assert q.low == Decimal("1.5")
