"""Quote to claim (issue 13, part 2): on a source's stored text the analyst selects a
passage and makes it a new claim, a citation of an existing claim or a new denial
(claims/quote_admin.py, claims/quoting.py). The no-JS flow is driven here through the
test client, submitting the forms as the page fills them; the selection itself in a
real browser at the end."""

import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import (
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    Denial,
    DenialCitation,
    PublicationState,
    Quantity,
)
from claims.quoting import find_passage, passage_context
from history.models import Revision
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.factories import (
    make_actor,
    make_claim,
    make_claim_citation,
    make_denial,
    make_denial_citation,
    make_outlet,
    make_source,
    make_topic,
)

TEXT = (
    "SEOUL, South Korea (AP) — South Korea's spy agency said Wednesday that North Korea has moved "
    "weapons to Russia.\n\n"
    "North Korea has likely shipped more than a million artillery shells to Russia, the National "
    "Intelligence Service told lawmakers in a closed-door briefing, according to Yoo Sang-bum.\n\n"
    "Pyongyang and Moscow dismissed the accusations as \u201cbaseless rumours\u201d on Thursday.\n\n"
    "Officials <script>alert(1)</script> declined to comment."
)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CLAIM_PASSAGE = "North Korea has likely shipped more than a million artillery shells to Russia"
DENIAL_PASSAGE = "Pyongyang and Moscow dismissed the accusations as \u201cbaseless rumours\u201d"


def quote_url(source, **query):
    url = reverse("admin:claims_claim_quote", args=[source.pk])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


@pytest.fixture
def world(db):
    outlet = make_outlet(name="Associated Press", slug="ap", domain="apnews.com")
    source = make_source(outlet=outlet, title="North Korea sent a million shells", text=TEXT, published="2023-11-01")
    nis = make_actor(name="National Intelligence Service", slug="nis", kind="agency")
    nis.aliases.create(name="NIS")
    yoo = make_actor(name="Yoo Sang-bum", slug="yoo-sang-bum", kind="person")
    north_korea = make_actor(name="North Korea", slug="north-korea", kind="state")
    topic = make_topic(name="North Korean munitions for Russia", slug="munitions")
    return {"source": source, "nis": nis, "yoo": yoo, "north_korea": north_korea, "topic": topic}


class FormReader(HTMLParser):
    """The fields of one <form> as a browser would send them (no button): text and hidden
    inputs, ticked checkboxes, textareas and the selected option of each select."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self.textarea = self.select = None
        self.first_option = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[name] = "on"
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = name
            self.data[name] = ""
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select:
            self.first_option.setdefault(self.select, attrs.get("value", ""))
            if "selected" in attrs:
                self.data[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select:
            self.data.setdefault(self.select, self.first_option.get(self.select, ""))
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data.removeprefix("\n") if not self.data[self.textarea] else data


def form_data(response, form_id="quote-form") -> dict:
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no form #{form_id} on the page"
    return reader.data


def step_two(client, source, passage) -> dict:
    response = client.get(quote_url(source, quote=passage))
    assert response.status_code == 200
    return form_data(response)


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Claim, Attribution, Quantity, ClaimCitation, CitationFigure, Denial, DenialCitation, Revision)
    }


# --- finding the passage ---------------------------------------------------------------------


def test_a_passage_is_found_as_written_with_word_trimmed_context():
    passage = find_passage(TEXT, CLAIM_PASSAGE)
    assert passage.exact
    assert TEXT[passage.start : passage.end] == CLAIM_PASSAGE == passage.quote
    assert passage.prefix == ""  # the paragraph begins with it
    assert passage.suffix == ", the National Intelligence Service told"
    middle = find_passage(TEXT, "told lawmakers")
    assert middle.prefix == "the National Intelligence Service "  # "Russia," would pass 40 characters
    assert middle.suffix == " in a closed-door briefing, according to"
    assert TEXT[: middle.start].endswith(middle.prefix)
    assert TEXT[middle.end :].startswith(middle.suffix)


def test_a_passage_is_found_with_other_spacing_quote_marks_and_case():
    passage = find_passage(TEXT, '  dismissed the accusations\n as "Baseless rumours"')
    assert passage is not None and not passage.exact
    assert passage.quote == "dismissed the accusations as \u201cbaseless rumours\u201d"
    assert passage.prefix == "Pyongyang and Moscow "
    assert passage.suffix == " on Thursday."


def test_a_passage_not_in_the_text_is_not_found():
    assert find_passage(TEXT, "South Korea shipped shells") is None
    assert find_passage("", "anything") is None
    assert find_passage(TEXT, "   ") is None


def test_context_stops_at_a_paragraph_break():
    text = "First paragraph ends here.\n\nSecond begins with the quote and goes on."
    start = text.index("the quote")
    assert passage_context(text, start, start + len("the quote")) == ("Second begins with ", " and goes on.")
    assert passage_context("one two three", 8, 13, chars=6) == ("two ", "")


@pytest.mark.django_db
def test_new_slugs_are_the_key_words_and_never_taken(analyst_client, world):
    """Slugs come from operations/slugs.py, as in the admin: at most 60 characters of the
    proposition's key words; "-2" when taken."""
    proposition = (
        "The National Intelligence Service believes that North Korea has shipped more than a million "
        "artillery shells to Russia since August in about ten shipments by sea"
    )
    data = step_two(analyst_client, world["source"], CLAIM_PASSAGE)
    data.update({"action": "claim", "claim-proposition": proposition})
    for _ in range(2):
        assert analyst_client.post(quote_url(world["source"]), data).status_code == 302
    first, second = Claim.objects.order_by("pk").values_list("slug", flat=True)
    assert len(first) <= 60 and first.startswith("national-intelligence-service-believes-north-korea")
    assert second.endswith("-2") and len(second) <= 60


