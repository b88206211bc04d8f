"""The importer: valid files load, a bad record rolls everything back with a precise
message, and loading the same file twice creates nothing new."""

import datetime as dt
import textwrap

import pytest
import yaml
from django.apps import apps
from django.core.management import CommandError, call_command

from claims.importer import ImportFailed, import_data
from claims.models import (
    PUBLISH_NEEDS_QUOTE,
    Actor,
    ActorAlias,
    Attribution,
    Claim,
    ClaimCitation,
    ClaimLink,
    Denial,
    Quantity,
)
from sources.models import Derivation, Outlet, Source
from tests.factories import make_actor

pytestmark = pytest.mark.django_db

VALID = textwrap.dedent(
    """
    outlets:
      - {slug: ap, name: Associated Press, kind: wire_agency, domain: apnews.com, country: US, reliability: B}
      - {slug: farm, name: Ascend Finance Compass, kind: content_farm, reliability: E}
    sources:
      - slug: ap-story
        outlet: ap
        title: South Korea’s spy agency says North Korea shipped more than a million artillery shells
        kind: wire_story
        published: 2023-11-01
        authors: [Kim Tong-hyung]
        text: "South Korea’s top spy agency believes North Korea sent more than a million artillery shells."
      - {slug: farm-copy, outlet: farm, title: Copy, published: 2025-04-15, url: "HTTPS://Farm.example/a?utm_source=x#top"}
    derivations:
      - {source: farm-copy, derived_from: ap-story, kind: republishes}
    actors:
      - slug: north-korea
        name: North Korea
        kind: state
        country: KP
        aliases: [DPRK, {name: 북한, language: ko}]
      - {slug: south-korea, name: South Korea, kind: state, country: KR}
      - {slug: nis, name: National Intelligence Service, kind: agency, country: KR, parent: south-korea}
      - {slug: yoo, name: Yoo Sang-bum, kind: person, country: KR}
    topics:
      - {slug: munitions, name: North Korean munitions for Russia}
    materiel:
      - {slug: shell, name: artillery shell, category: artillery_ammunition}
    claims:
      - slug: million-shells
        proposition: The NIS believes North Korea sent more than a million artillery shells to Russia since August.
        made: 2023-11-01
        period_start: "2023-08"
        certainty: probable
        hedge: believes
        state: published
        subjects: [north-korea]
        topics: [munitions]
        chain:
          - {actor: nis, role: originator, channel: closed-door briefing to lawmakers, date: 2023-11-01}
          - {actor: yoo, role: relay, channel: told reporters}
        quantities:
          - as_worded: more than a million
            comparator: more_than
            low: 1000000
            item: artillery shells
            materiel: shell
        citations:
          - {source: ap-story, quote: "North Korea sent more than a million artillery shells", locator: para. 1}
      - slug: two-months
        proposition: The shells amount to about two months' worth of supplies for Russia.
        made: 2023-11-01
        quantities:
          - {comparator: about, low: 2, unit: months’ worth of supplies, item: artillery shells}
        links:
          - {to: million-shells, kind: derived_from}
    denials:
      - slug: both-deny
        statement: North Korea and Russia dismissed the accusations as baseless.
        deniers: [north-korea]
        kind: dismissal
        made: "2023"
        answers: [million-shells, two-months]
        citations:
          - {source: ap-story, quote: "more than a million"}
    """
)


def load(text: str, **options):
    return import_data(yaml.safe_load(text), **options)


def table_counts():
    models = [Outlet, Source, Derivation, Actor, ActorAlias, Claim, Attribution, Quantity, ClaimLink, Denial]
    return {model.__name__: model.objects.count() for model in models}


