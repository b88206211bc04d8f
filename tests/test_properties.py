"""Bad input, generated: arbitrary text (NUL bytes, lone surrogates, every script),
dates such as 2023-02-30, huge numbers and nested junk, given to the importer and posted
to the admin's add forms. The answer is always a clean rejection (ImportFailed, a form
error) or a clean save: never an exception, never a 500, never a partial write.

Each example runs in its own savepoint, rolled back afterwards, so the function-scoped
fixtures (the database, a logged-in client) are shared safely between examples."""

import copy
import datetime as dt
import os
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.importer import SECTIONS, ImportFailed, import_data
from claims.models import Actor, Claim, Denial
from operations.backup import database_counts
from operations.django_fixes import RangeCheckedModelMultipleChoiceField
from sources.models import Outlet, Source
from tests.factories import make_actor, make_claim, make_materiel, make_outlet, make_source, make_topic, make_user
from tests.test_admin import admin_url, change_page_data, form_errors

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "30")),
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    derandomize=os.environ.get("CI") == "true",  # CI explores the same examples every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- values --------------------------------------------------------------------------------

TRICKY_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil",
    "\ufeff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧨",
    "북한",
    "x" * 5000,
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "2023-02-30",
    "2023-13",
    "0000",
    "10000-01-01",
    "-2023",
    "2023-11-01T25:61:00Z",
    "1e309",
    "-1",
    "0",
    "NaN",
    "Infinity",
    "99999999999999999999999999999999",
    "1,000,000",
    "1_000",
]
any_text = st.one_of(st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF)), st.sampled_from(TRICKY_TEXT))
# Lone surrogates cannot cross HTTP as UTF-8, but a YAML or JSON file can carry them.
surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
huge_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**18, max_value=10**60),
    st.integers(max_value=-(10**18)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    any_text,
    surrogates,
    huge_numbers,
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
)
junk = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=8,
)


# --- the importer --------------------------------------------------------------------------

VALID_FILE = {
    "outlets": [{"slug": "ap", "name": "Associated Press", "kind": "wire_agency", "domain": "apnews.com"}],
    "sources": [
        {
            "slug": "ap-story",
            "outlet": "ap",
            "title": "North Korea shipped shells",
            "kind": "article",
            "url": "https://apnews.com/article/shells",
            "published": "2023-11-01",
            "retrieved_at": "2023-11-02T10:00:00Z",
            "text": "North Korea has shipped more than a million artillery shells.",
            "authors": ["Kim Tong-hyung"],
            "language": "en",
        },
        {"slug": "copy", "outlet": "ap", "title": "A copy", "published": "2023-11"},
    ],
    "derivations": [{"source": "copy", "derived_from": "ap-story", "kind": "republishes"}],
    "actors": [
        {"slug": "nis", "name": "National Intelligence Service", "kind": "agency", "country": "KR", "aliases": ["NIS"]},
        {"slug": "north-korea", "name": "North Korea", "kind": "state", "country": "KP"},
    ],
    "topics": [{"slug": "shells", "name": "Shells for Russia"}],
    "materiel": [{"slug": "shell", "name": "Artillery shell", "category": "artillery_ammunition"}],
    "claims": [
        {
            "slug": "million",
            "proposition": "North Korea shipped more than a million shells.",
            "made": "2023-11-01",
            "period_start": "2023-08",
            "certainty": "probable",
            "hedge": "believes",
            "credibility": 2,
            "subjects": ["north-korea"],
            "topics": ["shells"],
            "chain": [{"actor": "nis", "role": "originator", "channel": "briefing", "date": "2023-11-01"}],
            "quantities": [
                {"comparator": "more_than", "low": 1000000, "item": "artillery shells", "materiel": "shell"}
            ],
            "citations": [{"source": "ap-story", "quote": "more than a million artillery shells"}],
            "links": [{"to": "other", "kind": "corroborates"}],
        },
        {"slug": "other", "proposition": "Shells were seen at the border."},
    ],
    "denials": [
        {
            "slug": "denial",
            "statement": "Pyongyang dismissed the claim.",
            "deniers": ["north-korea"],
            "kind": "dismissal",
            "answers": ["million"],
            "made": "2023-11-02",
            "citations": [{"source": "ap-story", "quote": "North Korea"}],
        }
    ],
}
# Where a mutation may land: (section, nested list or None), with the keys known there.
PLACES = {
    (section, None): sorted({key for record in VALID_FILE[section] for key in record}) for section in SECTIONS
} | {
    ("claims", "chain"): ["actor", "role", "channel", "date"],
    ("claims", "quantities"): ["as_worded", "comparator", "low", "high", "unit", "item", "materiel", "as_of"],
    ("claims", "citations"): ["source", "quote", "quote_prefix", "quote_suffix", "translation", "locator", "stance"],
    ("claims", "links"): ["to", "kind", "note"],
    ("denials", "citations"): ["source", "quote", "note"],
}