# --- the page ----------------------------------------------------------------------------------


def test_the_page_shows_the_source_its_text_and_the_passage_form(analyst_client, world):
    response = analyst_client.get(quote_url(world["source"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "North Korea sent a million shells" in html
    assert "Associated Press" in html and "1 November 2023" in html
    assert world["source"].get_absolute_url() in html
    assert '<div id="snapshot"' in html
    assert html.count("<p>", html.index('id="snapshot"'), html.index("</div>", html.index('id="snapshot"'))) == 4
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert 'name="quote"' in html and "Use this passage" in html
    assert '<form method="get" id="passage-form"' in html
    assert "js/quote.js" in html
    assert "<script>" not in html  # no inline script: the CSP is not relaxed
    assert "saved as <strong>drafts</strong>" in html
    assert "No claim or denial cites this source yet." in html
    assert 'id="quote-form"' not in html  # no step 2 before a passage


def test_step_two_fills_the_prefix_and_suffix_and_offers_three_saves(analyst_client, world):
    response = analyst_client.get(quote_url(world["source"], quote="told lawmakers"))

    assert response.status_code == 200
    data = form_data(response)
    assert data["quote"] == "told lawmakers"
    assert data["quote_prefix"] == "the National Intelligence Service "
    assert data["quote_suffix"] == " in a closed-door briefing, according to"
    assert data["claim-made_edtf"] == "2023-11-01"  # the source's date when the passage gives none
    html = response.content.decode()
    for button in ("Save claim", "Save citation", "Save denial"):
        assert button in html
    for label in ("Proposition", "Made on", "Certainty", "Hedge", "Topics", "Claim", "Statement", "Deniers"):
        assert f">{label}</label>" in html, label
    assert ">Answers claims</label>" in html and ">Kind</label>" in html
    assert html.count("<legend>") >= 6
    assert 'aria-label="Actor, row 1"' in html


def test_step_two_is_prefilled_from_the_suggestions(analyst_client, world):
    passage = (
        CLAIM_PASSAGE + ", the National Intelligence Service told lawmakers in a closed-door briefing, according to Yoo"
    )
    data = step_two(analyst_client, world["source"], passage)

    chain = [(data[f"chain-{i}-actor"], data[f"chain-{i}-role"], data.get(f"chain-{i}-include")) for i in range(3)]
    # The NIS "told" it: the chain, ticked; North Korea is only talked about: offered, unticked.
    assert chain == [("nis", "originator", "on"), ("north-korea", "relay", None), ("", "relay", "on")]
    assert data["chain-TOTAL_FORMS"] == "4"  # the actors found, and two empty rows
    assert (data["figures-0-as_worded"], data["figures-0-item"], data["figures-0-comparator"]) == (
        "more than a million",
        "artillery shells",
        "more_than",
    )
    assert data["figures-0-low"] == "1000000"
    assert data["figures-0-include"] == "on"
    assert (data["claim-certainty"], data["claim-hedge"]) == ("probable", "likely")
    assert data["denial-deniers"] == "nis"  # who speaks, not who is talked about
    assert data["claim-proposition"] == ""  # the analyst words it


def test_a_relative_date_is_worked_out_from_the_source_date(analyst_client, world):
    data = step_two(analyst_client, world["source"], DENIAL_PASSAGE + " on Thursday")

    assert data["claim-made_edtf"] == data["denial-made_edtf"] == "2023-10-26"  # the Thursday before 1 November
    assert data["denial-made_as_worded"] == "on Thursday" or "Thursday" in data["denial-made_as_worded"]
    assert data["denial-made_inferred"] == "on"


def test_a_passage_not_in_the_text_is_a_form_error(analyst_client, world):
    response = analyst_client.get(quote_url(world["source"], quote="South Korea shipped shells"))

    assert response.status_code == 200
    assert "This passage is not in the source" in response.content.decode()
    assert response.context["passage_form"].errors["quote"]
    assert 'id="quote-form"' not in response.content.decode()


def test_a_source_without_text_says_so(analyst_client, world):
    source = make_source(text="")
    response = analyst_client.get(quote_url(source, quote="anything"))
    assert response.status_code == 200
    assert "This source has no stored text" in response.content.decode()


def test_the_page_lists_what_already_cites_the_source(analyst_client, world):
    claim = make_claim(slug="shells", proposition="North Korea shipped shells.")
    make_claim_citation(claim=claim, source=world["source"], quote=CLAIM_PASSAGE)
    denial = make_denial(statement="Pyongyang denied it.")
    make_denial_citation(denial=denial, source=world["source"], quote=DENIAL_PASSAGE)

    html = analyst_client.get(quote_url(world["source"])).content.decode()

    assert reverse("admin:claims_claim_change", args=[claim.pk]) in html
    assert reverse("admin:claims_denial_change", args=[denial.pk]) in html
    assert "North Korea shipped shells." in html and "Pyongyang denied it." in html


# --- saving ------------------------------------------------------------------------------------


def test_saving_a_new_claim_writes_it_with_chain_figures_and_citation_in_one_revision(analyst_client, world):
    source = world["source"]
    data = step_two(analyst_client, source, CLAIM_PASSAGE)
    data.update(
        {
            "action": "claim",
            "claim-proposition": "The NIS believes North Korea has shipped more than a million artillery shells "
            "to Russia, as it told lawmakers in a closed-door briefing relayed by Yoo Sang-bum",
            "claim-certainty": "probable",
            "claim-hedge": "likely",
            "claim-topics": "munitions",
            "chain-0-include": "on",
            "chain-0-actor": "NIS",
            "chain-0-role": "originator",
            "chain-0-channel": "closed-door briefing",
            "chain-1-actor": "yoo-sang-bum",
            "chain-1-role": "relay",
            "figures-0-include": "on",
            "figures-0-as_worded": "more than a million",
            "figures-0-comparator": "more_than",
            "figures-0-low": "1,000,000",  # as an analyst types it (FigureField)
            "figures-0-item": "artillery shells",
        }
    )
    data.pop("figures-1-include", None)
    before = counts()

    response = analyst_client.post(quote_url(source), data)

    assert response.status_code == 302, response.context and response.context["step2"]
    assert response.url == quote_url(source)
    claim = Claim.objects.get()
    assert claim.state == PublicationState.DRAFT
    assert len(claim.slug) <= 60 and claim.slug.startswith("nis-believes-north-korea")
    assert (claim.made_edtf, claim.certainty, claim.hedge) == ("2023-11-01", "probable", "likely")
    assert [(a.position, a.actor.slug, a.role, a.channel) for a in claim.attributions.order_by("position")] == [
        (1, "nis", "originator", "closed-door briefing"),
        (2, "yoo-sang-bum", "relay", ""),
    ]
    quantity = claim.quantities.get()
    assert (quantity.comparator, quantity.low, quantity.item) == ("more_than", 1_000_000, "artillery shells")
    citation = claim.citations.get()
    assert (citation.source, citation.quote, citation.quote_suffix) == (
        source,
        CLAIM_PASSAGE,
        ", the National Intelligence Service told",
    )
    assert citation.quote_found is True
    assert citation.figures.get().as_worded == "more than a million"
    assert citation.figures.get().quantity == quantity
    assert list(claim.topics.all()) == [world["topic"]]
    after = counts()
    assert after["Revision"] == before["Revision"] + 1
    revision = Revision.objects.latest("pk")
    assert revision.user.username == "analyst" and "North Korea sent a million shells" in revision.reason
    page = analyst_client.get(response.url)
    html = page.content.decode()
    assert "Saved the draft claim" in html
    assert reverse("admin:claims_claim_change", args=[claim.pk]) in html


def test_citing_an_existing_claim_by_slug_or_words(analyst_client, world):
    source = world["source"]
    claim = make_claim(slug="million-shells", proposition="North Korea shipped a million shells to Russia.")
    make_claim_citation(claim=claim, source=make_source(), quote="other words")
    data = step_two(analyst_client, source, CLAIM_PASSAGE)
    data.update({"action": "cite", "cite-claim": "million-shells"})
    before = counts()

    response = analyst_client.post(quote_url(source), data)

    assert response.status_code == 302
    citation = claim.citations.get(source=source)
    assert (citation.position, citation.quote, citation.quote_prefix) == (2, CLAIM_PASSAGE, "")
    assert counts()["Revision"] == before["Revision"] + 1
    assert counts()["Claim"] == before["Claim"]

    other = make_claim(slug="drones", proposition="Russia sent drones to Pyongyang.")
    data = step_two(analyst_client, source, "told lawmakers")
    data.update({"action": "cite", "cite-claim": "drones to Pyongyang"})
    assert analyst_client.post(quote_url(source), data).status_code == 302
    assert other.citations.get().quote == "told lawmakers"


def test_saving_a_new_denial_answering_claims(analyst_client, world):
    source = world["source"]
    claim = make_claim(slug="million-shells")
    make_claim(slug="drones")
    data = step_two(analyst_client, source, DENIAL_PASSAGE)
    data.update(
        {
            "action": "denial",
            "denial-statement": "North Korea and Russia dismissed the accusations as baseless rumours.",
            "denial-deniers": "north-korea, National Intelligence Service",
            "denial-claims": "million-shells\ndrones",
            "denial-kind": "dismissal",
            "denial-made_edtf": "2023-11-02",
        }
    )
    before = counts()

    response = analyst_client.post(quote_url(source), data)

    assert response.status_code == 302
    denial = Denial.objects.get()
    assert denial.state == PublicationState.DRAFT and len(denial.slug) <= 60
    assert sorted(a.slug for a in denial.deniers.all()) == ["nis", "north-korea"]
    assert sorted(c.slug for c in denial.claims.all()) == ["drones", "million-shells"]
    assert denial.made_edtf == "2023-11-02"
    citation = denial.citations.get()
    assert (citation.source, citation.quote, citation.quote_found) == (source, DENIAL_PASSAGE, True)
    assert counts()["Revision"] == before["Revision"] + 1
    assert claim.denials.get() == denial
    assert "Saved the draft denial" in analyst_client.get(response.url).content.decode()


# --- refusals ----------------------------------------------------------------------------------


def claim_data(client, world, **changes):
    data = step_two(client, world["source"], CLAIM_PASSAGE)
    data.update(
        {
            "action": "claim",
            "claim-proposition": "North Korea shipped shells.",
            "chain-0-include": "on",
            "chain-0-actor": "nis",
        }
    )
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"claim-made_edtf": "last Tuesday"}, "made_edtf", ""),
        ({"claim-proposition": ""}, "proposition", "required"),
        ({"chain-0-actor": "nobody-at-all"}, None, "No actor has the slug, name or alias"),
        ({"claim-topics": "no-such-topic"}, "topics", "No topic has the slug or name"),
        # refused by the model's full_clean(), after the claim itself was validated:
        # the claim row written in the transaction is rolled back with the rest
        (
            {
                "figures-0-include": "on",
                "figures-0-comparator": "between",
                "figures-0-low": "5",
                "figures-0-item": "shells",
            },
            None,
            "'Between' needs a low and a high figure.",
        ),
        ({"stance": "misreports", "note": ""}, None, "Say in the note what the source got wrong."),
        ({"quote": "words not in the text at all"}, None, "This passage is not in the source"),
    ],
)
def test_invalid_input_is_a_form_error_and_writes_nothing(analyst_client, world, changes, field, message):
    data = claim_data(analyst_client, world, **changes)
    before = counts()

    response = analyst_client.post(quote_url(world["source"]), data)

    assert response.status_code == 200
    assert counts() == before
    html = response.content.decode().replace("&#x27;", "'")
    assert "Nothing was saved." in html
    if field:
        assert response.context["step2"]["claim"].errors[field]
    if message:
        assert message in html


