"""The claim form an analyst can live in (issue 13, part 3): short key-word slugs made on
the server, a ranked autocomplete that says what each actor is, dates at their precision,
figures without trailing decimals, a relay chain that fits a 1,280 px screen and an
admin home in the order of work."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.contrib import admin
from django.db import connection, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.admin_fields import FigureField
from claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    Claim,
    Denial,
    DenialRedirect,
    Materiel,
    PublicationState,
    Quantity,
    Topic,
)
from operations.slugs import slug_for
from sources.models import Outlet, Source
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.factories import (
    make_actor,
    make_attribution,
    make_claim,
    make_denial,
    make_materiel,
    make_outlet,
    make_quantity,
    make_source,
    make_topic,
)
from tests.test_admin import CURATED_MODELS, admin_url, change_page_data, form_errors, get_change_page, model_id

PROPOSITION = (
    "NIS believes North Korea has shipped more than 13,000 containers of artillery shells to Russia since August."
)


def add_page_data(client, model) -> dict:
    response = client.get(admin_url(model, "add"))
    assert response.status_code == 200
    data = change_page_data(response)
    return {
        k: v for k, v in data.items() if v != "" or k not in {"subjects", "topics", "materiel", "deniers", "claims"}
    }


def claim_add_data(client, **values) -> dict:
    data = add_page_data(client, Claim)
    return data | {"proposition": PROPOSITION, "made_edtf": "2024-08", "state": PublicationState.DRAFT} | values


# 1. Slugs


@pytest.mark.django_db
def test_a_slug_is_the_key_words_cut_at_a_word_boundary():
    slug = slug_for(PROPOSITION, Claim.objects.all())

    assert slug == "nis-believes-north-korea-shipped-more-13000-containers"
    assert len(slug) <= 60


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The", "the"),  # only stop words: kept rather than nothing
        ("Russia did not receive 1.5 million shells", "russia-not-receive-1-5-million-shells"),
        ("북한", "claim"),  # no Latin letter: the fallback
        ("A" + "b" * 80, "a" + "b" * 59),  # one word longer than 60 characters is cut
    ],
    ids=["stop-words-only", "numbers-and-negation", "no-latin-letter", "one-long-word"],
)
def test_a_slug_keeps_names_numbers_and_negations(text, expected):
    assert slug_for(text, Claim.objects.all(), fallback="claim") == expected


@pytest.mark.django_db
def test_a_taken_slug_gets_the_next_free_number_within_60_characters():
    first = slug_for(PROPOSITION, Claim.objects.all())
    make_claim(slug=first)
    make_claim(slug=first + "-2")

    slug = slug_for(PROPOSITION, Claim.objects.all())

    assert slug == "nis-believes-north-korea-shipped-more-13000-containers-3"
    assert len(slug) <= 60


@pytest.mark.django_db
def test_a_slug_is_found_a_batch_of_candidates_a_query_whatever_the_slugs_alike(django_assert_num_queries):
    make_claim(slug="troops")
    for number in range(2, 56):
        make_claim(slug=f"troops-{number}")
    make_claim(slug="troops-sent")  # alike, not a candidate: never read

    with django_assert_num_queries(2):  # "troops" ... "troops-50", then "troops-51" ... "troops-100"
        assert slug_for("Troops", Claim.objects.all()) == "troops-56"


@pytest.mark.django_db
def test_a_slug_kept_as_a_redirect_is_taken():
    DenialRedirect.objects.create(slug="north-korea-denies", denial=make_denial())

    slug = slug_for("North Korea denies", Denial.objects.all(), also_taken=[DenialRedirect.objects.all()])

    assert slug == "north-korea-denies-2"


@pytest.mark.django_db
def test_no_curated_admin_uses_the_prepopulate_script(analyst):
    request = RequestFactory().get("/admin/")
    request.user = analyst

    used = {model_id(m): admin.site._registry[m].get_prepopulated_fields(request) for m in CURATED_MODELS}

    assert {label: fields for label, fields in used.items() if fields} == {}


@pytest.mark.django_db
def test_a_claim_added_without_a_slug_gets_its_key_words(analyst_client):
    response = analyst_client.post(admin_url(Claim, "add"), claim_add_data(analyst_client, slug=""))

    assert response.status_code == 302, form_errors(response)
    assert Claim.objects.get().slug == "nis-believes-north-korea-shipped-more-13000-containers"


@pytest.mark.django_db
def test_a_slug_typed_by_hand_is_kept_as_typed(analyst_client):
    response = analyst_client.post(admin_url(Claim, "add"), claim_add_data(analyst_client, slug="nk-containers"))

    assert response.status_code == 302, form_errors(response)
    assert Claim.objects.get().slug == "nk-containers"


@pytest.mark.django_db
def test_a_slug_typed_by_hand_that_is_taken_is_a_form_error(analyst_client):
    make_claim(slug="nk-containers")

    response = analyst_client.post(admin_url(Claim, "add"), claim_add_data(analyst_client, slug="nk-containers"))

    assert response.status_code == 200
    assert any("slug" in message.lower() for message in form_errors(response)), form_errors(response)


@pytest.mark.django_db
def test_a_second_claim_worded_alike_gets_a_numbered_slug(analyst_client):
    for _ in range(2):
        response = analyst_client.post(admin_url(Claim, "add"), claim_add_data(analyst_client, slug=""))
        assert response.status_code == 302, form_errors(response)

    assert sorted(Claim.objects.values_list("slug", flat=True)) == [
        "nis-believes-north-korea-shipped-more-13000-containers",
        "nis-believes-north-korea-shipped-more-13000-containers-2",
    ]


@pytest.mark.django_db
def test_editing_a_claim_keeps_its_slug_and_requires_one(analyst_client):
    claim = make_claim(slug="an-old-and-rather-long-slug-" + "x" * 100, proposition=PROPOSITION)
    data = change_page_data(get_change_page(analyst_client, claim)) | {"notes": "Edited.", "change_reason": "Test."}

    assert analyst_client.post(admin_url(Claim, "change", claim.pk), data).status_code == 302
    claim.refresh_from_db()
    assert claim.slug == "an-old-and-rather-long-slug-" + "x" * 100
    response = analyst_client.post(admin_url(Claim, "change", claim.pk), data | {"slug": ""})
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_denial_added_without_a_slug_gets_its_key_words(analyst_client):
    data = add_page_data(analyst_client, Denial) | {
        "statement": "North Korea's foreign ministry called the report of shell shipments a fabrication.",
        "kind": "dismissal",
        "claims": [str(make_claim().pk)],
        "deniers": [str(make_actor().pk)],
        "made_edtf": "2024-08",
        "state": PublicationState.DRAFT,
        "slug": "",
    }

    response = analyst_client.post(admin_url(Denial, "add"), data)

    assert response.status_code == 302, form_errors(response)
    assert Denial.objects.get().slug == "north-koreas-foreign-ministry-called-report-shell-shipments"


@pytest.mark.django_db
def test_a_source_added_without_a_slug_gets_the_key_words_of_its_long_title(analyst_client):
    outlet = make_outlet()
    title = "South Korea's spy agency says North Korea has sent more than a million artillery shells to Russia"
    data = add_page_data(analyst_client, Source) | {
        "outlet": outlet.pk,
        "title": title,
        "kind": "article",
        "url": "https://example.org/spy-agency",
        "slug": "",
    }

    response = analyst_client.post(admin_url(Source, "add"), data)

    assert response.status_code == 302, form_errors(response)
    slug = Source.objects.get(title=title).slug
    assert slug == "south-koreas-spy-agency-says-north-korea-sent-more-million"
    assert len(slug) <= 60


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "values", "expected"),
    [
        (Actor, {"name": "Ministry of National Defense", "kind": "government_body"}, "ministry-of-national-defense"),
        (Topic, {"name": "North Korean troops in Kursk"}, "north-korean-troops-in-kursk"),
        (Materiel, {"name": "KN-23 missile", "category": "ballistic_missile"}, "kn-23-missile"),
        (Outlet, {"name": "The Associated Press", "kind": "wire_agency"}, "the-associated-press"),
    ],
    ids=["actor", "topic", "materiel", "outlet"],
)
def test_a_named_record_added_without_a_slug_gets_its_whole_name(analyst_client, model, values, expected):
    data = add_page_data(analyst_client, model) | values | {"slug": ""}

    response = analyst_client.post(admin_url(model, "add"), data)

    assert response.status_code == 302, form_errors(response)
    assert model.objects.get(name=values["name"]).slug == expected


# 2. Autocomplete


def autocomplete(client, term, *, model_name="claim", field_name="subjects", **headers):
    query = {"app_label": "claims", "model_name": model_name, "field_name": field_name, "term": term}
    response = client.get(reverse("admin:autocomplete"), query, **headers)
    assert response.status_code == 200, response
    return [result["text"] for result in response.json()["results"]]


@pytest.fixture
def korea(db):
    south_korea = make_actor(name="South Korea", kind="state", country="KR")
    dia = make_actor(name="Defense Intelligence Agency", kind="agency", country="KR", parent=south_korea)
    ActorAlias.objects.create(actor=dia, name="South Korea's DIA")
    assembly = make_actor(name="National Assembly", kind="legislature", country="KR", parent=south_korea)
    ActorAlias.objects.create(actor=assembly, name="National Assembly of South Korea")
    make_actor(name="South Korean Navy", kind="military", country="KR", parent=south_korea)
    make_actor(name="National Intelligence Service", kind="agency", country="KR", parent=south_korea)
    return south_korea


@pytest.mark.django_db
def test_actor_autocomplete_ranks_exact_then_prefix_then_the_rest_and_says_what_each_is(analyst_client, korea):
    texts = autocomplete(analyst_client, "South Korea")

    assert texts[:2] == ["South Korea — state", "South Korean Navy — military, South Korea"]
    assert sorted(texts[2:]) == [
        "Defense Intelligence Agency — agency, South Korea",
        "National Assembly — legislature, South Korea",
    ]


@pytest.mark.django_db
def test_an_alias_named_exactly_ranks_its_actor_first(analyst_client, korea):
    ActorAlias.objects.create(actor=Actor.objects.get(name="National Intelligence Service"), name="NIS")
    make_actor(name="NISA Foundation", kind="other")

    assert autocomplete(analyst_client, "nis") == [
        "National Intelligence Service — agency, South Korea",
        "NISA Foundation — other",
    ]


@pytest.mark.django_db
def test_actor_autocomplete_costs_the_same_queries_for_more_results(analyst_client, korea, django_assert_num_queries):
    with CaptureQueriesContext(connection) as few:
        assert len(autocomplete(analyst_client, "Korea")) == 4
    for n in range(15):
        make_actor(name=f"Korea office {n}", kind="agency", parent=korea)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(autocomplete(analyst_client, "Korea")) == 19


@pytest.mark.django_db
def test_topic_and_materiel_autocomplete_rank_exact_and_prefix_first(analyst_client):
    make_topic(name="Shells for Russia", description="Artillery")
    make_topic(name="Artillery")
    make_topic(name="Artillery production")
    make_materiel(name="Shell casing", description="for artillery")
    make_materiel(name="Artillery")
    make_materiel(name="Artillery shell 152 mm")

    assert autocomplete(analyst_client, "artillery", field_name="topics") == [
        "Artillery",
        "Artillery production",
        "Shells for Russia",
    ]
    assert autocomplete(analyst_client, "artillery", field_name="materiel") == [
        "Artillery — artillery ammunition",
        "Artillery shell 152 mm — artillery ammunition",
        "Shell casing — artillery ammunition",
    ]


@pytest.mark.django_db
def test_a_parent_autocomplete_never_offers_the_record_being_edited(analyst_client, korea):
    referer = "http://testserver" + admin_url(Actor, "change", korea.pk)

    offered = autocomplete(analyst_client, "South Korea", model_name="actor", field_name="parent", HTTP_REFERER=referer)
    from_add_page = autocomplete(analyst_client, "South Korea", model_name="actor", field_name="parent")

    assert "South Korea — state" not in offered
    assert "South Korean Navy — military, South Korea" in offered
    assert from_add_page[0] == "South Korea — state"


@pytest.mark.django_db
def test_a_materiel_parent_autocomplete_never_offers_the_materiel_being_edited(analyst_client):
    shell = make_materiel(name="Artillery shell")
    referer = "http://testserver" + admin_url(Materiel, "change", shell.pk)

    assert autocomplete(analyst_client, "shell", model_name="materiel", field_name="parent", HTTP_REFERER=referer) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "referer",
    ["http://testserver/admin/claims/actor/99999999999999999999999/change/", "::not a url", "/admin/claims/actor/x/"],
)
def test_a_crafted_referer_changes_nothing(analyst_client, korea, referer):
    texts = autocomplete(analyst_client, "South Korea", model_name="actor", field_name="parent", HTTP_REFERER=referer)

    assert texts[0] == "South Korea — state"


# 3. Dates at their precision

DAY_SHOWN = re.compile(r"01/08/2024|1 Aug(ust)? 2024|Aug(ust|\.)? 1, 2024|2024-08-01")


@pytest.fixture
def month_dated(db):
    source = make_source(published="2024-08", retrieved_at=timezone.now())
    claim = make_claim(made="2024-08", period_start="2024-08", period_end="2024")
    make_attribution(claim=claim, actor=make_actor(), date="2024-08")
    make_quantity(claim=claim, as_of="2024-08", low=Decimal("13000"))
    denial = make_denial(claims=[claim], made="2024-08")
    return {
        Source: source,
        Claim: claim,
        Attribution: claim.attributions.get(),
        Quantity: claim.quantities.get(),
        Denial: denial,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Source, Claim, Attribution, Quantity, Denial], ids=model_id)
def test_a_month_date_shows_as_a_month_in_changelist_and_form(analyst_client, month_dated, model):
    obj = month_dated[model]

    changelist = analyst_client.get(admin_url(model, "changelist")).content.decode()
    form = get_change_page(analyst_client, obj).content.decode()

    assert "August 2024" in changelist
    assert 'value="2024-08"' in form
    for page in (changelist, form):
        assert not DAY_SHOWN.search(page), DAY_SHOWN.search(page)


# 4. Figures


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("13000", Decimal("13000")),
        ("13,000", Decimal("13000")),
        ("1,000,000", Decimal("1000000")),
        ("13 000", Decimal("13000")),
        ("1.5", Decimal("1.5")),
        (" 2,500.25 ", Decimal("2500.25")),
    ],
)
def test_a_figure_is_read_with_or_without_thousand_separators(typed, value):
    assert FigureField(max_digits=20, decimal_places=2).clean(typed) == value


@pytest.mark.parametrize("typed", ["1,5", "13,00", "1,5000", "13.000,00", "a lot"])
def test_an_ambiguous_or_wordy_figure_is_a_form_error(typed):
    with pytest.raises(forms.ValidationError):
        FigureField(max_digits=20, decimal_places=2).clean(typed)


@pytest.mark.parametrize(
    ("stored", "shown"), [(Decimal("13000.00"), "13000"), (Decimal("1.50"), "1.5"), (Decimal("0.25"), "0.25")]
)
def test_a_figure_shows_without_trailing_decimals(stored, shown):
    field = FigureField(max_digits=20, decimal_places=2)

    assert f'value="{shown}"' in field.widget.render("low", field.prepare_value(stored))


@pytest.mark.django_db
def test_the_claim_form_shows_and_takes_figures_as_typed(analyst_client):
    quantity = make_quantity(low=Decimal("13000"), high=None, comparator="more_than")
    claim = quantity.claim
    response = get_change_page(analyst_client, claim)
    page = response.content.decode()
    assert 'name="quantities-0-low" value="13000"' in page
    assert "13000.00" not in page and "13000,00" not in page

    data = change_page_data(response) | {"quantities-0-low": "13,500", "change_reason": "Figure."}
    response = analyst_client.post(admin_url(Claim, "change", claim.pk), data)

    assert response.status_code == 302, form_errors(response)
    quantity.refresh_from_db()
    assert quantity.low == Decimal("13500")
    changelist = analyst_client.get(admin_url(Quantity, "changelist")).content.decode()
    assert "more than 13,500 artillery shells" in changelist
    assert "13,500.00" not in changelist


@pytest.mark.django_db
def test_an_unchanged_figure_is_not_a_change(analyst_client):
    quantity = make_quantity(low=Decimal("1.5"), comparator="exact")
    response = get_change_page(analyst_client, quantity)

    form = response.context["adminform"].form
    bound = form.__class__(data=change_page_data(response), instance=quantity)

    assert bound.is_valid(), bound.errors
    assert "low" not in bound.changed_data


# 6. The admin home in the order of work


@pytest.mark.django_db
def test_the_admin_home_lists_the_curation_steps_in_order(analyst_client):
    response = analyst_client.get(reverse("admin:index"))

    groups = [(app["name"], [m["object_name"] for m in app["models"]]) for app in response.context["app_list"]]
    assert groups[:6] == [
        ("1. Outlets", ["Outlet"]),
        ("2. Sources", ["Source", "SourceIntake"]),  # and "Add from a page, file or text"
        ("3. Claims", ["Claim"]),
        ("4. Denials", ["Denial"]),
        ("Reference: who and what claims are about", ["Actor", "ActorAlias", "Topic", "Materiel"]),
        (
            "Details: the parts of claims, denials and sources",
            ["Attribution", "Quantity", "ClaimCitation", "ClaimLink", "DenialCitation", "Derivation"],
        ),
    ]
    page = response.content.decode()
    assert page.index("1. Outlets") < page.index("2. Sources") < page.index("3. Claims") < page.index("4. Denials")
    link = f'<a href="{reverse("admin:sources_source_intake")}" class="addlink">Add from a page, file or text</a>'
    assert link in page


@pytest.mark.django_db
def test_an_apps_own_page_still_lists_its_models(analyst_client):
    response = analyst_client.get(reverse("admin:app_list", args=["claims"]))

    assert response.status_code == 200
    [app] = response.context["app_list"]
    assert app["app_label"] == "claims"
    assert {"Claim", "Denial", "Actor", "Quantity"} <= {m["object_name"] for m in app["models"]}


@pytest.mark.django_db
def test_the_admin_home_shows_a_user_only_what_they_may_see(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert response.context["app_list"] == []


# 5. The relay chain within a 1,280 px screen

sync_api = pytest.importorskip("playwright.sync_api") if Path(CHROMIUM).exists() else None


@pytest.fixture
def admin_browser(live_server, transactional_db, monkeypatch, django_user_model):
    if sync_api is None:
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    django_user_model.objects.create_superuser("lead", password="pw-for-the-browser-test")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("#id_username", "lead")
        page.fill("#id_password", "pw-for-the-browser-test")
        page.click("input[type=submit]")
        yield page, live_server.url, errors
        # The test's ORM calls ran while Playwright's event loop ran in this thread, on
        # connections of that context: closed in it, or PostgreSQL cannot drop the test
        # database at the end ("being accessed by other users").
        connections.close_all()
        browser.close()


def test_the_relay_chain_fits_a_1280_px_screen(admin_browser):
    page, base, errors = admin_browser
    claim = make_claim(made="2024-08")
    make_attribution(claim=claim, actor=make_actor(name="National Intelligence Service"), channel="briefing")

    page.goto(base + admin_url(Claim, "change", claim.pk))

    table = page.locator("#attributions-group table")
    sync_api.expect(table).to_be_visible()
    box = table.bounding_box()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 1280, box
    assert width <= 1280, width
    Path("test-artifacts").mkdir(exist_ok=True)
    table.screenshot(path="test-artifacts/claim-form-relay-chain-1280.png")
    assert errors == [], errors