@st.composite
def import_files(draw):
    """The valid file with one to four things broken: a field's value, a field added
    or removed, a record or a whole section replaced with junk."""
    data = copy.deepcopy(VALID_FILE)
    for _ in range(draw(st.integers(1, 4))):
        section, nested = draw(st.sampled_from(sorted(PLACES, key=str)))
        what = draw(st.sampled_from(["value", "value", "value", "drop", "unknown", "record", "section"]))
        if what == "section":
            data[section] = draw(junk)
            continue
        records = data[section]
        if not isinstance(records, list) or not records:
            continue
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        if nested is not None:
            if not isinstance(record, dict) or not isinstance(record.get(nested), list) or not record[nested]:
                continue
            records, index = record[nested], 0
            record = records[0]
        if what == "record" or not isinstance(record, dict):
            records[index] = draw(junk)
        elif what == "drop":
            record.pop(draw(st.sampled_from(PLACES[section, nested])), None)
        elif what == "unknown":
            record[draw(any_text)] = draw(junk)
        else:
            record[draw(st.sampled_from(PLACES[section, nested]))] = draw(junk)
    return data


def test_the_valid_file_imports():
    counts = import_data(copy.deepcopy(VALID_FILE))

    assert counts["claims created"] == 2
    assert Claim.objects.get(slug="million").citations.count() == 1


@PROPERTY_SETTINGS
@given(data=import_files())
def test_importer_accepts_or_rejects_cleanly_and_a_rejection_writes_nothing(data):
    with transaction.atomic():
        before = database_counts()
        errors = None
        try:
            import_data(data)
        except ImportFailed as exc:
            errors = exc.errors
        if errors is not None:
            assert errors
            assert database_counts() == before
        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(data=junk)
def test_importer_rejects_a_file_of_junk_cleanly(data):
    with transaction.atomic():
        before = database_counts()
        try:
            import_data(data)
        except ImportFailed:
            rejected = True
        else:
            rejected = False
        if rejected:
            assert database_counts() == before
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "NUL\x00inside"), ("name", "lone \ud800 surrogate"), ("notes", "\x00"), ("notes", "\udfff")],
)
def test_importer_rejects_text_no_database_can_store_naming_the_field(field, value):
    data = {"outlets": [{"slug": "o", "name": "Outlet", "kind": "newspaper", field: value}]}

    with pytest.raises(ImportFailed) as excinfo:
        import_data(data)

    assert f"outlets[0] (slug 'o') {field}:" in str(excinfo.value)


# --- the admin's add forms -----------------------------------------------------------------

form_text = st.one_of(
    st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=["Cs"]), max_size=300),
    st.sampled_from(TRICKY_TEXT),
    huge_numbers.map(str),
    st.dates().map(str),
)


@pytest.fixture
def analyst_client(client, django_user_model):
    client.force_login(make_user(django_user_model, "analyst", "analyst"))
    return client


def valid_post(client, model, **values) -> dict:
    data = change_page_data(client.get(admin_url(model, "add")))
    data.update(values)
    return data


@st.composite
def mutated(draw, base: dict, extra_fields: list[str]):
    """The valid POST with some fields given arbitrary values, or left out."""
    data = dict(base)
    fields = sorted(set(base) | set(extra_fields))
    for field in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=5, unique=True)):
        if draw(st.integers(0, 5)) == 0:
            data.pop(field, None)
        elif field.endswith("_FORMS"):
            # Django caps a formset at 2,000 forms, but rendering that many inlines back
            # takes seconds (the inlines set no max_num): small and malformed counts only.
            data[field] = draw(st.sampled_from(["0", "1", "2", "3", "-1", "", "x", "1.5", "\x00"]))
        elif draw(st.booleans()) and isinstance(base.get(field), list):
            data[field] = draw(st.lists(form_text, max_size=3))
        else:
            data[field] = draw(form_text)
    return data


def post_and_check(client, model, data):
    """Post an add form in a savepoint: a 302 saved it, a 200 showed errors and wrote nothing."""
    with transaction.atomic():
        before = database_counts()
        response = client.post(admin_url(model, "add"), data)
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:
            assert form_errors(response), "a 200 without a form error"
            assert database_counts() == before
        else:
            assert database_counts()[model._meta.label_lower] == before[model._meta.label_lower] + 1
        transaction.set_rollback(True)