def test_an_unknown_claim_is_a_form_error(analyst_client, world):
    source = world["source"]
    make_claim(slug="one", proposition="Shells were shipped by sea.")
    make_claim(slug="two", proposition="Shells were shipped by rail.")
    before = counts()
    for term, message in (
        ("no-such-claim", "No claim has the slug"),
        ("Shells were shipped", "These words find several claims"),
    ):
        data = step_two(analyst_client, source, CLAIM_PASSAGE)
        data.update({"action": "cite", "cite-claim": term})
        response = analyst_client.post(quote_url(source), data)
        assert response.status_code == 200
        assert message in response.content.decode()
    data = step_two(analyst_client, source, DENIAL_PASSAGE)
    data.update(
        {
            "action": "denial",
            "denial-statement": "Denied.",
            "denial-deniers": "north-korea",
            "denial-claims": "one, no-such-claim",
            "denial-kind": "dismissal",
        }
    )
    response = analyst_client.post(quote_url(source), data)
    assert response.status_code == 200
    assert "No claim has the slug “no-such-claim”" in response.content.decode()
    assert counts() == before


def test_citing_the_same_passage_twice_is_refused(analyst_client, world):
    source = world["source"]
    claim = make_claim(slug="million-shells")
    make_claim_citation(claim=claim, source=source, quote=CLAIM_PASSAGE)
    data = step_two(analyst_client, source, CLAIM_PASSAGE)
    data.update({"action": "cite", "cite-claim": "million-shells"})
    before = counts()
    response = analyst_client.post(quote_url(source), data)
    assert response.status_code == 200
    assert "already cites this passage" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    "tampered",
    [
        {"chain-TOTAL_FORMS": "1000"},
        {"chain-TOTAL_FORMS": "x"},
        {"figures-TOTAL_FORMS": None},
        {"quote": None},
        {"claim-certainty": "sure"},
        {"figures-0-low": "1e400"},
    ],
)
def test_a_tampered_post_is_a_form_error_not_a_crash(analyst_client, world, tampered):
    data = claim_data(analyst_client, world)
    for name, value in tampered.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    before = counts()
    response = analyst_client.post(quote_url(world["source"]), data)
    assert response.status_code == 200
    assert counts() == before


