"""Every named constraint of the sources and claims models holds AT THE DATABASE:
rows written past clean() (create, update, bulk_create) that break an invariant are
refused with an IntegrityError naming the constraint, and the valid neighbouring rows
are accepted, so no constraint simply rejects everything.

Each test declares the constraints it exercises with @covers(...); the meta-test at
the end fails when a model gains a constraint that no test here covers.
"""

import datetime as dt
import hashlib
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import CheckConstraint, UniqueConstraint

from claims.models import ActorAlias, Attribution, Claim, ClaimLink, Quantity
from sources.models import Derivation, IntakeRequest, Outlet, Source, SourceSignatureBand
from tests.factories import (
    make_actor,
    make_attribution,
    make_citation_figure,
    make_claim,
    make_claim_citation,
    make_claim_link,
    make_denial,
    make_denial_citation,
    make_denial_other_kind,
    make_derivation,
    make_materiel,
    make_outlet,
    make_quantity,
    make_source,
    make_topic,
    make_unpublished_document,
)

APPS = ("sources", "claims")

COVERED: set[str] = set()


def covers(*names):
    """Record, at import time, which constraints a test exercises."""
    COVERED.update(names)
    return lambda test: test


def _all_constraints() -> dict:
    return {
        constraint.name: (model, constraint)
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    }


CONSTRAINTS = _all_constraints()


@contextmanager
def violates(name):
    """The block must fail at the database with an error that names the constraint.

    PostgreSQL names every constraint. SQLite names CHECK constraints, but reports a
    unique violation by its columns ("UNIQUE constraint failed: sources_source.slug"),
    so there the columns are checked instead.
    """
    model, constraint = CONSTRAINTS[name]
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    if isinstance(constraint, CheckConstraint) or connection.vendor == "postgresql":
        assert name in message, f"expected {name!r} in {message!r}"
    else:
        assert isinstance(constraint, UniqueConstraint)
        assert "UNIQUE constraint failed" in message, message
        for field_name in constraint.fields:
            column = model._meta.get_field(field_name).column
            assert f"{model._meta.db_table}.{column}" in message, message


def update(obj, **values):
    """Write values straight to the row: no clean(), no save()."""
    return type(obj).objects.filter(pk=obj.pk).update(**values)


def accepted(obj, **values):
    """Write values straight to the row and show the database kept them."""
    with transaction.atomic():
        assert update(obj, **values) == 1
    row = type(obj).objects.values(*values).get(pk=obj.pk)
    assert row == values


pytestmark = pytest.mark.django_db


# --- choice fields: a value outside the TextChoices is refused --------------------

CHOICE_CASES = [
    ("outlet_kind_valid", make_outlet, "kind", "blog", "wire_agency"),
    ("outlet_reliability_valid", make_outlet, "reliability", "G", "A"),
    ("outlet_reliability_valid", make_outlet, "reliability", "", "F"),
    ("source_kind_valid", make_source, "kind", "podcast", "wire_story"),
    ("source_reliability_override_valid", make_source, "reliability_override", "G", "E"),
    ("source_reliability_override_valid", make_source, "reliability_override", "a", ""),
    ("derivation_kind_valid", make_derivation, "kind", "copies", "translates"),
    ("actor_kind_valid", make_actor, "kind", "tribe", "international_organisation"),
    ("materiel_category_valid", make_materiel, "category", "tank", "space_technology"),
    ("claim_certainty_valid", make_claim, "certainty", "certain", "probable"),
    ("claim_status_valid", make_claim, "status", "debunked", "refuted"),
    ("claim_likelihood_valid", make_claim, "likelihood", "maybe", "roughly_even"),
    ("claim_likelihood_valid", make_claim, "likelihood", "likely ", ""),
    ("claim_confidence_valid", make_claim, "confidence", "medium", "moderate"),
    ("claim_confidence_valid", make_claim, "confidence", "none", ""),
    ("claim_state_valid", make_claim, "state", "archived", "in_review"),
    ("attribution_role_valid", make_attribution, "role", "source", "endorser"),
    ("quantity_comparator_valid", make_quantity, "comparator", "roughly", "about"),
    ("quantity_kind_valid", make_quantity, "kind", "guess", "capacity"),
    ("quantity_certainty_valid", make_quantity, "certainty", "sure", "possible"),
    ("claimcitation_stance_valid", make_claim_citation, "stance", "denies", "disputes"),
    ("denialcitation_stance_valid", make_denial_citation, "stance", "", "corroborates"),
    ("denial_kind_valid", make_denial, "kind", "refusal", "counter_claim"),
    ("denialotherkind_kind_valid", make_denial_other_kind, "kind", "refusal", "partial"),
    ("denial_state_valid", make_denial, "state", "public", "draft"),
    ("claimlink_kind_valid", make_claim_link, "kind", "refutes", "same_as"),
]
covers(*(case[0] for case in CHOICE_CASES))


