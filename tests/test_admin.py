"""The admin an analyst curates in: every page loads and saves for the "analyst" group
the 0002_groups migration creates, publication is reserved to editors, bad input gives
readable errors, and changelists cost a fixed number of queries."""

import datetime as dt
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps as global_apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from claims.models import (
    ActorAlias,
    Attribution,
    CitationFigure,
    Claim,
    ClaimSearchDocument,
    Denial,
    DenialOtherKind,
    DenialRedirect,
    DenialSearchDocument,
    PublicationState,
)
from sources.models import IntakeRequest, Source, SourceSignatureBand
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_claim_citation,
    make_claim_link,
    make_denial,
    make_denial_citation,
    make_derivation,
    make_materiel,
    make_outlet,
    make_quantity,
    make_source,
    make_topic,
)

CURATED_APPS = {"sources", "claims"}
CURATED_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in CURATED_APPS),
    key=lambda model: model._meta.label,
)
# The text field each change-form test edits, first match wins.
EDITABLE_TEXT = ("notes", "note", "description", "channel", "as_worded", "name")
# Queries a changelist page may issue whatever the number of rows it shows.
CHANGELIST_MAX_QUERIES = 12


def model_id(model) -> str:
    return model._meta.label_lower


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def make_story() -> Claim:
    """A claim with every part filled in, answered by a denial, over sources that derive
    from one another: one row of every curated model at least."""
    ap = make_outlet(name="Associated Press", reliability="B")
    story = make_source(
        outlet=ap,
        title="North Korea has shipped more than a million shells to Russia",
        text="South Korea says North Korea has shipped more than a million artillery shells to Russia.",
        retrieved_at=timezone.now(),
    )
    make_derivation(source=make_source(title="A copy of the AP story"), derived_from=story)
    nis = make_actor(name="National Intelligence Service")
    ActorAlias.objects.create(actor=nis, name="NIS")
    north_korea = make_actor(name="North Korea", kind="state", country="KP")
    shells = make_materiel(name="Artillery shell")
    claim = make_claim(
        proposition="NIS believes North Korea shipped more than a million artillery shells to Russia.",
        certainty="probable",
        hedge="believes",
        period_start="2023-08",
    )
    claim.subjects.set([north_korea])
    claim.topics.set([make_topic(name="North Korean munitions for Russia")])
    claim.materiel.set([shells])
    make_attribution(claim=claim, actor=nis, position=1, channel="closed-door briefing to lawmakers")
    make_attribution(claim=claim, actor=make_actor(name="Yoo Sang-bum", kind="person"), position=2, role="relay")
    make_quantity(claim=claim, materiel=shells, as_worded="more than a million")
    make_claim_citation(claim=claim, source=story)
    make_claim_link(from_claim=make_claim(proposition="Two months' worth of shells."), to_claim=claim)
    make_claim_link(from_claim=claim, to_claim=make_claim(), kind="corroborates")
    denial = make_denial(claims=[claim], deniers=[north_korea])
    make_denial_citation(denial=denial, source=story)
    return claim


@pytest.fixture
def story(db):
    return make_story()


def encode(value):
    """One value as a browser would post it; None for a value a browser leaves out."""
    if value is False:
        return None
    if value is True:
        return "on"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    return str(value)


def form_data(form) -> dict:
    """The current values of a form's fields, keyed by their HTML names."""
    data = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):  # the admin's split date and time
            parts = value if isinstance(value, list) else widget.decompress(value)
            for suffix, part in zip(widget.widgets_names, parts, strict=True):
                data[bound.html_name + suffix] = encode(part)
            continue
        encoded = encode(value)
        if encoded is not None:
            data[bound.html_name] = encoded
    return data