def test_an_unknown_action_saves_nothing(analyst_client, world):
    data = claim_data(analyst_client, world, action="delete")
    before = counts()
    response = analyst_client.post(quote_url(world["source"]), data)
    assert response.status_code == 302
    assert counts() == before


# --- who may ------------------------------------------------------------------------------------


def test_only_staff_who_may_add_claims_see_the_page(client, django_user_model, world):
    url = quote_url(world["source"])
    assert client.get(url).status_code == 302  # to the login page
    assert "/login/" in client.get(url).url

    clerk = django_user_model.objects.create_user("clerk", password="unused-password", is_staff=True)
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "claim"}).status_code == 403

    reader = django_user_model.objects.create_user("reader", password="unused-password")
    client.force_login(reader)
    assert client.get(url).status_code == 302


def test_each_save_needs_its_own_permission(client, django_user_model, world):
    user = django_user_model.objects.create_user("claims-only", password="unused-password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_claim"))
    client.force_login(user)
    source = world["source"]
    data = step_two(client, source, DENIAL_PASSAGE)
    html = client.get(quote_url(source, quote=DENIAL_PASSAGE)).content.decode()
    assert "Save claim" in html and "Save denial" not in html and "Save citation" not in html
    data.update({"action": "denial", "denial-statement": "Denied.", "denial-deniers": "north-korea"})
    data.update({"denial-kind": "dismissal"})
    assert client.post(quote_url(source), data).status_code == 403
    assert not Denial.objects.exists()


