"""The demo data set (claims/data/seed_story.yaml) curates every claim, denial, actor and
source of the two seed documents, with exact quotes, and loads twice without duplicates."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    Denial,
    DenialCitation,
)
from sources.models import Derivation, Outlet, Source
from sources.reported_dates import relative
from sources.services import independent_origins

DEMO = Path(settings.BASE_DIR) / "claims" / "data" / "seed_story.yaml"
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"

AP = "ap-2023-11-01-nis-million-shells"
FARM = "ascend-finance-compass-ap-copy"
SEED_000 = "seed-000-array-of-missiles-2023-11-02"
AP_MILITARY = "ap-2023-11-02-military-briefing"
JOINT_STATEMENT = "joint-statement-2023-10-26-us-rok-japan"

MILLION = "nis-million-artillery-shells-since-august"
TWO_MONTHS = "yoo-shells-two-months-of-supplies"
CONTAINERS = "white-house-nk-delivered-1000-containers"
IMAGES = "white-house-images-containers-ship-and-train"

# slug: (words the proposition must contain, the claimant's certainty, the sources citing it)
CLAIMS = {
    "sk-military-nk-likely-supplying-missiles-and-ammunition": (
        ["military", "likely", "missiles", "ammunition"],
        "probable",
        {SEED_000},
    ),
    "sk-military-suspects-nk-sent-missiles-and-weapons": (
        ["suspects", "unspecified number", "short-range ballistic missiles", "rifles", "mortars", "shells"],
        "probable",
        {SEED_000},
    ),
    "sk-military-nk-seeking-nuclear-tech-fighters-air-defence": (
        ["nuclear-related", "fighter jets", "air defence"],
        "fact",
        {SEED_000},
    ),
    MILLION: (["believes", "more than a million artillery shells", "August 2023"], "probable", {AP, FARM, SEED_000}),
    TWO_MONTHS: (["Yoo Sang-bum", "two months’ worth"], "fact", {AP, FARM, SEED_000}),
    "nis-munitions-factories-full-capacity": (["believes", "full capacity", "residents"], "probable", {AP, FARM}),
    "nis-signs-nk-weapons-experts-sent-to-russia": (
        ["signs", "weapons experts", "October 2023"],
        "possible",
        {AP, FARM},
    ),
    "nis-russian-help-likely-limited-to-conventional": (
        ["more likely", "conventional capabilities", "fighter aircraft"],
        "probable",
        {AP, FARM},
    ),
    "nis-nk-likely-receiving-russian-satellite-help": (
        ["likely", "technological assistance", "reconnaissance satellite"],
        "probable",
        {AP, FARM, SEED_000},
    ),
    "nis-nk-final-phase-third-satellite-launch": (["believes", "final phase", "third launch"], "probable", {AP, FARM}),
    "us-rok-japan-condemn-nk-munitions-supply": (
        ["United States, South Korea and Japan", "condemned", "munitions and military equipment"],
        "fact",
        {AP, FARM, SEED_000},
    ),
    "us-rok-japan-shipments-increase-human-toll": (["human toll"], "fact", {AP, FARM}),
    CONTAINERS: (["White House", "more than 1,000 containers"], "fact", {AP, FARM}),
    IMAGES: (["images", "Russian-flagged ship", "train", "southwestern Russia"], "fact", {AP, FARM}),
    "experts-vostochny-meeting-hinted-satellite-help": (["experts", "Vostochny", "hinted"], "possible", {AP, FARM}),
    "kim-space-reconnaissance-crucial": (["Kim Jong Un", "space-based reconnaissance", "crucial"], "fact", {AP, FARM}),
    "nk-vowed-third-satellite-launch-in-october": (["vowed", "third launch", "October 2023"], "fact", {AP, FARM}),
    "unsc-nk-satellite-launches-cover-for-missile-tests": (
        ["Security Council", "cover", "long-range ballistic missile"],
        "fact",
        {AP, FARM},
    ),
}

# slug: (kind, deniers, made as shown, claims answered, sources citing it)
DENIALS = {
    "nk-russia-deny-arms-transfers": (
        "dismissal",
        {"north-korea", "russia"},
        "on or before 1 November 2023",
        {
            "sk-military-nk-likely-supplying-missiles-and-ammunition",
            "sk-military-suspects-nk-sent-missiles-and-weapons",
            MILLION,
            "nis-munitions-factories-full-capacity",
            "nis-signs-nk-weapons-experts-sent-to-russia",
            "us-rok-japan-condemn-nk-munitions-supply",
            CONTAINERS,
            IMAGES,
        },
        {AP, FARM, SEED_000},
    ),
    "lavrov-denies-russia-received-nk-munitions": (
        "categorical",
        {"sergey-lavrov"},
        "16–24 October 2023",
        {CONTAINERS, IMAGES},
        {AP, FARM},
    ),
    "nis-no-immediate-response-to-confirm-yoo": (
        "non_denial",
        {"national-intelligence-service"},
        "1 November 2023",
        {
            MILLION,
            "nis-munitions-factories-full-capacity",
            "nis-signs-nk-weapons-experts-sent-to-russia",
            "nis-russian-help-likely-limited-to-conventional",
            "nis-nk-likely-receiving-russian-satellite-help",
            "nis-nk-final-phase-third-satellite-launch",
        },
        {AP, FARM},
    ),
}


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker):
    """Load the file once for the module, inside a transaction rolled back at its end;
    each test then runs in a savepoint of its own, so no test sees another's writes."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_claims", str(DEMO))
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_loaded, db):
    """The demo data set, loaded."""


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("claims", "sources")
        for model in apps.get_app_config(app).get_models()
    }