def test_valid_file_loads_every_section():
    counts = load(VALID)

    assert counts["claims created"] == 2
    claim = Claim.objects.get(slug="million-shells")
    assert str(claim.made) == "1 November 2023"
    assert str(claim.period_start) == "August 2023"
    assert [(a.actor.slug, a.role, a.position) for a in claim.attributions.all()] == [
        ("nis", "originator", 1),
        ("yoo", "relay", 2),
    ]
    assert claim.quantities.get().describe() == "more than 1,000,000 artillery shells"
    assert list(claim.materiel.values_list("slug", flat=True)) == ["shell"], "quantity materiel is added to the claim"
    assert claim.citations.get().quote_found is True
    assert set(claim.denials.values_list("slug", flat=True)) == {"both-deny"}
    assert ClaimLink.objects.get().to_claim == claim
    assert set(Actor.objects.get(slug="north-korea").aliases.values_list("name", "language")) == {
        ("DPRK", ""),
        ("북한", "ko"),
    }
    copy = Source.objects.get(slug="farm-copy")
    assert copy.url == "https://farm.example/a"
    assert copy.derivations.get().derived_from.slug == "ap-story"
    assert str(Denial.objects.get().made) == "2023"


def test_loading_the_same_file_twice_creates_no_duplicates():
    load(VALID)
    before = table_counts()

    counts = load(VALID)

    assert table_counts() == before
    assert "claims created" not in counts


def test_reloading_an_edited_file_updates_records_in_place():
    load(VALID)
    claim_pk = Claim.objects.get(slug="million-shells").pk
    edited = VALID.replace("      - {actor: yoo, role: relay, channel: told reporters}\n", "").replace(
        "since August.", "since early August."
    )

    load(edited)

    claim = Claim.objects.get(slug="million-shells")
    assert claim.pk == claim_pk
    assert claim.proposition.endswith("since early August.")
    assert list(claim.attributions.values_list("actor__slug", flat=True)) == ["nis"]


def test_a_bad_record_rolls_back_the_whole_file_with_a_precise_message():
    bad = VALID.replace("{comparator: about, low: 2,", "{comparator: between, low: 5, high: 2,")

    with pytest.raises(ImportFailed) as failure:
        load(bad)

    assert failure.value.errors == [
        "claims[1] (slug 'two-months') quantities[0].high: The high figure is below the low one.",
        "denials[0] (slug 'both-deny') answers[1]: claim 'two-months' has errors of its own (reported above).",
    ]
    assert set(table_counts().values()) == {0}, "nothing was written"


def test_every_bad_record_is_reported_not_only_the_first():
    data = yaml.safe_load(VALID)
    data["outlets"][0]["kind"] = "blog"
    data["claims"][0]["propositon"] = "typo"
    data["claims"][1]["made"] = "2023-13"
    data["denials"][0]["answers"] = ["no-such-claim"]

    with pytest.raises(ImportFailed) as failure:
        import_data(data)

    errors = failure.value.errors
    assert "outlets[0] (slug 'ap') kind: Value 'blog' is not a valid choice." in errors
    assert any(e.startswith("claims[0] (slug 'million-shells') propositon: unknown field") for e in errors)
    assert any(e.startswith("claims[1] (slug 'two-months') made: '2023-13' is not an EDTF date") for e in errors)
    assert any(
        e.startswith("denials[0] (slug 'both-deny') answers[0]: no claim with slug 'no-such-claim'") for e in errors
    )
    assert Claim.objects.count() == Outlet.objects.count() == 0


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"slug": "c", "proposition": 42}, "claims[0] (slug 'c') proposition: should be text"),
        ({"slug": "c"}, "claims[0] (slug 'c') proposition: this field is required."),
        ({"slug": "c", "proposition": "p", "credibility": 9}, "claims[0] (slug 'c') credibility:"),
        (
            {"slug": "c", "proposition": "p", "credibility": "high"},
            "claims[0] (slug 'c') credibility: should be a whole",
        ),
        (
            {"slug": "c", "proposition": "p", "quantities": [{"comparator": "more_than", "low": "lots", "item": "x"}]},
            "claims[0] (slug 'c') quantities[0].low: should be a number",
        ),
        (
            {"slug": "c", "proposition": "p", "chain": [{"actor": "ghost", "role": "originator"}]},
            "claims[0] (slug 'c') chain[0].actor: no actor with slug 'ghost'",
        ),
        (
            {"slug": "c", "proposition": "p", "made": "last week"},
            "claims[0] (slug 'c') made: 'last week' is not an EDTF date",
        ),
        (
            {"slug": "c", "proposition": "p", "made_as_worded": "last week"},
            "claims[0] (slug 'c') made: give the date (EDTF) that made_as_worded or _inferred describes.",
        ),
        (
            {"slug": "c", "proposition": "p", "made": "2023-10-27", "made_inferred": "yes"},
            "claims[0] (slug 'c') made_inferred: should be true or false.",
        ),
        (
            {"slug": "c", "proposition": "p", "period_start": "2023-09", "period_end": "2023-08"},
            "claims[0] (slug 'c') period_end: The covered period must start before it ends.",
        ),
        ({"slug": "bad slug!", "proposition": "p"}, "claims[0] (slug 'bad slug!') slug:"),
        ("just text", "claims[0]: must be a mapping of fields."),
    ],
)
def test_invalid_claim_records_are_rejected_with_their_field(record, expected):
    with pytest.raises(ImportFailed) as failure:
        import_data({"claims": [record]})

    assert failure.value.errors[0].startswith(expected), failure.value.errors
    assert Claim.objects.count() == 0