def test_an_unknown_source_is_404(analyst_client, world):
    for pk in (999_999, 10**20):
        assert analyst_client.get(reverse("admin:claims_claim_quote", args=[pk])).status_code == 404


# --- queries -------------------------------------------------------------------------------------


def test_the_page_reads_a_constant_number_of_queries(analyst_client, world):
    source = world["source"]

    def measure(query=None):
        with CaptureQueriesContext(connection) as queries:
            response = analyst_client.get(quote_url(source, **({"quote": query} if query else {})))
        assert response.status_code == 200
        return len(queries)

    def cite(n):
        for _ in range(n):
            make_claim_citation(claim=make_claim(), source=source, quote=CLAIM_PASSAGE)
            make_denial_citation(denial=make_denial(), source=source, quote=DENIAL_PASSAGE)

    cite(1)
    few = (measure(), measure(CLAIM_PASSAGE))
    cite(6)
    assert (measure(), measure(CLAIM_PASSAGE)) == few


# --- in a browser ---------------------------------------------------------------------------------


@pytest.fixture
def browser(live_server, groups, django_user_model, monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.factories import make_user

    user = make_user(django_user_model, "analyst", "analyst")
    user.set_password("a-password-for-the-test")
    user.save()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors = []
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(live_server.url + reverse("admin:login"))
        page.get_by_label("Username").fill("analyst")
        page.get_by_label("Password").fill("a-password-for-the-test")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")
        yield page, live_server.url, errors, sync_api
        # The test's ORM calls ran while Playwright's event loop ran in this thread, on
        # connections of that context: closed in it, or PostgreSQL cannot drop the test
        # database at the end ("being accessed by other users").
        connections.close_all()
        chromium.close()


def select_in_snapshot(page, words: str):
    """Select the words in #snapshot as a mouse would, and let go of the button."""
    page.evaluate(
        """(words) => {
            const snapshot = document.getElementById("snapshot");
            const walker = document.createTreeWalker(snapshot, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf(words);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(node, at);
                    range.setEnd(node, at + words.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    snapshot.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
                    return;
                }
            }
            throw new Error("not in the snapshot: " + words);
        }""",
        words,
    )


@pytest.mark.skipif(os.environ.get("SKIP_BROWSER") == "1", reason="SKIP_BROWSER=1")
def test_selecting_a_passage_in_a_browser_makes_a_claim(browser):
    page, base, errors, sync_api = browser
    outlet = make_outlet(name="Associated Press", slug="ap", domain="apnews.com")
    source = make_source(outlet=outlet, title="North Korea sent a million shells", text=TEXT, published="2023-11-01")
    nis = make_actor(name="National Intelligence Service", slug="nis", kind="agency")

    passage = CLAIM_PASSAGE + ", the National Intelligence Service told lawmakers"
    page.goto(base + quote_url(source))
    select_in_snapshot(page, passage)

    page.wait_for_url("**quote=*")
    sync_api.expect(page.get_by_label("Prefix")).to_have_value("")
    sync_api.expect(page.get_by_label("Suffix")).to_have_value(" in a closed-door briefing, according to")
    sync_api.expect(page.locator("#quote-form mark")).to_have_text(passage)
    sync_api.expect(page.get_by_label("Actor, row 1")).to_have_value("nis")
    sync_api.expect(page.get_by_label("As worded, row 1")).to_have_value("more than a million")
    sync_api.expect(page.get_by_label("Certainty")).to_have_value("probable")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "quote-to-claim.png", full_page=True)
    page.get_by_label("Proposition").fill("The NIS says North Korea has likely shipped more than a million shells.")
    page.get_by_role("button", name="Save claim").click()

    page.wait_for_url(base + quote_url(source))
    sync_api.expect(page.locator(".messagelist")).to_contain_text("Saved the draft claim")
    claim = Claim.objects.get()
    assert (claim.attributions.get().actor, claim.certainty, claim.hedge) == (nis, "probable", "likely")
    citation = claim.citations.get()
    assert (citation.source_id, citation.quote) == (source.pk, passage)
    assert citation.figures.get().quantity.low == 1_000_000
    assert errors == [], errors