def _chain(claim) -> list[tuple[str, str, str, str]]:
    return [
        (a.actor.slug, a.role, a.channel, str(a.date) if a.date else "")
        for a in claim.attributions.select_related("actor").order_by("position")
    ]


@pytest.mark.django_db
def test_demo_holds_exactly_the_seed_claims_and_denials(demo):
    assert set(Claim.objects.values_list("slug", flat=True)) == set(CLAIMS)
    assert set(Denial.objects.values_list("slug", flat=True)) == set(DENIALS)
    assert Claim.objects.published().count() == len(CLAIMS)
    assert Denial.objects.published().count() == len(DENIALS)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(CLAIMS))
def test_each_seed_claim(demo, slug):
    words, certainty, cited_in = CLAIMS[slug]
    claim = Claim.objects.get(slug=slug)
    for word in words:
        assert word.casefold() in claim.proposition.casefold(), word
    assert claim.certainty == certainty
    assert claim.status == "reported"
    assert claim.attributions.exists(), "every claim has a claimant"
    assert claim.topics.exists()
    assert claim.subjects.exists()
    assert set(claim.citations.values_list("source__slug", flat=True)) == cited_in


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(DENIALS))
def test_each_seed_denial(demo, slug):
    kind, deniers, made, answers, cited_in = DENIALS[slug]
    denial = Denial.objects.get(slug=slug)
    assert denial.kind == kind
    assert set(denial.deniers.values_list("slug", flat=True)) == deniers
    assert (str(denial.made) if denial.made else None) == made
    assert set(denial.claims.values_list("slug", flat=True)) == answers
    assert set(denial.citations.values_list("source__slug", flat=True)) == cited_in


@pytest.mark.django_db
def test_million_shells_relay_chain_quantity_and_dates(demo):
    claim = Claim.objects.get(slug=MILLION)
    assert _chain(claim) == [
        ("national-intelligence-service", "originator", "closed-door briefing to lawmakers", "1 November 2023"),
        ("yoo-sang-bum", "relay", "told reporters", "1 November 2023"),
    ]
    assert claim.hedge == "believes"
    assert str(claim.made) == "1 November 2023"
    assert claim.period_start.precision == "month"
    assert str(claim.period_start) == "August 2023"
    assert claim.period_end is None
    [quantity] = claim.quantities.all()
    assert quantity.as_worded == "more than a million"
    assert quantity.comparator == "more_than"
    assert quantity.low == 1_000_000
    assert quantity.high is None
    assert quantity.materiel.slug == "artillery-shell"
    assert quantity.describe() == "more than 1,000,000 artillery shells"
    assert set(claim.materiel.values_list("slug", flat=True)) == {"artillery-shell"}


@pytest.mark.django_db
def test_two_months_is_yoos_reading_derived_from_the_million_shells(demo):
    claim = Claim.objects.get(slug=TWO_MONTHS)
    assert [(a[0], a[1]) for a in _chain(claim)] == [("yoo-sang-bum", "originator")]
    assert list(claim.links_out.values_list("kind", "to_claim__slug")) == [("derived_from", MILLION)]
    [quantity] = claim.quantities.all()
    assert (quantity.as_worded, quantity.comparator, quantity.low) == ("two months’ worth", "about", 2)
    assert quantity.describe() == "equivalent: about 2 months’ worth of supplies of artillery shells"
    assert (quantity.kind, quantity.certainty) == ("equivalent", "possible")  # "would roughly amount to"