@pytest.mark.parametrize(
    ("name", "make", "field", "bad", "good"),
    CHOICE_CASES,
    ids=[f"{c[0]}-{c[3]!r}" for c in CHOICE_CASES],
)
def test_value_outside_choices_is_rejected_by_database_and_a_listed_one_accepted(name, make, field, bad, good):
    obj = make()
    with violates(name):
        update(obj, **{field: bad})
    accepted(obj, **{field: good})


# --- slugs and other unique keys ---------------------------------------------------

SLUG_CASES = [
    ("outlet_slug_unique", make_outlet),
    ("source_slug_unique", make_source),
    ("actor_slug_unique", make_actor),
    ("topic_slug_unique", make_topic),
    ("materiel_slug_unique", make_materiel),
    ("claim_slug_unique", make_claim),
    ("denial_slug_unique", make_denial),
]
covers(*(case[0] for case in SLUG_CASES))


@pytest.mark.parametrize(("name", "make"), SLUG_CASES, ids=[c[0] for c in SLUG_CASES])
def test_duplicate_slug_is_rejected_by_database(name, make):
    first = make(slug="same-slug")
    other = make()
    with violates(name):
        update(other, slug="same-slug")
    accepted(other, slug="same-slug-2")
    assert type(first).objects.filter(slug__startswith="same-slug").count() == 2


def test_duplicate_slug_is_rejected_on_insert_too():
    make_claim(slug="the-claim")
    with violates("claim_slug_unique"):
        Claim.objects.create(slug="the-claim", proposition="Another claim.")


@covers("outlet_domain_unique")
def test_two_outlets_with_one_domain_are_rejected_by_database():
    make_outlet(domain="apnews.com")
    with violates("outlet_domain_unique"):
        Outlet.objects.create(name="AP again", slug="ap-again", kind="wire_agency", domain="apnews.com")


@covers("outlet_domain_unique")
def test_many_outlets_without_a_domain_are_accepted():
    make_outlet(domain="")
    make_outlet(domain="")
    assert Outlet.objects.filter(domain="").count() == 2


@covers("intake_request_status_valid", "intake_request_input_valid")
def test_intake_request_with_an_unknown_status_or_input_is_rejected_by_database():
    IntakeRequest.objects.create(input="url", url="https://news.example/a", status="queued")
    with violates("intake_request_status_valid"):
        IntakeRequest.objects.create(input="url", url="https://news.example/a", status="lost")
    with violates("intake_request_input_valid"):
        IntakeRequest.objects.create(input="fax", status="done")


@covers("source_url_unique")
def test_two_sources_with_one_url_are_rejected_by_database():
    first = make_source(url="https://apnews.com/article/munitions")
    outlet = first.outlet
    with violates("source_url_unique"):
        Source.objects.bulk_create(
            [Source(outlet=outlet, title="Copy", slug="copy", url="https://apnews.com/article/munitions")]
        )