def change_page_data(response) -> dict:
    """POST data that saves a change page as it was shown: the main form and every
    inline formset, with its management form."""
    data = form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(form_data(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(form_data(form))
    if "change_reason" in data:  # required to change a published record (tests/test_workflow.py)
        data["change_reason"] = "Edited in a test."
    return data


def get_change_page(client, obj):
    response = client.get(admin_url(type(obj), "change", obj.pk))
    assert response.status_code == 200
    return response


def form_errors(response) -> list[str]:
    """Every error message on a re-displayed change page, main form and inlines."""
    messages = [str(e) for errors in response.context["adminform"].form.errors.values() for e in errors]
    for inline in response.context["inline_admin_formsets"]:
        messages += [str(e) for form in inline.formset.forms for errors in form.errors.values() for e in errors]
        messages += [str(e) for e in inline.formset.non_form_errors()]
    return messages


# The groups migration


# Models with no admin page of their own, and why.
UNREGISTERED = {
    DenialOtherKind: "edited inline on its denial's page",
    DenialRedirect: "written by the merge action, listed on the denial's page",
    CitationFigure: "edited inline on its citation's page",
    ClaimSearchDocument: "derived from the claim, its quotes and actors; never edited",
    DenialSearchDocument: "derived from the denial, its quotes and deniers; never edited",
    SourceSignatureBand: "intake's copy index, derived from the source's text; never edited",
    IntakeRequest: "staff's working rows of the intake page (Source admin); not public, no history, no counter",
}


def test_every_model_of_sources_and_claims_is_registered():
    models = {m for label in CURATED_APPS for m in global_apps.get_app_config(label).get_models()}
    assert models == set(CURATED_MODELS) | set(UNREGISTERED)
    assert len(models) == 21


@pytest.mark.django_db
def test_analyst_group_may_edit_everything_and_delete_only_inline_parts(analyst):
    for model in CURATED_MODELS:
        label, name = model._meta.app_label, model._meta.model_name
        for action in ("view", "add", "change"):
            assert analyst.has_perm(f"{label}.{action}_{name}"), f"{action} {name}"
    deletable = {
        model._meta.model_name
        for model in CURATED_MODELS
        if analyst.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}")
    }
    assert deletable == {
        "attribution",
        "quantity",
        "claimcitation",
        "denialcitation",
        "claimlink",
        "derivation",
        "actoralias",
    }
    assert not analyst.has_perm("claims.publish_claim")
    assert not analyst.has_perm("claims.publish_denial")
    # The further kinds of a denial, edited inline on its page (granted by 0009_group_permissions).
    assert all(analyst.has_perm(f"claims.{action}_denialotherkind") for action in ("add", "change", "delete"))


@pytest.mark.django_db
def test_editor_group_may_delete_everything_and_publish(editor):
    for model in CURATED_MODELS:
        assert editor.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}")
    assert editor.has_perm("claims.publish_claim")
    assert editor.has_perm("claims.publish_denial")


@pytest.mark.django_db
def test_groups_migration_can_run_again_and_be_reversed():
    migration = importlib.import_module("claims.migrations.0002_groups")
    state_apps = MigrationExecutor(connection).loader.project_state(("claims", "0002_groups")).apps
    schema_editor = SimpleNamespace(connection=connection)
    before = {g.name: g.permissions.count() for g in Group.objects.filter(name__in=["analyst", "editor"])}

    migration.create_groups(state_apps, schema_editor)

    after = {g.name: g.permissions.count() for g in Group.objects.filter(name__in=["analyst", "editor"])}
    assert after == before
    assert set(after) == {"analyst", "editor"}
    migration.delete_groups(state_apps, schema_editor)
    assert not Group.objects.filter(name__in=["analyst", "editor"]).exists()


# Every page loads and saves


@pytest.mark.django_db
@pytest.mark.parametrize("model", CURATED_MODELS, ids=model_id)
def test_changelist_loads_for_analyst(analyst_client, story, model):
    response = analyst_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.django_db
@pytest.mark.parametrize("model", CURATED_MODELS, ids=model_id)
def test_add_form_loads_for_analyst(analyst_client, story, model):
    response = analyst_client.get(admin_url(model, "add"))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", CURATED_MODELS, ids=model_id)
def test_change_form_loads_for_analyst(analyst_client, story, model):
    obj = model._default_manager.order_by("pk").first()

    response = analyst_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.instance == obj