@pytest.mark.django_db
def test_white_house_containers_are_more_than_1000(demo):
    claim = Claim.objects.get(slug=CONTAINERS)
    assert [(a[0], a[1]) for a in _chain(claim)] == [("white-house", "originator")]
    [quantity] = claim.quantities.all()
    assert (quantity.as_worded, quantity.comparator, quantity.low) == ("more than 1,000", "more_than", 1000)
    assert quantity.materiel is None, "containers are an item, not materiel"
    assert quantity.describe() == "more than 1,000 containers of military equipment and munitions"
    # "had earlier said", in a story of 1 November about a statement of 26 October
    assert (claim.made_edtf, claim.made_as_worded, claim.made_inferred) == ("[..2023-10-25]", "had earlier said", True)
    assert str(claim.made) == "on or before 25 October 2023"


@pytest.mark.django_db
def test_military_suspicions_are_unspecified_numbers_one_per_weapon(demo):
    claim = Claim.objects.get(slug="sk-military-suspects-nk-sent-missiles-and-weapons")
    assert _chain(claim) == [
        (
            "south-korean-military",
            "originator",
            "background briefing with local journalists, shared with the AP",
            "2 November 2023",
        )
    ]
    quantities = list(claim.quantities.all())
    assert {q.materiel.slug for q in quantities} == {
        "short-range-ballistic-missile",
        "anti-tank-missile",
        "portable-anti-tank-missile",
        "rocket-launcher",
        "rifle",
        "mortar",
        "artillery-shell",
    }
    for q in quantities:
        assert (q.comparator, q.low, q.high, q.as_worded) == ("unspecified", None, None, "an unspecified number of")
    assert claim.hedge == "suspicions"


@pytest.mark.django_db
def test_hedges_and_periods_as_worded(demo):
    signs = Claim.objects.get(slug="nis-signs-nk-weapons-experts-sent-to-russia")
    assert (signs.hedge, str(signs.period_start), str(signs.period_end)) == ("signs", "October 2023", "October 2023")
    likely = Claim.objects.get(slug="sk-military-nk-likely-supplying-missiles-and-ammunition")
    assert (likely.hedge, str(likely.made)) == ("likely", "2 November 2023")
    experts = Claim.objects.get(slug="experts-vostochny-meeting-hinted-satellite-help")
    assert (experts.hedge, str(experts.made), experts.made.precision) == (
        "hinted at",
        "13 September – 1 November 2023",
        "",
    )


@pytest.mark.django_db
def test_joint_statement_has_three_co_originators_in_one_step(demo):
    for slug in ("us-rok-japan-condemn-nk-munitions-supply", "us-rok-japan-shipments-increase-human-toll"):
        claim = Claim.objects.get(slug=slug)
        assert sorted(_chain(claim)) == sorted(
            (state, "originator", "joint statement by the countries’ top diplomats", "26 October 2023")
            for state in ("united-states", "south-korea", "japan")
        )
        steps = claim.chain_steps()
        assert len(steps) == 1, "co-signatories share one step, not a relay from one to the next"
        assert {link.actor.slug for link in steps[0]} == {"united-states", "south-korea", "japan"}


@pytest.mark.django_db
def test_farm_copy_republishes_the_ap_story_with_its_misleading_date(demo):
    farm = Source.objects.get(slug=FARM)
    assert farm.outlet.kind == "content_farm"
    assert farm.reliability == "E"
    assert farm.published.isoformat() == "2025-04-15T10:34:46"  # as the page shows it, no zone
    assert farm.published_as_worded == "Date:2025-04-15 10:34:46"
    assert str(farm.published) == "15 April 2025, 10:34:46"
    assert "misleading" in farm.notes
    derivation = Derivation.objects.get(source=farm)
    assert (derivation.derived_from.slug, derivation.kind) == (AP, "republishes")
    ap = Source.objects.get(slug=AP)
    assert ap.kind == "wire_story"
    assert ap.outlet.name == "Associated Press"
    assert str(ap.published) == "1 November 2023"
    assert ap.url == ""
    assert ap.text in farm.text
    assert ap.text.startswith("SEOUL, South Korea (AP) —")
    assert ap.text.endswith("moved via train to southwestern Russia.")