def test_a_link_to_the_claim_itself_is_rejected():
    with pytest.raises(ImportFailed) as failure:
        import_data({"claims": [{"slug": "c", "proposition": "p", "links": [{"to": "c", "kind": "same_as"}]}]})

    assert failure.value.errors == ["claims[0] (slug 'c') links[0].to: A claim cannot be linked to itself."]


def test_unknown_sections_and_non_mappings_are_rejected():
    with pytest.raises(ImportFailed, match="Unknown section"):
        import_data({"claimz": []})
    with pytest.raises(ImportFailed, match="mapping of sections"):
        import_data(["claims"])


def test_references_may_point_to_records_already_in_the_database():
    make_actor(slug="russia", name="Russia")

    import_data({"denials": [{"slug": "d", "statement": "s", "deniers": ["russia"], "kind": "categorical"}]})

    assert list(Denial.objects.get().deniers.values_list("slug", flat=True)) == ["russia"]


def test_dry_run_validates_but_writes_nothing():
    counts = load(VALID, dry_run=True)

    assert counts["claims created"] == 2
    assert set(table_counts().values()) == {0}


def test_command_reports_errors_and_exits_non_zero(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("claims:\n  - {slug: c, proposition: p, certainty: sure}\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"(?s)nothing was imported.*claims\[0\] \(slug 'c'\) certainty"):
        call_command("import_claims", str(path))


def test_command_rejects_a_file_that_is_not_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("claims: [unclosed\n", encoding="utf-8")

    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("import_claims", str(path))


def test_command_loads_a_valid_file(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(VALID, encoding="utf-8")

    call_command("import_claims", str(path))

    assert "2 claims created" in capsys.readouterr().out
    assert Claim.objects.count() == 2


# --- updating in place --------------------------------------------------------------------


def every_row():
    """The primary keys of every table, history included."""
    return {model._meta.label: sorted(model._base_manager.values_list("pk", flat=True)) for model in apps.get_models()}


def history_rows():
    return {label: len(pks) for label, pks in every_row().items() if label.startswith("history.")}


def new_history(before):
    return {label: n - before[label] for label, n in history_rows().items() if n != before[label]}


# One revision; a claim's history row keeps its many-to-many links beside it, one row per
# linked record (million-shells: one subject, one topic, one materiel; two-months: none).
MILLION_REVISION = {
    "history.Revision": 1,
    "history.HistoricalClaim": 1,
    "history.HistoricalClaim_subjects": 1,
    "history.HistoricalClaim_topics": 1,
    "history.HistoricalClaim_materiel": 1,
}


def test_loading_the_same_file_twice_writes_no_row_no_history_and_keeps_every_key():
    load(VALID)
    before = every_row()

    counts = load(VALID)

    assert every_row() == before
    assert counts["claims unchanged"] == 2 and "claims updated" not in counts


def test_a_one_field_edit_writes_one_history_row_for_that_record_only():
    load(VALID)
    claim = Claim.objects.get(slug="million-shells")
    before, history = every_row(), history_rows()

    counts = load(VALID.replace("hedge: believes", "hedge: assesses"))

    assert new_history(history) == MILLION_REVISION
    assert {label: pks for label, pks in every_row().items() if not label.startswith("history.")} == {
        label: pks for label, pks in before.items() if not label.startswith("history.")
    }, "every primary key kept"
    edited = Claim.objects.get(slug="million-shells")
    assert (edited.hedge, edited.version) == ("assesses", claim.version + 1)
    assert edited.history.latest().history_change_reason == "import"
    assert counts["claims updated"] == 1 and counts["claims unchanged"] == 1


def test_a_citation_missing_from_the_file_is_deleted_and_the_others_kept():
    quoted = '{source: ap-story, quote: "North Korea sent more than a million artillery shells", locator: para. 1}'
    added = VALID.replace(quoted, quoted + '\n      - {source: farm-copy, quote: "a million artillery shells"}')
    load(added)
    claim = Claim.objects.get(slug="million-shells")
    kept, dropped = claim.citations.order_by("position")
    history = history_rows()

    load(VALID)

    assert list(claim.citations.all()) == [kept]
    assert not ClaimCitation.objects.filter(pk=dropped.pk).exists()
    assert ClaimCitation.history.filter(id=dropped.pk).latest().history_type == "-"
    # The claim's parts changed: a new version of it, as an admin save would make.
    assert new_history(history) == {**MILLION_REVISION, "history.HistoricalClaimCitation": 1}
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1


def test_parts_are_matched_by_natural_key_and_updated_in_place():
    load(VALID)
    claim = Claim.objects.get(slug="million-shells")
    step, figure, citation = claim.attributions.get(position=2), claim.quantities.get(), claim.citations.get()
    alias = ActorAlias.objects.get(name="DPRK")
    link = ClaimLink.objects.get()
    edited = (
        VALID.replace("role: relay, channel: told reporters", "role: relay, channel: told reporters in Seoul")
        .replace("low: 1000000", "low: 1000001")
        .replace("locator: para. 1", "locator: para. 2")
        .replace("aliases: [DPRK,", "aliases: [{name: DPRK, language: en},")
        .replace("- {to: million-shells, kind: derived_from}", "- {to: million-shells, kind: derived_from, note: n}")
    )

    load(edited)

    assert Attribution.objects.get(pk=step.pk).channel == "told reporters in Seoul"
    assert Quantity.objects.get(pk=figure.pk).low == 1000001, "matched by position when a figure changed"
    assert ClaimCitation.objects.get(pk=citation.pk).locator == "para. 2"
    assert ActorAlias.objects.get(pk=alias.pk).language == "en"
    assert ClaimLink.objects.get(pk=link.pk).note == "n"
    assert claim.attributions.count() == 2 and Quantity.objects.count() == 2


def test_a_changed_quote_replaces_the_citation():
    load(VALID)
    citation = Claim.objects.get(slug="million-shells").citations.get()

    load(VALID.replace('quote: "North Korea sent more', 'quote: "sent more'))

    new = Claim.objects.get(slug="million-shells").citations.get()
    assert new.pk != citation.pk and new.quote == "sent more than a million artillery shells"


def test_a_changed_link_target_makes_a_new_version_of_the_claim_before_its_links():
    load(VALID)
    claim = Claim.objects.get(slug="two-months")
    history = history_rows()

    load(VALID.replace("- {to: million-shells, kind: derived_from}", "- {to: million-shells, kind: corroborates}"))

    assert list(claim.links_out.values_list("kind", flat=True)) == ["corroborates"]
    # One revision: the claim, then its links (loaded after every claim, since a link may
    # point to a claim later in the file).
    expected = {"history.Revision": 1, "history.HistoricalClaim": 1, "history.HistoricalClaimLink": 2}
    assert new_history(history) == expected
    assert Claim.objects.get(pk=claim.pk).version == claim.version + 1


# --- the publication rule -----------------------------------------------------------------

UNQUOTED = {
    "outlets": [{"slug": "ap", "name": "AP", "kind": "wire_agency"}],
    "sources": [{"slug": "s", "outlet": "ap", "title": "A story"}],
    "actors": [{"slug": "russia", "name": "Russia", "kind": "state"}],
    "claims": [
        {"slug": "c", "proposition": "It happened.", "state": "published", "citations": [{"source": "s"}]},
        {"slug": "ok", "proposition": "It did.", "state": "published", "citations": [{"source": "s", "quote": "q"}]},
    ],
    "denials": [{"slug": "d", "statement": "No.", "deniers": ["russia"], "kind": "categorical", "state": "published"}],
}


def test_a_published_record_needs_a_quoted_citation_and_nothing_is_written_without_one():
    before = every_row()

    with pytest.raises(ImportFailed) as failure:
        import_data(UNQUOTED)

    assert failure.value.errors == [
        f"claims[0] (slug 'c') state: {PUBLISH_NEEDS_QUOTE}",
        f"denials[0] (slug 'd') state: {PUBLISH_NEEDS_QUOTE}",
    ]
    assert every_row() == before


def test_removing_the_last_quote_of_a_published_claim_is_refused():
    data = {**UNQUOTED, "claims": UNQUOTED["claims"][1:], "denials": []}
    import_data(data)
    before = every_row()
    data["claims"][0]["citations"][0]["quote"] = " "

    with pytest.raises(ImportFailed) as failure:
        import_data(data)

    assert failure.value.errors == [f"claims[0] (slug 'ok') state: {PUBLISH_NEEDS_QUOTE}"]
    assert every_row() == before


def test_a_draft_needs_no_quote():
    data = {**UNQUOTED, "denials": []}
    data["claims"] = [{**UNQUOTED["claims"][0], "state": "draft"}]

    import_data(data)

    assert Claim.objects.get().state == "draft"


# --- --if-missing ---------------------------------------------------------------------------


def test_if_missing_imports_into_a_database_without_the_files_records_only(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(VALID, encoding="utf-8")

    call_command("import_claims", "--if-missing", str(path))
    assert "2 claims created" in capsys.readouterr().out
    Claim.objects.filter(slug="two-months").update(proposition="Edited in the admin.")
    before = every_row()

    call_command("import_claims", "--if-missing", str(path))

    assert "not imported, the database already holds" in capsys.readouterr().out
    assert every_row() == before
    assert Claim.objects.get(slug="two-months").proposition == "Edited in the admin."


def test_dates_are_read_as_edtf_with_their_words_and_inferred_flag():
    import_data(
        {
            "claims": [
                {
                    "slug": "c",
                    "proposition": "p",
                    "made": dt.date(2023, 10, 27),  # YAML reads an unquoted day as a date
                    "made_as_worded": "last Friday",
                    "made_inferred": True,
                    "period_start": "2022-06~",
                    "period_start_as_worded": "since mid-2022",
                    "period_end": 2023,  # and an unquoted year as a number
                }
            ]
        }
    )
    claim = Claim.objects.get()
    assert (claim.made_edtf, claim.made_as_worded, claim.made_inferred) == ("2023-10-27", "last Friday", True)
    assert (claim.period_start_edtf, claim.period_start_earliest) == ("2022-06~", dt.date(2022, 5, 1))
    assert (claim.period_end_edtf, claim.period_end_latest) == ("2023", dt.date(2023, 12, 31))