@pytest.fixture
def add_page_data(analyst_client):
    """valid_post's first half, for the examples of one property test: the data of the add
    page as shown. It is the same page for every example (an empty form of initial values
    whatever the database holds), so it is read once per test rather than once per example."""
    shown = {}

    def data(model) -> dict:
        if model not in shown:
            shown[model] = change_page_data(analyst_client.get(admin_url(model, "add")))
        return copy.deepcopy(shown[model])

    return data


def form_property(model, base_values, extra_fields=()):
    """A property test over one admin add form, from its valid POST data."""

    @PROPERTY_SETTINGS
    @given(data=st.data())
    def check(analyst_client, add_page_data, data):
        base = add_page_data(model) | base_values()  # valid_post(analyst_client, model, **base_values())
        post_and_check(analyst_client, model, data.draw(mutated(base, list(extra_fields))))

    return check


def outlet_values():
    return {"name": "Yonhap", "slug": "yonhap", "kind": "wire_agency", "domain": "yna.co.kr", "country": "KR"}


def source_values():
    return {
        "outlet": str(make_outlet().pk),
        "title": "Shells for Russia",
        "slug": "shells-for-russia",
        "kind": "article",
        "url": "https://example.org/shells",
        "language": "en",
        "published_edtf": "2023-11-01",
        "text": "More than a million shells.",
        "derivations-0-kind": "republishes",
        "derivations-0-derived_from": str(make_source().pk),
    }


def actor_values():
    return {
        "name": "Korean Central News Agency",
        "slug": "kcna",
        "kind": "media",
        "country": "KP",
        "wikidata_id": "Q193460",
        "aliases-0-name": "KCNA",
    }


def denial_values():
    return {
        "statement": "Moscow called the report groundless.",
        "slug": "moscow-groundless",
        "kind": "dismissal",
        "made_edtf": "2023-11-02",
        "made_as_worded": "on Thursday",
        "deniers": [str(make_actor().pk)],
        "claims": [str(make_claim().pk)],
        "state": "draft",
        "citations-TOTAL_FORMS": "1",
        "citations-0-source": str(make_source().pk),
        "citations-0-quote": "groundless",
        "citations-0-stance": "reports",
    }


def claim_values():
    return {
        "proposition": "North Korea shipped more than a million shells to Russia.",
        "slug": "a-million-shells",
        "made_edtf": "2023-11-01",
        "period_start_edtf": "2023-08",
        "period_start_as_worded": "since August",
        "certainty": "probable",
        "hedge": "believes",
        "status": "reported",
        "credibility": "2",
        "state": "draft",
        "subjects": [str(make_actor().pk)],
        "topics": [str(make_topic().pk)],
        "materiel": [str(make_materiel().pk)],
        "attributions-0-actor": str(make_actor().pk),
        "attributions-0-role": "originator",
        "attributions-0-channel": "closed-door briefing",
        "quantities-TOTAL_FORMS": "1",
        "quantities-0-kind": "count",
        "quantities-0-comparator": "more_than",
        "quantities-0-low": "1000000",
        "quantities-0-item": "artillery shells",
        "citations-TOTAL_FORMS": "1",
        "citations-0-source": str(make_source().pk),
        "citations-0-quote": "more than a million",
        "citations-0-stance": "reports",
        "links_out-TOTAL_FORMS": "1",
        "links_out-0-kind": "corroborates",
        "links_out-0-to_claim": str(make_claim().pk),
    }


CLAIM_INLINE_FIELDS = [
    "attributions-0-position",
    "attributions-0-date_edtf",
    "attributions-0-date_as_worded",
    "attributions-0-date_inferred",
    "attributions-TOTAL_FORMS",
    "quantities-0-high",
    "quantities-0-as_of_edtf",
    "quantities-0-as_of_inferred",
    "quantities-0-materiel",
    "quantities-0-position",
    "citations-0-position",
    "citations-0-quote_prefix",
    "citations-0-translation",
    "links_out-0-note",
    "period_end_edtf",
    "made_inferred",
    "likelihood",
    "confidence",
]


FORMS = [
    (Outlet, outlet_values),
    (Source, source_values),
    (Actor, actor_values),
    (Denial, denial_values),
    (Claim, claim_values),
]