@pytest.mark.django_db
@pytest.mark.parametrize("model", CURATED_MODELS, ids=model_id)
def test_change_form_saves_for_analyst(analyst, analyst_client, story, model):
    if not analyst.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}"):
        pytest.skip(f"analysts may not change {model._meta.verbose_name_plural}")
    obj = model._default_manager.order_by("pk").first()
    response = get_change_page(analyst_client, obj)
    data = change_page_data(response)
    field = next(name for name in EDITABLE_TEXT if name in response.context["adminform"].form.fields)
    data[field] = "Edited through the admin."

    response = analyst_client.post(admin_url(model, "change", obj.pk), data)

    assert response.status_code == 302, form_errors(response) if response.context else response
    obj.refresh_from_db()
    assert getattr(obj, field) == "Edited through the admin."


@pytest.mark.django_db
def test_claim_page_lists_the_denials_answering_it(analyst_client, story):
    denial = story.denials.get()

    response = get_change_page(analyst_client, story)

    assert admin_url(Denial, "change", denial.pk) in response.content.decode()


@pytest.mark.django_db
def test_claim_page_shows_its_relay_chain_in_position_order(analyst_client, story):
    response = get_change_page(analyst_client, story)

    chain = response.context["inline_admin_formsets"][0].formset
    assert chain.model is Attribution
    assert [form.instance.position for form in chain.initial_forms] == [1, 2]


@pytest.mark.django_db
def test_relay_chain_link_added_without_position_goes_last(analyst_client, story):
    response = get_change_page(analyst_client, story)
    data = change_page_data(response)
    data["attributions-2-actor"] = str(make_actor(name="Reporters").pk)
    data["attributions-2-role"] = "relay"

    response = analyst_client.post(admin_url(Claim, "change", story.pk), data)

    assert response.status_code == 302, form_errors(response)
    assert list(story.attributions.values_list("actor__name", "position")) == [
        ("National Intelligence Service", 1),
        ("Yoo Sang-bum", 2),
        ("Reporters", 3),
    ]


@pytest.mark.django_db
def test_denial_page_shows_the_claims_it_answers(analyst_client, story):
    denial = story.denials.get()

    response = get_change_page(analyst_client, denial)

    assert response.context["adminform"].form.initial["claims"] == [story]
    assert str(story) in response.content.decode()


@pytest.mark.django_db
def test_claim_subjects_autocomplete_finds_actor_by_alias(analyst_client):
    north_korea = make_actor(name="North Korea", kind="state")
    ActorAlias.objects.create(actor=north_korea, name="DPRK")
    query = {"app_label": "claims", "model_name": "claim", "field_name": "subjects", "term": "DPRK"}

    response = analyst_client.get(reverse("admin:autocomplete"), query)

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(north_korea.pk), "text": "North Korea — state"}]


# Publication


def post_state(client, obj, state):
    data = change_page_data(get_change_page(client, obj))
    data["state"] = state
    return client.post(admin_url(type(obj), "change", obj.pk), data)


@pytest.mark.django_db
def test_analyst_cannot_publish_a_claim(analyst_client):
    claim = make_claim(state=PublicationState.IN_REVIEW)

    response = post_state(analyst_client, claim, PublicationState.PUBLISHED)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["state"] == ["Only editors can publish."]
    claim.refresh_from_db()
    assert claim.state == PublicationState.IN_REVIEW


@pytest.mark.django_db
def test_analyst_cannot_take_a_published_claim_back(analyst_client):
    claim = make_claim(state=PublicationState.PUBLISHED)

    response = post_state(analyst_client, claim, PublicationState.DRAFT)

    assert response.status_code == 200
    assert "state" in response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED


@pytest.mark.django_db
def test_analyst_cannot_add_a_claim_already_published(analyst_client):
    data = {
        "proposition": "A new claim.",
        "slug": "a-new-claim",
        "certainty": "unclear",
        "status": "reported",
        "state": PublicationState.PUBLISHED,
    }
    for prefix in ("attributions", "quantities", "citations", "links_out"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}

    response = analyst_client.post(admin_url(Claim, "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["state"] == ["Only editors can publish."]
    assert not Claim.objects.filter(slug="a-new-claim").exists()


@pytest.mark.django_db
def test_analyst_can_send_a_draft_claim_to_review(analyst_client):
    claim = make_claim(state=PublicationState.DRAFT)

    response = post_state(analyst_client, claim, PublicationState.IN_REVIEW)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == PublicationState.IN_REVIEW


@pytest.mark.django_db
def test_editor_can_publish_a_claim(editor_client):
    claim = make_claim(state=PublicationState.IN_REVIEW)
    make_claim_citation(claim=claim)  # publishing needs a quoted source (tests/test_workflow.py)

    response = post_state(editor_client, claim, PublicationState.PUBLISHED)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED


@pytest.mark.django_db
def test_analyst_cannot_publish_a_denial(analyst_client):
    denial = make_denial(state=PublicationState.DRAFT)

    response = post_state(analyst_client, denial, PublicationState.PUBLISHED)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["state"] == ["Only editors can publish."]
    denial.refresh_from_db()
    assert denial.state == PublicationState.DRAFT


@pytest.mark.django_db
def test_editor_can_publish_a_denial(editor_client):
    denial = make_denial(state=PublicationState.DRAFT)
    make_denial_citation(denial=denial)

    response = post_state(editor_client, denial, PublicationState.PUBLISHED)

    assert response.status_code == 302
    denial.refresh_from_db()
    assert denial.state == PublicationState.PUBLISHED


# Readable errors instead of IntegrityError


@pytest.mark.django_db
def test_quantity_between_with_low_above_high_shows_an_error(analyst_client):
    quantity = make_quantity()
    data = change_page_data(get_change_page(analyst_client, quantity.claim))
    data |= {"quantities-0-comparator": "between", "quantities-0-low": "500", "quantities-0-high": "100"}

    response = analyst_client.post(admin_url(Claim, "change", quantity.claim_id), data)

    assert response.status_code == 200
    assert "The high figure is below the low one." in form_errors(response)
    quantity.refresh_from_db()
    assert (quantity.comparator, quantity.low) == ("more_than", Decimal(1_000_000))


@pytest.mark.django_db
def test_claim_linked_to_itself_shows_an_error(analyst_client):
    claim = make_claim()
    data = change_page_data(get_change_page(analyst_client, claim))
    data |= {"links_out-TOTAL_FORMS": "1", "links_out-0-kind": "same_as", "links_out-0-to_claim": str(claim.pk)}

    response = analyst_client.post(admin_url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    assert "A claim cannot be linked to itself." in form_errors(response)
    assert not claim.links_out.exists()


@pytest.mark.django_db
def test_one_actor_twice_at_one_position_of_the_chain_shows_an_error(analyst_client, story):
    data = change_page_data(get_change_page(analyst_client, story))
    data["attributions-1-position"] = "1"
    data["attributions-1-actor"] = data["attributions-0-actor"]

    response = analyst_client.post(admin_url(Claim, "change", story.pk), data)

    assert response.status_code == 200
    assert "This actor is already at this position of the chain." in form_errors(response)
    assert story.attributions.count() == 2


@pytest.mark.django_db
def test_co_originators_can_share_a_position(analyst_client, story):
    data = change_page_data(get_change_page(analyst_client, story))
    data["attributions-1-position"] = "1"
    data["attributions-1-role"] = "originator"

    response = analyst_client.post(admin_url(Claim, "change", story.pk), data)

    assert response.status_code == 302
    assert list(story.attributions.values_list("position", flat=True)) == [1, 1]


@pytest.mark.django_db
def test_source_with_a_url_differing_only_by_tracking_shows_duplicate_error(analyst_client):
    existing = make_source(url="https://apnews.com/article/north-korea-russia-shells")
    data = change_page_data(analyst_client.get(admin_url(Source, "add")))
    data |= {
        "outlet": str(existing.outlet_id),
        "title": "The same story, shared",
        "slug": "the-same-story-shared",
        "kind": "article",
        "url": "https://APNews.com/article/north-korea-russia-shells?utm_source=twitter#top",
        "language": "en",
    }

    response = analyst_client.post(admin_url(Source, "add"), data)

    assert response.status_code == 200
    assert "Another source already has this URL." in form_errors(response)
    assert Source.objects.count() == 1


# Search and query counts


@pytest.mark.django_db
def test_actor_changelist_search_finds_actor_by_alias(analyst_client):
    north_korea = make_actor(name="North Korea", kind="state")
    ActorAlias.objects.create(actor=north_korea, name="DPRK")
    make_actor(name="South Korea", kind="state")

    response = analyst_client.get(admin_url(north_korea, "changelist"), {"q": "DPRK"})

    assert list(response.context["cl"].result_list) == [north_korea]


@pytest.mark.django_db
def test_source_changelist_shows_outlet_and_effective_reliability(analyst_client):
    make_source(title="Graded by its outlet", outlet=make_outlet(reliability="B"))
    make_source(title="Graded on its own", outlet=make_outlet(reliability="B"), reliability_override="D")

    response = analyst_client.get(admin_url(Source, "changelist"), {"o": "5"})  # effective grade, ascending

    page = response.content.decode()
    assert '<td class="field-effective_reliability">B: usually reliable</td>' in page
    assert '<td class="field-effective_reliability">D: not usually reliable (this document)</td>' in page
    assert [s.title for s in response.context["cl"].result_list] == ["Graded by its outlet", "Graded on its own"]


@pytest.mark.django_db
def test_outlet_changelist_counts_sources(analyst_client):
    outlet = make_outlet()
    make_source(outlet=outlet)
    make_source(outlet=outlet)

    response = analyst_client.get(admin_url(outlet, "changelist"))

    assert [o.source_count for o in response.context["cl"].result_list] == [2]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_claim_changelist_queries_do_not_grow_with_rows(analyst_client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        make_story()
    url = admin_url(Claim, "changelist")

    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = analyst_client.get(url)

    assert response.context["cl"].result_count == Claim.objects.count() >= rows


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 30])
def test_source_changelist_queries_do_not_grow_with_rows(analyst_client, django_assert_max_num_queries, rows):
    for _ in range(rows):
        make_derivation()
    url = admin_url(Source, "changelist")

    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = analyst_client.get(url)

    assert response.context["cl"].result_count == Source.objects.count() >= rows


@pytest.mark.django_db
@pytest.mark.parametrize("model", CURATED_MODELS, ids=model_id)
def test_every_changelist_stays_within_the_query_bound(analyst_client, django_assert_max_num_queries, model):
    for _ in range(10):
        make_story()

    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = analyst_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200


# Reported dates in the admin: EDTF text, its words, the inferred box


@pytest.mark.django_db
def test_an_edtf_date_typed_in_the_admin_is_saved_with_its_bounds_and_words(analyst_client):
    claim = make_claim()
    data = change_page_data(get_change_page(analyst_client, claim))
    data |= {"made_edtf": "2022-06~", "made_as_worded": "since mid-2022", "change_reason": "Dated as worded."}

    response = analyst_client.post(admin_url(Claim, "change", claim.pk), data)

    assert response.status_code == 302, form_errors(response)
    claim.refresh_from_db()
    assert (claim.made_edtf, claim.made_earliest, claim.made_latest) == (
        "2022-06~",
        dt.date(2022, 5, 1),
        dt.date(2022, 7, 31),
    )
    assert str(claim.made) == "about June 2022"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"made_edtf": "mid-2022"}, "'mid-2022' is not an EDTF date"),
        ({"made_edtf": "", "made_inferred": "on"}, "Give the date (EDTF) you inferred"),
        (
            {"period_start_edtf": "2023-09", "period_end_edtf": "2023-08"},
            "The covered period must start before it ends.",
        ),
        ({"attributions-0-date_edtf": "last Friday"}, "'last Friday' is not an EDTF date"),
    ],
    ids=["not-edtf", "inferred-without-date", "period-out-of-order", "chain-step"],
)
def test_a_bad_date_in_the_admin_is_a_form_error_and_changes_nothing(analyst_client, values, error):
    claim = make_story()
    data = change_page_data(get_change_page(analyst_client, claim)) | values | {"change_reason": "Try."}

    response = analyst_client.post(admin_url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    assert any(message.startswith(error) for message in form_errors(response)), form_errors(response)
    claim.refresh_from_db()
    assert claim.made_edtf == "2023-11-01"