@pytest.mark.django_db
def test_seed_000_derivations(demo):
    derivations = set(Derivation.objects.filter(source__slug=SEED_000).values_list("derived_from__slug", "kind"))
    assert derivations == {(AP, "summarises"), (AP_MILITARY, "summarises"), (JOINT_STATEMENT, "quotes")}
    seed_000 = Source.objects.get(slug=SEED_000)
    assert str(seed_000.published) == "2 November 2023"
    assert seed_000.outlet.reliability == "F"
    assert Source.objects.get(slug=AP_MILITARY).title.startswith("[")
    statement = Source.objects.get(slug=JOINT_STATEMENT)
    assert (statement.kind, statement.url, str(statement.published)) == ("statement", "", "26 October 2023")


FILE_NAMES = ("seed", ".txt", "shared/")


def _names_a_file(text: str) -> bool:
    return any(word in text.casefold() for word in FILE_NAMES)


@pytest.mark.django_db
def test_every_source_says_where_it_comes_from(demo):
    """As readers know the document (its outlet, its date, or the reports it is known
    through), never by the demo's file names."""
    for source in Source.objects.select_related("outlet"):
        notes = source.notes.strip()
        assert notes, source.slug
        assert not _names_a_file(notes), (source.slug, notes)
        known_as = ["Known only through", str(source.published)]
        if source.outlet:
            known_as.append(source.outlet.name)
        assert any(words in notes for words in known_as), (source.slug, notes)


# Every text field a reader sees on public pages and in exports (not slugs, not a source's text).
PUBLIC_TEXT_FIELDS = {
    "notes",
    "note",
    "description",
    "track_record",
    "channel",
    "statement",
    "proposition",
    "title",
    "name",
    "issuer",
    "speaker",
    "hedge",
    "item",
    "unit",
    "locator",
    "translation",
}


@pytest.mark.django_db
def test_no_public_text_of_the_demo_names_a_file(demo):
    """Issue 10 item 8: notes, descriptions, track records, titles and the rest are shown on
    public pages and in exports, so they name documents as readers know them, not by path."""
    checked = 0
    for app in ("claims", "sources"):
        for model in apps.get_app_config(app).get_models():
            fields = [f.name for f in model._meta.concrete_fields if f.name in PUBLIC_TEXT_FIELDS]
            for row in model._base_manager.values("pk", *fields):
                for field in fields:
                    text = row[field] or ""
                    checked += bool(text)
                    assert not _names_a_file(text), (model._meta.label, row["pk"], field, text)
    assert Derivation.objects.exclude(note="").count() >= 6, "the derivation notes are checked too"
    assert checked > 200


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")
@pytest.mark.django_db
def test_source_texts_are_the_seed_files(demo):
    seed_003 = (SEEDS / "003_91ed6d654b37923c.txt").read_text(encoding="utf-8")
    assert Source.objects.get(slug=FARM).text == seed_003
    assert Source.objects.get(slug=SEED_000).text == (SEEDS / "000_d00686991cb88907.txt").read_text(encoding="utf-8")
    assert Source.objects.get(slug=AP).text in seed_003


@pytest.mark.django_db
def test_every_quote_is_found_verbatim_in_its_source(demo):
    citations = [*ClaimCitation.objects.select_related("source"), *DenialCitation.objects.select_related("source")]
    assert len(citations) > 40
    for citation in citations:
        assert citation.quote_found is True, (citation.source.slug, citation.quote)
        assert citation.quote in citation.source.text, "exact, curly quotes and all"
        assert citation.locator


@pytest.mark.django_db
def test_the_farm_copy_carries_every_ap_quote(demo):
    for model in (ClaimCitation, DenialCitation):
        ap_quotes = set(model.objects.filter(source__slug=AP).values_list("quote", flat=True))
        farm_quotes = set(model.objects.filter(source__slug=FARM).values_list("quote", flat=True))
        assert ap_quotes
        assert ap_quotes <= farm_quotes


@pytest.mark.django_db
def test_actors_aliases_and_hierarchy(demo):
    assert ActorAlias.objects.get(name="DPRK").actor.slug == "north-korea"
    assert ActorAlias.objects.get(name="북한").language == "ko"
    assert ActorAlias.objects.get(name="Россия").actor.slug == "russia"
    assert ActorAlias.objects.get(name="국가정보원").actor.slug == "national-intelligence-service"
    assert ActorAlias.objects.get(name="Сергей Лавров").actor.slug == "sergey-lavrov"
    parents = dict(Actor.objects.filter(parent__isnull=False).values_list("slug", "parent__slug"))
    assert parents["national-intelligence-service"] == "south-korea"
    assert parents["south-korean-military"] == "south-korea"
    assert parents["yoo-sang-bum"] == "national-assembly-south-korea"
    assert parents["white-house"] == "united-states"
    assert parents["sergey-lavrov"] == "russia"
    nis = Actor.objects.get(slug="national-intelligence-service")
    assert "mixed record" in nis.track_record
    assert "1 November 2023" in nis.track_record