@covers("source_url_unique")
def test_url_differing_only_in_tracking_noise_is_rejected_by_database_after_save_normalises_it():
    make_source(url="https://apnews.com/article/munitions")
    with violates("source_url_unique"):
        make_source(url="HTTPS://APNews.com/article/munitions?utm_source=twitter#top")


@covers("source_url_unique")
def test_many_sources_without_a_url_are_accepted():
    make_source(url="")
    make_source(url="")
    assert Source.objects.filter(url="").count() == 2


@covers("derivation_unique_pair")
def test_same_derivation_recorded_twice_is_rejected_by_database():
    derivation = make_derivation(kind="republishes")
    with violates("derivation_unique_pair"):
        Derivation.objects.create(source=derivation.source, derived_from=derivation.derived_from, kind="quotes")


@covers("derivation_unique_pair")
def test_one_source_derived_from_two_others_is_accepted():
    derivation = make_derivation()
    Derivation.objects.create(source=derivation.source, derived_from=make_source(), kind="cites")
    assert derivation.source.derivations.count() == 2


@covers("actor_alias_unique")
def test_same_alias_twice_for_one_actor_is_rejected_by_database():
    actor = make_actor()
    ActorAlias.objects.create(actor=actor, name="DPRK")
    with violates("actor_alias_unique"):
        ActorAlias.objects.create(actor=actor, name="DPRK")


@covers("actor_alias_unique")
def test_same_alias_for_two_actors_is_accepted():
    ActorAlias.objects.create(actor=make_actor(), name="Pyongyang")
    ActorAlias.objects.create(actor=make_actor(), name="Pyongyang")
    assert ActorAlias.objects.filter(name="Pyongyang").count() == 2


@covers("attribution_actor_once_per_position")
def test_one_actor_twice_at_one_position_of_a_chain_is_rejected_by_database():
    first = make_attribution(position=1)
    with violates("attribution_actor_once_per_position"):
        Attribution.objects.create(claim=first.claim, actor=first.actor, role="relay", position=1)


@covers("attribution_actor_once_per_position")
def test_co_originators_share_a_position_and_positions_repeat_across_chains():
    first = make_attribution(position=1)
    Attribution.objects.create(claim=first.claim, actor=make_actor(), role="originator", position=1)
    make_attribution(position=1)
    assert Attribution.objects.filter(position=1).count() == 3


@covers("claimlink_unique")
def test_same_claim_link_twice_is_rejected_by_database():
    link = make_claim_link(kind="corroborates")
    with violates("claimlink_unique"):
        ClaimLink.objects.create(from_claim=link.from_claim, to_claim=link.to_claim, kind="corroborates")


@covers("claimlink_unique")
def test_two_kinds_of_link_between_one_pair_of_claims_are_accepted():
    link = make_claim_link(kind="revises")
    ClaimLink.objects.create(from_claim=link.from_claim, to_claim=link.to_claim, kind="supersedes")
    assert ClaimLink.objects.filter(from_claim=link.from_claim).count() == 2


# --- outlets ------------------------------------------------------------------------


@covers("outlet_domain_is_bare_lowercase")
@pytest.mark.parametrize("domain", ["APnews.com", "apnews.com/world", "https://apnews.com"])
def test_outlet_domain_with_capitals_or_a_path_is_rejected_by_database(domain):
    with violates("outlet_domain_is_bare_lowercase"):
        Outlet.objects.create(name="AP", slug="ap", kind="wire_agency", domain=domain)


@covers("outlet_domain_is_bare_lowercase")
@pytest.mark.parametrize("domain", ["apnews.com", "news.bbc.co.uk", ""])
def test_outlet_bare_lowercase_or_blank_domain_is_accepted(domain):
    outlet = Outlet.objects.create(name="AP", slug="ap", kind="wire_agency", domain=domain)
    assert Outlet.objects.get(pk=outlet.pk).domain == domain