def test_made_on_is_the_passage_s_day_else_the_last_claim_quoted_else_the_source_s(analyst_client, world):
    """ "Made on" dates the saying: a day the passage names ("on Thursday"), never the
    period claimed ("since October"); without one, the date of the claim last quoted from
    this source (claims from one briefing share it); without that, the source's date."""
    source = world["source"]
    sentence = CLAIM_PASSAGE + ", the National Intelligence Service told lawmakers"
    data = step_two(analyst_client, source, sentence)
    assert (data["claim-made_edtf"], data.get("claim-made_as_worded", "")) == ("2023-11-01", "")

    earlier = make_claim(made="2023-10-31", made_as_worded="on Tuesday", made_inferred=True)
    make_claim_citation(claim=earlier, source=source, quote=sentence)
    data = step_two(analyst_client, source, sentence)
    assert (data["claim-made_edtf"], data["claim-made_as_worded"], data["claim-made_inferred"]) == (
        "2023-10-31",
        "on Tuesday",
        "on",
    )
    # A denial is its own statement: it does not take a claim's date.
    assert data["denial-made_edtf"] == "2023-11-01"

    data = step_two(analyst_client, source, DENIAL_PASSAGE + " on Thursday")
    assert (data["claim-made_edtf"], data["claim-made_as_worded"]) == ("2023-10-26", "on Thursday")
    assert data["denial-kind"] == "dismissal"  # "baseless rumours"