@pytest.mark.parametrize(("model", "values"), FORMS, ids=[model._meta.label_lower for model, _ in FORMS])
def test_each_valid_add_form_saves(analyst_client, model, values):
    data = valid_post(analyst_client, model, **values())

    response = analyst_client.post(admin_url(model, "add"), data)

    assert response.status_code == 302, form_errors(response)


test_outlet_add_form_never_fails_or_half_writes = form_property(Outlet, outlet_values)
test_source_add_form_never_fails_or_half_writes = form_property(
    Source, source_values, ["archive_url", "retrieved_at_0", "retrieved_at_1", "authors"]
)
test_actor_add_form_never_fails_or_half_writes = form_property(Actor, actor_values, ["parent"])
test_denial_add_form_never_fails_or_half_writes = form_property(Denial, denial_values)
test_claim_add_form_with_inlines_never_fails_or_half_writes = form_property(Claim, claim_values, CLAIM_INLINE_FIELDS)


def test_claim_add_form_with_bytes_that_are_not_utf8_gives_a_form_error(analyst_client):
    data = valid_post(analyst_client, Claim, **claim_values())
    body = urlencode(data, doseq=True).replace("proposition=North", "proposition=%ff%fe%ed%a0%80%00North")

    with transaction.atomic():
        response = analyst_client.post(admin_url(Claim, "add"), body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 200
        assert "Null characters are not allowed." in form_errors(response)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("model", "values", "field", "posted"),
    [
        (Source, source_values, "derivations-0-derived_from", ":"),
        (Source, source_values, "outlet", "2023-13"),
        (Claim, claim_values, "attributions-0-actor", "1.5"),
        (Claim, claim_values, "subjects", ["x", "99999999999999999999999"]),
        (Denial, denial_values, "deniers", ["-"]),
        (Denial, denial_values, "claims", ["9223372036854775808"]),
        (Claim, claim_values, "topics", ["-9223372036854775809", "1"]),
    ],
    ids=["inline-fk", "fk", "chain-actor", "m2m", "m2m-denial", "m2m-beyond-bigint", "m2m-below-bigint"],
)
def test_an_autocomplete_value_that_is_not_a_key_gives_a_form_error(analyst_client, model, values, field, posted):
    """Django's autocomplete widgets look posted values up to redisplay them: without
    operations/django_fixes.py a value that is not a number answered 500."""
    data = valid_post(analyst_client, model, **values())
    data[field] = posted

    with transaction.atomic():
        response = analyst_client.post(admin_url(model, "add"), data)
        assert response.status_code == 200
        assert any("is not a valid value" in e or "Select a valid choice" in e for e in form_errors(response)), (
            form_errors(response)
        )
        transaction.set_rollback(True)


def test_an_integer_beyond_the_column_range_is_an_invalid_choice_of_a_multiple_choice_field():
    """Django's `in` look-up raises for an integer the column cannot hold (bug 1 of
    operations/django_fixes.py): the admin's multiple choice field rejects it first."""
    claim = make_claim()
    field = RangeCheckedModelMultipleChoiceField(queryset=Claim.objects.all())

    assert list(field.clean([str(claim.pk)])) == [claim]
    for beyond in (2**63, -(2**63) - 1, 2**70):
        with pytest.raises(ValidationError) as excinfo:
            field.clean([str(claim.pk), str(beyond)])
        assert excinfo.value.code == "invalid_choice"


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("id__in=9223372036854775808", 0),
        ("pk__in=9223372036854775808,{pk},-9223372036854775809", 1),
        ("subjects__id__in=99999999999999999999999", 0),
        ("topics__pk__in=-9223372036854775809", 0),
    ],
)
def test_an_integer_beyond_the_column_range_in_a_changelist_in_lookup_matches_no_row(analyst_client, query, listed):
    claim = make_claim()

    response = analyst_client.get(admin_url(Claim, "changelist") + "?" + query.format(pk=claim.pk))

    assert response.status_code == 200
    assert response.context["cl"].result_count == listed


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("value", [True, 7, "text", {"slug": "x"}])
def test_a_section_that_is_not_a_list_is_reported_not_raised(section, value):
    """Found by the property above: `claims: true` made the links pass raise TypeError."""
    with pytest.raises(ImportFailed, match=f"{section}: must be a list of records"):
        import_data({**copy.deepcopy(VALID_FILE), section: value})


@pytest.mark.parametrize(
    "url",
    ["/admin/auth/user/?groups__id__in=9223372036854775808", "/admin/auth/group/?id__in=-9223372036854775809"],
)
def test_an_integer_beyond_the_column_range_in_the_user_and_group_changelists_matches_no_row(admin_client, url):
    response = admin_client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