@covers("outlet_country_is_two_letters")
def test_outlet_country_of_one_letter_is_rejected_by_database():
    # Three letters cannot reach the check on PostgreSQL: varchar(2) refuses them first.
    outlet = make_outlet()
    with violates("outlet_country_is_two_letters"):
        update(outlet, country="U")
    accepted(outlet, country="US")
    accepted(outlet, country="")


@covers("outlet_country_is_two_letters")
@pytest.mark.parametrize("country", ["us", "12"])
def test_outlet_country_that_is_not_two_capital_letters_is_rejected_by_database(country):
    outlet = make_outlet()
    with violates("outlet_country_is_two_letters"):
        update(outlet, country=country)


@covers("actor_country_is_two_letters")
@pytest.mark.parametrize("country", ["k", "kr", "1"])
def test_actor_country_that_is_not_two_capital_letters_is_rejected_by_database(country):
    actor = make_actor()
    with violates("actor_country_is_two_letters"):
        update(actor, country=country)
    accepted(actor, country="KR")
    accepted(actor, country="")


# --- sources ------------------------------------------------------------------------


@covers("source_url_is_http")
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://example.org/file",
        "example.org/story",
        "HTTPS://example.org/a",
    ],
)
def test_source_url_without_http_scheme_is_rejected_by_database(url):
    source = make_source()
    with violates("source_url_is_http"):
        update(source, url=url)


@covers("source_url_is_http")
@pytest.mark.parametrize("url", ["http://example.org/a", "https://example.org/b", ""])
def test_source_http_https_or_blank_url_is_accepted(url):
    accepted(make_source(), url=url)


@covers("source_archive_url_is_http")
def test_source_archive_url_without_http_scheme_is_rejected_by_database():
    outlet = make_outlet()
    with violates("source_archive_url_is_http"):
        Source.objects.create(outlet=outlet, title="T", slug="t", archive_url="javascript:alert(document.cookie)")


@covers("source_archive_url_is_http")
@pytest.mark.parametrize("archive_url", ["https://web.archive.org/web/2023/https://apnews.com/x", ""])
def test_source_http_or_blank_archive_url_is_accepted(archive_url):
    accepted(make_source(), archive_url=archive_url)


@covers("source_text_hash_present")
def test_source_text_without_its_hash_is_rejected_by_database():
    # bulk_create skips save(), which is what computes text_sha256.
    outlet = make_outlet()
    with violates("source_text_hash_present"):
        Source.objects.bulk_create([Source(outlet=outlet, title="T", slug="t", text="Some words.")])


@covers("source_text_hash_present")
def test_source_text_with_a_malformed_hash_is_rejected_by_database():
    source = make_source(text="Some words.")
    with violates("source_text_hash_present"):
        update(source, text_sha256="abc123")


@covers("source_text_hash_present")
def test_source_save_stores_the_sha256_of_its_text_and_no_hash_without_text():
    source = make_source(text="Some words.")
    source.refresh_from_db()
    assert source.text_sha256 == hashlib.sha256(b"Some words.").hexdigest()
    source.text = ""
    source.save()
    source.refresh_from_db()
    assert source.text_sha256 == ""


@covers("source_raw_hash_is_sha256")
def test_source_file_hash_other_than_a_sha256_is_rejected_by_database():
    source = make_source()
    with violates("source_raw_hash_is_sha256"):
        update(source, raw_sha256="abc123")
    accepted(source, raw_sha256=hashlib.sha256(b"<html></html>").hexdigest())
    accepted(source, raw_sha256="")


@covers("source_signature_band_unique")
def test_second_row_for_the_same_band_of_a_source_is_rejected_by_database():
    source = make_source(text="Harbour officials say a cargo ship carried ammunition.")  # its bands, on save
    band = SourceSignatureBand.objects.filter(source=source).earliest("band")
    with violates("source_signature_band_unique"):
        SourceSignatureBand.objects.create(source=source, band=band.band, hash=band.hash + 1)


# --- derivations, actors, materiel: nothing is its own origin ---------------------