@pytest.mark.django_db
def test_loading_twice_changes_no_counts(demo):
    before = _counts()
    assert before["claims.Claim"] == len(CLAIMS)
    call_command("import_claims", str(DEMO))
    assert _counts() == before


def _every_row() -> dict[str, list]:
    """The primary keys of every table, history included."""
    return {model._meta.label: sorted(model._base_manager.values_list("pk", flat=True)) for model in apps.get_models()}


@pytest.mark.django_db
def test_loading_twice_writes_no_row_and_no_history_and_keeps_every_key(demo, capsys):
    before = _every_row()
    assert sum(len(pks) for label, pks in before.items() if label.startswith("history.")) > 0
    chains = {claim.slug: _chain(claim) for claim in Claim.objects.all()}
    positions = sorted(Attribution.objects.values_list("pk", "claim__slug", "position", "actor__slug"))
    versions = dict(Claim.objects.values_list("slug", "version"))

    call_command("import_claims", str(DEMO))

    assert _every_row() == before, "no row added, deleted or replaced in any table, history included"
    assert {claim.slug: _chain(claim) for claim in Claim.objects.all()} == chains
    assert sorted(Attribution.objects.values_list("pk", "claim__slug", "position", "actor__slug")) == positions
    assert dict(Claim.objects.values_list("slug", "version")) == versions
    assert "18 claims unchanged" in capsys.readouterr().out


@pytest.mark.django_db
def test_make_runs_import_skips_a_database_that_holds_the_demo(demo, capsys):
    before = _every_row()

    call_command("import_claims", "--if-missing", str(DEMO))

    assert "not imported, the database already holds" in capsys.readouterr().out
    assert _every_row() == before


def test_outlets_are_named_and_described_for_readers_not_by_demo_file(demo):
    """Outlet names and notes reach public pages and bibliographies: no seed file names."""
    for outlet in Outlet.objects.all():
        for text in (outlet.name, outlet.notes):
            assert "seed" not in text.lower() and ".txt" not in text, (outlet.slug, text)


@pytest.mark.django_db
def test_every_seed_claim_and_denial_is_dated(demo):
    """Each is on the timeline: a relative or vague wording gets the bounded date it allows."""
    assert not Claim.objects.filter(made_edtf="").exists()
    assert not Denial.objects.filter(made_edtf="").exists()
    inferred = Claim.objects.filter(made_inferred=True).values_list("slug", flat=True)
    assert set(inferred) >= {CONTAINERS, IMAGES, "kim-space-reconnaissance-crucial"}


@pytest.mark.django_db
def test_the_briefing_of_wednesday_is_dated_from_the_ap_story_and_marked_inferred(demo):
    claim = Claim.objects.get(slug=MILLION)
    briefing = claim.attributions.get(position=1)
    assert (briefing.date_edtf, briefing.date_as_worded, briefing.date_inferred) == ("2023-11-01", "Wednesday", True)
    assert relative("Wednesday", reference=Source.objects.get(slug=AP).published.earliest).edtf == "2023-11-01"


@pytest.mark.django_db
def test_the_briefings_are_unpublished_documents_the_stories_cite(demo):
    nis = Source.objects.get(slug="nis-briefing-2023-11-01")
    assert (nis.outlet, nis.issuer, nis.kind, nis.reliability) == (
        None,
        "National Intelligence Service",
        "briefing",
        "F",
    )
    assert set(nis.derived_copies.values_list("source__slug", "kind")) == {(AP, "cites")}
    claim = Claim.objects.get(slug=MILLION)
    assert claim.attributions.get(position=1).document == nis
    military = Source.objects.get(slug="sk-military-briefing-2023-11-02")
    assert set(military.derived_copies.values_list("source__slug", "kind")) == {(AP_MILITARY, "cites")}
    # The AP story, its verbatim copy and the summary all go back to the briefing: one origin.
    cited = claim.citations.values_list("source_id", flat=True)
    assert len(independent_origins(cited)) == 1


@pytest.mark.django_db
def test_the_summary_words_the_million_shells_its_own_way(demo):
    claim = Claim.objects.get(slug=MILLION)
    wording = CitationFigure.objects.get(citation__claim=claim)
    assert (wording.citation.source.slug, wording.quantity.position) == (SEED_000, 1)
    assert wording.as_worded == "more than a million North Korean artillery shells"