@covers("derivation_not_from_itself")
def test_source_derived_from_itself_is_rejected_by_database():
    source = make_source()
    with violates("derivation_not_from_itself"):
        Derivation.objects.create(source=source, derived_from=source, kind="republishes")


@covers("actor_not_own_parent")
def test_actor_that_is_its_own_parent_is_rejected_by_database():
    actor = make_actor()
    with violates("actor_not_own_parent"):
        update(actor, parent=actor)
    government = make_actor(kind="government_body")
    accepted(actor, parent=government.pk)
    accepted(actor, parent=None)


@covers("materiel_not_own_parent")
def test_materiel_that_is_its_own_parent_is_rejected_by_database():
    shell = make_materiel()
    with violates("materiel_not_own_parent"):
        update(shell, parent=shell)
    accepted(shell, parent=make_materiel().pk)
    accepted(shell, parent=None)


@covers("claimlink_not_to_itself")
def test_claim_linked_to_itself_is_rejected_by_database():
    claim = make_claim()
    with violates("claimlink_not_to_itself"):
        ClaimLink.objects.create(from_claim=claim, to_claim=claim, kind="same_as")


@covers("actor_wikidata_id_format")
@pytest.mark.parametrize(
    "wikidata_id",
    [
        "423",
        "P31",
        "q423",
    ],
)
def test_actor_wikidata_id_not_starting_with_q_is_rejected_by_database(wikidata_id):
    actor = make_actor()
    with violates("actor_wikidata_id_format"):
        update(actor, wikidata_id=wikidata_id)


@covers("actor_wikidata_id_format")
@pytest.mark.parametrize("wikidata_id", ["Q423", ""])
def test_actor_wikidata_id_or_blank_is_accepted(wikidata_id):
    accepted(make_actor(), wikidata_id=wikidata_id)


# --- claims -------------------------------------------------------------------------


@covers("claim_credibility_1_to_6")
@pytest.mark.parametrize("credibility", [0, 7, 100])
def test_claim_credibility_outside_1_to_6_is_rejected_by_database(credibility):
    # (Negative numbers are refused earlier, by the positive-integer column's own check.)
    with violates("claim_credibility_1_to_6"):
        make_claim(credibility=credibility)


@covers("claim_credibility_1_to_6")
@pytest.mark.parametrize("credibility", [1, 6, None])
def test_claim_credibility_1_to_6_or_none_is_accepted(credibility):
    accepted(make_claim(), credibility=credibility)


@covers("claim_period_in_order")
def test_claim_period_ending_before_it_starts_is_rejected_by_database():
    with violates("claim_period_in_order"):
        make_claim(period_start="2023-09", period_end="2023-08")


@covers("claim_period_in_order")
@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2023-08-01", "2023-08-01"),
        ("2023-08-01", "2023-11-01"),
        ("2023-08-01", ""),
        ("", "2023-11-01"),
        ("2023-09~", "2023-08"),  # about September may have begun in August
    ],
    ids=["one-day", "in-order", "open-ended", "end-only", "overlapping-approximate"],
)
def test_claim_period_in_order_or_open_is_accepted(start, end):
    claim = make_claim(period_start=start, period_end=end)
    claim.refresh_from_db()
    assert (claim.period_start_edtf, claim.period_end_edtf) == (start, end)


@covers("attribution_position_from_1")
def test_attribution_at_position_0_is_rejected_by_database():
    attribution = make_attribution(position=2)
    with violates("attribution_position_from_1"):
        update(attribution, position=0)
    accepted(attribution, position=1)


# --- quantities ---------------------------------------------------------------------

QUANTITY_REJECTED = [
    ("quantity_unspecified_has_no_numbers", "unspecified", 5, None),
    ("quantity_unspecified_has_no_numbers", "unspecified", None, 5),
    ("quantity_unspecified_has_no_numbers", "unspecified", 1, 5),
    ("quantity_between_has_low_le_high", "between", 2_000_000, 1_000_000),
    ("quantity_between_has_low_le_high", "between", None, 10),
    ("quantity_between_has_low_le_high", "between", 10, None),
    ("quantity_between_has_low_le_high", "between", None, None),
    ("quantity_single_bound_has_low_only", "more_than", 1_000_000, 2_000_000),
    ("quantity_single_bound_has_low_only", "exact", None, None),
    ("quantity_single_bound_has_low_only", "at_most", None, 10),
    ("quantity_low_not_negative", "more_than", -1, None),
    ("quantity_low_not_negative", "between", -5, 5),
]
covers(*(case[0] for case in QUANTITY_REJECTED))


@pytest.mark.parametrize(
    ("name", "comparator", "low", "high"),
    QUANTITY_REJECTED,
    ids=[f"{c[1]}-{c[2]}-{c[3]}" for c in QUANTITY_REJECTED],
)
def test_inconsistent_quantity_is_rejected_by_database(name, comparator, low, high):
    claim = make_claim()
    with violates(name):
        Quantity.objects.create(claim=claim, comparator=comparator, low=low, high=high, item="shells")


QUANTITY_ACCEPTED = [
    ("between", 10, 10),
    ("between", 0, 1_000_000),
    ("unspecified", None, None),
    ("exact", 0, None),
    ("about", Decimal("1.5"), None),
    *((comparator, 1_000_000, None) for comparator in ("at_least", "more_than", "at_most", "less_than")),
]


@pytest.mark.parametrize(
    ("comparator", "low", "high"), QUANTITY_ACCEPTED, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in QUANTITY_ACCEPTED]
)
def test_consistent_quantity_is_accepted(comparator, low, high):
    quantity = make_quantity(comparator=comparator, low=low, high=high)
    quantity.refresh_from_db()
    assert (quantity.comparator, quantity.low, quantity.high) == (comparator, low, high)


# --- reported dates (EDTF text with its earliest and latest day) ----------------------

REPORTED_DATES = [
    ("source", make_source, "published"),
    ("claim", make_claim, "made"),
    ("claim", make_claim, "period_start"),
    ("claim", make_claim, "period_end"),
    ("attribution", make_attribution, "date"),
    ("quantity", make_quantity, "as_of"),
    ("denial", make_denial, "made"),
]
REPORTED_DATE_IDS = [f"{prefix}.{name}" for prefix, _, name in REPORTED_DATES]
for _prefix, _, _name in REPORTED_DATES:
    covers(f"{_prefix}_{_name}_days_in_order", f"{_prefix}_{_name}_bounds_need_a_date")


@pytest.mark.parametrize(("prefix", "make", "name"), REPORTED_DATES, ids=REPORTED_DATE_IDS)
def test_a_date_ending_before_it_begins_is_rejected_by_database(prefix, make, name):
    obj = make()
    with violates(f"{prefix}_{name}_days_in_order"):
        update(
            obj,
            **{
                f"{name}_edtf": "2023-11",
                f"{name}_earliest": dt.date(2023, 11, 2),
                f"{name}_latest": dt.date(2023, 11, 1),
            },
        )


@pytest.mark.parametrize(("prefix", "make", "name"), REPORTED_DATES, ids=REPORTED_DATE_IDS)
@pytest.mark.parametrize(
    "values",
    [{"earliest": dt.date(2023, 11, 1)}, {"latest": dt.date(2023, 11, 1)}, {"inferred": True}],
    ids=["earliest", "latest", "inferred"],
)
def test_bounds_or_inferred_without_a_date_are_rejected_by_database(prefix, make, name, values):
    obj = make()
    with violates(f"{prefix}_{name}_bounds_need_a_date"):
        cleared = {f"{name}_edtf": "", f"{name}_earliest": None, f"{name}_latest": None}
        update(obj, **(cleared | {f"{name}_{part}": value for part, value in values.items()}))


@pytest.mark.parametrize(("prefix", "make", "name"), REPORTED_DATES, ids=REPORTED_DATE_IDS)
def test_dates_of_every_shape_and_no_date_are_accepted(prefix, make, name):
    obj = make()
    day, month_end = dt.date(2023, 8, 1), dt.date(2023, 8, 31)

    def date(text, earliest, latest, inferred=False):
        return {
            f"{name}_edtf": text,
            f"{name}_earliest": earliest,
            f"{name}_latest": latest,
            f"{name}_inferred": inferred,
        }

    accepted(obj, **date("2023-08", day, month_end))
    accepted(obj, **date("2023-08-01", day, day, inferred=True))
    accepted(obj, **date("2023-08/..", day, None))
    accepted(obj, **date("[..2023-08]", None, month_end))
    accepted(obj, **date("", None, None))


# --- the meta-tests ------------------------------------------------------------------


def test_every_model_constraint_is_covered_by_a_test_in_this_file():
    declared = set(CONSTRAINTS)
    assert declared, "no constraints found: the app labels are wrong"
    assert sorted(declared - COVERED) == [], "constraints without a database test here"
    assert sorted(COVERED - declared) == [], "tests cover constraints that no longer exist (renamed?)"


def _names_in_database(table: str) -> set[str]:
    # Django's SQLite introspection trips over these tables' CHECK clauses
    # (_get_column_collations splits the CREATE TABLE on ", "), so read the catalogues.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                "UNION SELECT indexname FROM pg_indexes WHERE tablename = %s",
                [table, table],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s", [table])
        names = set()
        for kind, name, sql in cursor.fetchall():
            if kind == "index":
                names.add(name)
            else:
                names.update(re.findall(r'CONSTRAINT "([^"]+)"', sql))
        return names


def test_every_model_constraint_exists_in_the_database_under_its_name():
    missing = [
        f"{model.__name__}.{name}"
        for name, (model, _) in CONSTRAINTS.items()
        if name not in _names_in_database(model._meta.db_table)
    ]
    assert missing == []


def test_constraint_names_are_unique_across_the_apps():
    names = [c.name for label in APPS for m in apps.get_app_config(label).get_models() for c in m._meta.constraints]
    assert len(names) == len(set(names))


# --- unpublished documents and further kinds of denial ------------------------------


@covers("source_unpublished_kind")
@pytest.mark.parametrize("kind", ["article", "wire_story", "social_post", "video", "image"])
def test_a_published_kind_of_source_without_an_outlet_is_rejected_by_database(kind):
    with violates("source_unpublished_kind"):
        make_unpublished_document(kind=kind)


@covers("source_unpublished_kind")
@pytest.mark.parametrize("kind", ["briefing", "report", "statement", "transcript", "other"])
def test_an_unpublished_document_of_an_unpublished_kind_is_accepted(kind):
    source = make_unpublished_document(kind=kind)
    source.refresh_from_db()
    assert (source.outlet_id, source.kind) == (None, kind)


@covers("denialotherkind_once")
def test_the_same_further_kind_twice_is_rejected_by_database():
    other = make_denial_other_kind()
    with violates("denialotherkind_once"):
        make_denial_other_kind(denial=other.denial, kind=other.kind)


@covers("claimcitation_misreport_says_what", "denialcitation_misreport_says_what")
@pytest.mark.parametrize(
    ("prefix", "make"), [("claimcitation", make_claim_citation), ("denialcitation", make_denial_citation)]
)
def test_a_misreport_without_a_note_saying_what_is_rejected_by_database(prefix, make):
    citation = make()
    with violates(f"{prefix}_misreport_says_what"):
        update(citation, stance="misreports", note="")
    accepted(citation, stance="misreports", note="Gives 10 million, not 1 million.")


@covers("citationfigure_once_per_figure")
def test_one_sources_wording_of_one_figure_twice_is_rejected_by_database():
    wording = make_citation_figure()
    with violates("citationfigure_once_per_figure"):
        make_citation_figure(citation=wording.citation, quantity=wording.quantity, as_worded="a million")
