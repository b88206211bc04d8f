"""History: every create, change and delete of a curated record is recorded with who,
when, why and what changed; the admin shows the differences, restores an earlier
revision and brings deleted records back; each published claim has a public
changelog whose revisions have their own addresses."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from claims.importer import import_data
from claims.models import (
    Actor,
    ActorAlias,
    Attribution,
    Claim,
    ClaimCitation,
    ClaimLink,
    Denial,
    DenialCitation,
    Materiel,
    PublicationState,
    Quantity,
    Topic,
)
from history.models import Revision
from history.records import revisions_of
from history.services import delete_record, recover_deleted, restore_revision
from history.tracking import recording
from sources.models import Derivation, Outlet, Source
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
    make_user,
)
from tests.test_admin import (
    CURATED_MODELS,
    admin_url,
    change_page_data,
    form_errors,
    get_change_page,
    make_story,
)

FACTORIES = {
    Outlet: make_outlet,
    Source: make_source,
    Derivation: make_derivation,
    Actor: make_actor,
    ActorAlias: lambda: ActorAlias.objects.create(actor=make_actor(), name="An alias"),
    Topic: make_topic,
    Materiel: make_materiel,
    Claim: make_claim,
    Attribution: make_attribution,
    Quantity: make_quantity,
    ClaimCitation: make_claim_citation,
    Denial: make_denial,
    DenialCitation: make_denial_citation,
    ClaimLink: make_claim_link,
}
# A text field of each model to change.
TEXT_FIELD = {
    Outlet: "notes",
    Source: "notes",
    Derivation: "note",
    Actor: "description",
    ActorAlias: "language",
    Topic: "description",
    Materiel: "description",
    Claim: "notes",
    Attribution: "channel",
    Quantity: "as_worded",
    ClaimCitation: "note",
    Denial: "notes",
    DenialCitation: "note",
    ClaimLink: "note",
}
# Queries the public changelog and a revision page may issue, whatever the history
# (each with one for the site's change counter, their ETag: operations/http_cache.py).
CHANGELOG_MAX_QUERIES = 6
REVISION_MAX_QUERIES = 12
ADMIN_HISTORY_MAX_QUERIES = 21  # one per kind of record a change can name (a chain step names its document)
DELETED_LIST_MAX_QUERIES = 6


def post_change(client, obj, **changes):
    data = change_page_data(get_change_page(client, obj))
    data.update(changes)
    response = client.post(admin_url(type(obj), "change", obj.pk), data)
    assert response.status_code == 302, form_errors(response) if response.context else response
    return response


def published_story() -> Claim:
    claim = make_story()
    assert claim.state == PublicationState.PUBLISHED
    return claim


# Recording


def test_every_curated_model_keeps_a_history():
    assert set(FACTORIES) == set(CURATED_MODELS)
    for model in CURATED_MODELS:
        assert model.history.model._meta.app_label == "history"


@pytest.mark.django_db
@pytest.mark.parametrize("model", CURATED_MODELS, ids=lambda m: m._meta.label_lower)
def test_create_change_and_delete_are_each_recorded(model):
    obj = FACTORIES[model]()
    pk = obj.pk
    setattr(obj, TEXT_FIELD[model], "changed")
    obj.save()
    obj.delete()

    rows = list(model.history.model.objects.filter(id=pk).order_by("history_date", "history_id"))

    assert [r.history_type for r in rows if r.history_type != "~" or getattr(r, TEXT_FIELD[model]) == "changed"][
        -3:
    ] == ["+", "~", "-"]
    assert getattr(rows[-1], TEXT_FIELD[model]) == "changed"  # the deletion keeps the last values


@pytest.mark.django_db
def test_admin_changes_record_the_user_and_reason(analyst_client, analyst):
    claim = published_story()

    post_change(analyst_client, claim, status="disputed", change_reason="Both governments denied it.")

    latest = claim.history.latest()
    assert latest.history_user == analyst
    assert latest.history_change_reason == "Both governments denied it."
    assert (latest.version, latest.status) == (2, "disputed")


@pytest.mark.django_db
def test_parts_saved_with_a_claim_share_its_user_and_reason(analyst_client, analyst):
    claim = published_story()

    post_change(analyst_client, claim, **{"quantities-0-as_worded": "over a million"}, change_reason="Exact words.")

    row = Quantity.history.filter(claim_id=claim.pk).latest()
    assert (row.as_worded, row.history_user, row.history_change_reason) == ("over a million", analyst, "Exact words.")


@pytest.mark.django_db
def test_many_to_many_links_are_recorded_with_each_revision(analyst_client):
    claim = make_claim(state=PublicationState.DRAFT)
    first, second = make_actor(name="North Korea"), make_actor(name="Russia")
    post_change(analyst_client, claim, subjects=[str(first.pk)])
    post_change(analyst_client, claim, subjects=[str(first.pk), str(second.pk)])

    revisions = revisions_of(Claim, claim.pk)

    assert [(r.number, r.m2m["subjects"]) for r in revisions] == [
        (1, set()),
        (2, {first.pk}),
        (3, {first.pk, second.pk}),
    ]
    assert [c.name for c in revisions[-1].changes] == ["subjects"]


@pytest.mark.django_db
def test_deletions_in_the_admin_record_the_editor_and_a_reason(editor_client, editor):
    one, other = make_topic(), make_topic()
    editor_client.post(admin_url(Topic, "delete", one.pk), {"post": "yes"})
    editor_client.post(
        admin_url(Topic, "changelist"), {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"}
    )

    rows = Topic.history.filter(history_type="-").order_by("history_date")
    assert [(r.id, r.history_user, r.history_change_reason) for r in rows] == [
        (one.pk, editor, "deleted in the admin"),
        (other.pk, editor, "deleted in the admin"),
    ]


@pytest.mark.django_db
def test_a_save_that_changes_nothing_writes_no_history_row():
    actor = make_actor()
    Actor.objects.get(pk=actor.pk).save()

    assert actor.history.count() == 1


@pytest.mark.django_db
def test_import_is_recorded_with_reason_import_and_unchanged_reimport_adds_no_revision():
    data = {
        "outlets": [{"slug": "ap", "name": "AP", "kind": "wire_agency"}],
        "sources": [{"slug": "s", "outlet": "ap", "title": "A story"}],
        "claims": [
            {
                "slug": "c",
                "proposition": "It happened.",
                "state": "published",
                "quantities": [{"comparator": "about", "low": 3, "item": "ships"}],
                "citations": [{"source": "s", "quote": "it happened"}],
            }
        ],
    }
    import_data(data)
    claim = Claim.objects.get(slug="c")

    assert {r.history_change_reason for r in claim.history.all()} == {"import"}
    assert Quantity.history.filter(claim_id=claim.pk).latest().history_change_reason == "import"

    import_data(data)
    data["claims"][0]["proposition"] = "It happened, twice."
    import_data(data)

    claim.refresh_from_db()
    assert [r.number for r in revisions_of(Claim, claim.pk)] == [1, 2]
    assert claim.version == 2


def migrate_to(target=None):
    """Migrate the apps `target` names to its migrations and every other app to its
    latest (all of them for None); the models' state there."""
    executor = MigrationExecutor(connection)
    pinned = {app for app, _ in target or ()}
    target = [*(target or ()), *(leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in pinned)]
    executor.migrate(target)
    return executor.loader.project_state(target).apps


LATEST = None
# Before revisions existed, and before dates were EDTF (history 0002 reads the main tables).
BEFORE_REVISIONS = [
    ("history", "0002_baseline"),
    ("claims", "0006_attribution_speaker"),
    ("sources", "0003_partial_date_constraints_cast"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("groups")
def test_a_revision_recorded_before_revisions_existed_restores_with_its_parts(django_user_model):
    """History written before migration 0003 has no revisions: 0003 assigns them as
    the old reading inferred them, and such a revision restores as it did then."""
    analyst = make_user(django_user_model, "analyst", "old-analyst")
    claim = make_story()
    version_1 = {
        "proposition": claim.proposition,
        "figures": [q.describe() for q in claim.quantities.all()],
        "chain": list(claim.attributions.values_list("actor__name", "position")),
    }
    client = Client()
    client.force_login(analyst)
    post_change(
        client,
        claim,
        proposition="A worse wording.",
        **{"quantities-0-low": "5", "attributions-1-DELETE": "on"},
        change_reason="Mistaken edit.",
    )
    denial = claim.denials.get()
    denial_pk = denial.pk
    citations = sorted(denial.citations.values_list("pk", flat=True))
    assert citations
    delete_record(instance=denial, user=analyst, reason="Deleted by mistake.")
    # A claim deleted as Django deleted it then: its denial's link dropped, unrecorded.
    answered = make_claim()
    make_claim_citation(claim=answered)
    answering = make_denial(claims=[answered])
    answered_pk = answered.pk
    with recording(user=analyst, reason="Deleted before revisions."):
        models.Model.delete(answered)
    try:
        migrate_to(BEFORE_REVISIONS)  # the revisions are forgotten: rows as recorded before them
        migrate_to(LATEST)

        old_row = claim.history.filter(version=1).latest()
        restore_revision(
            model=Claim, pk=claim.pk, history_id=old_row.history_id, expected_version=2, user=analyst, reason="Undo."
        )
        recover_deleted(model=Denial, pk=denial_pk, user=analyst, reason="Needed.", may_publish=True)
        recover_deleted(model=Claim, pk=answered_pk, user=analyst, reason="Needed.", may_publish=True)
    finally:
        migrate_to(LATEST)

    # the citations deleted with the denial, and only they, come back with it; the
    # denial that answered the claim deleted before revisions answers it again
    assert list(answering.claims.values_list("pk", flat=True)) == [answered_pk]
    assert sorted(Denial.objects.get(pk=denial_pk).citations.values_list("pk", flat=True)) == citations

    claim.refresh_from_db()
    assert claim.proposition == version_1["proposition"]
    assert [q.describe() for q in claim.quantities.all()] == version_1["figures"]
    assert list(claim.attributions.values_list("actor__name", "position")) == version_1["chain"]
    assert [(r.number, r.reason) for r in revisions_of(Claim, claim.pk)][-2:] == [(2, "Mistaken edit."), (3, "Undo.")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("groups")
def test_baseline_migration_gives_records_without_history_a_first_revision():
    claim = make_story()
    try:
        old_apps = migrate_to(BEFORE_REVISIONS)
        Claim.history.model.objects.all().delete()
        migration = importlib.import_module("history.migrations.0002_baseline")
        migration.create_baseline(old_apps, SimpleNamespace(connection=connection))
        migration.create_baseline(old_apps, SimpleNamespace(connection=connection))  # adds nothing the second time
    finally:
        migrate_to(LATEST)

    revisions = revisions_of(Claim, claim.pk)
    assert [(r.number, r.reason) for r in revisions] == [(1, "history started")]
    assert revisions[0].m2m["subjects"] == set(claim.subjects.values_list("pk", flat=True))
    assert Claim.history.model.objects.count() == Claim.objects.count()
    assert Revision.objects.get(pk=revisions[0].revision_id).reason == "history started"


# The admin history page


@pytest.mark.django_db
def test_history_page_shows_who_when_why_and_the_difference(analyst_client):
    claim = published_story()
    post_change(analyst_client, claim, status="disputed", change_reason="Both governments denied it.")

    response = analyst_client.get(admin_url(Claim, "history", claim.pk))

    assert response.status_code == 200
    latest = response.context["entries"][0]
    assert latest["revision"].number == 2
    assert ("status", "reported", "disputed") in latest["changes"]
    page = response.content.decode()
    assert "Both governments denied it." in page
    assert "analyst" in page
    assert "restore" in response.context["entries"][1]["restore_url"]


@pytest.mark.django_db
def test_history_page_lists_changes_to_the_parts(analyst_client):
    claim = published_story()
    post_change(analyst_client, claim, **{"attributions-1-channel": "told reporters"}, change_reason="Channel.")

    response = analyst_client.get(admin_url(Claim, "history", claim.pk))

    part = response.context["parts"][0]
    assert str(part["part"]) == "relay chain link"
    assert ("channel", "(blank)", "told reporters") in part["changes"]


def test_history_page_shows_a_date_as_entered_not_its_derived_days(analyst_client):
    claim = published_story()
    post_change(analyst_client, claim, made_edtf="2023-08", change_reason="Month only.")

    response = analyst_client.get(admin_url(Claim, "history", claim.pk))

    changed = [field for field, _old, _new in response.context["entries"][0]["changes"]]
    assert "made (EDTF)" in changed
    assert not [field for field in changed if "earliest day" in field or "latest day" in field]


@pytest.mark.django_db
@pytest.mark.parametrize("edits", [1, 12])
def test_history_page_queries_do_not_grow_with_the_history(analyst_client, django_assert_max_num_queries, edits):
    claim = published_story()
    for i in range(edits):
        claim.refresh_from_db()
        claim.notes = f"Edit {i}."
        claim.save()
        claim.subjects.add(make_actor())

    with django_assert_max_num_queries(ADMIN_HISTORY_MAX_QUERIES):
        response = analyst_client.get(admin_url(Claim, "history", claim.pk))

    assert len(response.context["entries"]) == edits + 1


# Restoring


@pytest.mark.django_db
def test_restoring_a_version_brings_back_its_fields_links_and_parts(analyst_client, analyst):
    claim = published_story()
    before = {
        "proposition": claim.proposition,
        "subjects": set(claim.subjects.all()),
        "figures": [q.describe() for q in claim.quantities.all()],
        "chain": list(claim.attributions.values_list("actor__name", "position")),
    }
    other = make_actor(name="Someone else")
    post_change(
        analyst_client,
        claim,
        proposition="A worse wording.",
        subjects=[str(other.pk)],
        **{"quantities-0-low": "5", "attributions-1-DELETE": "on"},
        change_reason="Mistaken edit.",
    )
    version_1 = claim.history.filter(version=1).latest()

    page = analyst_client.get(admin_url(Claim, "restore", claim.pk, version_1.history_id))
    assert page.status_code == 200
    assert "A worse wording." in page.content.decode()
    response = analyst_client.post(
        admin_url(Claim, "restore", claim.pk, version_1.history_id),
        {"reason": "Undo the mistaken edit.", "expected_version": "2"},
    )

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.proposition == before["proposition"]
    assert set(claim.subjects.all()) == before["subjects"]
    assert [q.describe() for q in claim.quantities.all()] == before["figures"]
    assert list(claim.attributions.values_list("actor__name", "position")) == before["chain"]
    assert claim.version == 3
    latest = claim.history.latest()
    assert (latest.history_change_reason, latest.history_user) == ("Undo the mistaken edit.", analyst)


@pytest.mark.django_db
def test_restoring_does_not_change_the_publication_state(editor_client):
    claim = make_claim(state=PublicationState.DRAFT)
    make_claim_citation(claim=claim)
    post_change(editor_client, claim, state=PublicationState.PUBLISHED, notes="Now public.")
    version_1 = claim.history.filter(version=1).latest()

    editor_client.post(
        admin_url(Claim, "restore", claim.pk, version_1.history_id), {"reason": "Undo notes.", "expected_version": "2"}
    )

    claim.refresh_from_db()
    assert (claim.notes, claim.state) == ("", PublicationState.PUBLISHED)


@pytest.mark.django_db
def test_restoring_from_a_page_opened_before_another_save_is_refused(analyst_client):
    claim = make_claim(state=PublicationState.DRAFT)
    claim.notes = "Second."
    claim.save()
    version_1 = claim.history.filter(version=1).latest()
    claim.notes = "Third, saved while the restore page was open."
    claim.save()

    response = analyst_client.post(
        admin_url(Claim, "restore", claim.pk, version_1.history_id), {"reason": "Undo.", "expected_version": "2"}
    )

    assert response.status_code == 200
    assert "Someone saved this record" in response.content.decode()
    claim.refresh_from_db()
    assert claim.notes == "Third, saved while the restore page was open."


# Deleted records


@pytest.mark.django_db
def test_a_deleted_claim_comes_back_with_its_parts_and_links(editor_client, editor):
    claim = published_story()
    pk = claim.pk
    expected = {
        "chain": list(claim.attributions.values_list("actor_id", "position", "role")),
        "figures": [q.describe() for q in claim.quantities.all()],
        "quotes": list(claim.citations.values_list("quote", flat=True)),
        "subjects": set(claim.subjects.values_list("pk", flat=True)),
        "topics": set(claim.topics.values_list("pk", flat=True)),
        "denials": set(claim.denials.values_list("pk", flat=True)),
        "links_in": set(claim.links_in.values_list("from_claim_id", flat=True)),
        "links_out": set(claim.links_out.values_list("to_claim_id", flat=True)),
    }
    editor_client.post(admin_url(Claim, "delete", pk), {"post": "yes"})
    assert not Claim.objects.filter(pk=pk).exists()

    listing = editor_client.get(admin_url(Claim, "deleted"))
    assert [e["row"].id for e in listing.context["entries"]] == [pk]
    history_id = listing.context["entries"][0]["row"].history_id
    response = editor_client.post(admin_url(Claim, "recover", history_id), {"reason": "Deleted by mistake."})

    assert response.status_code == 302
    claim = Claim.objects.get(pk=pk)
    assert list(claim.attributions.values_list("actor_id", "position", "role")) == expected["chain"]
    assert [q.describe() for q in claim.quantities.all()] == expected["figures"]
    assert list(claim.citations.values_list("quote", flat=True)) == expected["quotes"]
    assert set(claim.subjects.values_list("pk", flat=True)) == expected["subjects"]
    assert set(claim.topics.values_list("pk", flat=True)) == expected["topics"]
    assert set(claim.denials.values_list("pk", flat=True)) == expected["denials"]
    assert set(claim.links_in.values_list("from_claim_id", flat=True)) == expected["links_in"]
    assert set(claim.links_out.values_list("to_claim_id", flat=True)) == expected["links_out"]
    assert claim.state == PublicationState.PUBLISHED  # an editor may publish
    assert claim.version == 2
    assert claim.history.latest().history_change_reason == "Deleted by mistake."
    assert editor_client.get(admin_url(Claim, "deleted")).context["entries"] == []


@pytest.mark.django_db
def test_a_published_record_recovered_by_an_analyst_comes_back_in_review(analyst_client):
    denial = make_denial()
    make_denial_citation(denial=denial)
    pk = denial.pk
    denial.delete()
    row = Denial.history.filter(id=pk, history_type="-").get()

    response = analyst_client.post(admin_url(Denial, "recover", row.history_id), {"reason": "Needed."})

    assert response.status_code == 302
    recovered = Denial.objects.get(pk=pk)
    assert recovered.state == PublicationState.IN_REVIEW
    assert recovered.citations.count() == 1
    assert recovered.deniers.count() == 1


@pytest.mark.django_db
def test_a_recovered_source_gets_its_derivations_back(analyst_client):
    source = make_source()
    copy = make_derivation(derived_from=source).source
    original = make_derivation(source=source).derived_from
    pk = source.pk
    source.delete()
    row = Source.history.filter(id=pk, history_type="-").get()

    analyst_client.post(admin_url(Source, "recover", row.history_id), {"reason": "Needed."})

    source = Source.objects.get(pk=pk)
    assert list(source.derivations.values_list("derived_from", flat=True)) == [original.pk]
    assert list(source.derived_copies.values_list("source", flat=True)) == [copy.pk]


@pytest.mark.django_db
def test_parts_deleted_long_before_their_record_stay_deleted(editor_client):
    claim = published_story()
    removed = claim.quantities.get()
    removed_pk = removed.pk
    removed.delete()
    moved = Quantity.history.model.objects.filter(id=removed_pk, history_type="-").update(
        history_date=claim.created_at.replace(year=2000)
    )
    assert moved == 1
    pk = claim.pk
    claim.delete()
    row = Claim.history.filter(id=pk, history_type="-").get()

    editor_client.post(admin_url(Claim, "recover", row.history_id), {"reason": "Back."})

    assert not Quantity.objects.filter(claim_id=pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("deleted", [2, 20])
def test_deleted_list_queries_do_not_grow(analyst_client, django_assert_max_num_queries, deleted):
    for _ in range(deleted):
        make_outlet().delete()

    with django_assert_max_num_queries(DELETED_LIST_MAX_QUERIES):
        response = analyst_client.get(admin_url(Outlet, "deleted"))

    assert len(response.context["entries"]) == deleted


@pytest.mark.django_db
def test_changelist_links_to_the_deleted_records(analyst_client):
    response = analyst_client.get(admin_url(Claim, "changelist"))

    assert admin_url(Claim, "deleted") in response.content.decode()


# The public changelog


def edit_as_editor(claim, **fields):
    claim.refresh_from_db()
    for name, value in fields.items():
        setattr(claim, name, value)
    claim._change_reason = fields.pop("reason", None)
    claim.save()


@pytest.mark.django_db
def test_changelog_lists_the_published_revisions_with_date_and_reason(client):
    claim = make_claim(state=PublicationState.DRAFT)
    make_claim_citation(claim=claim)
    edit_as_editor(claim, state=PublicationState.PUBLISHED, reason="First published.")
    edit_as_editor(claim, status="disputed", reason="Denied by both governments.")
    edit_as_editor(claim, state=PublicationState.IN_REVIEW, reason="Checking a figure.")
    edit_as_editor(claim, notes="Internal remark.", reason="Draft note.")
    edit_as_editor(claim, state=PublicationState.PUBLISHED, reason="Figure checked.")

    response = client.get(reverse("web:claim_changelog", args=[claim.slug]))

    assert response.status_code == 200
    rows = [(r.number, r.reason) for r in response.context["revisions"]]
    assert rows == [(6, "Figure checked."), (3, "Denied by both governments."), (2, "First published.")]
    page = response.content.decode()
    assert reverse("web:claim_revision", args=[claim.slug, 3]) in page
    assert "Draft note." not in page
    assert "analyst" not in page and "editor" not in page  # who edited is not public


@pytest.mark.django_db
def test_a_revision_shows_the_claim_and_its_figures_as_they_were(client, analyst_client):
    claim = published_story()
    old_figure = claim.quantities.get().describe()
    old_proposition = claim.proposition
    post_change(
        analyst_client,
        claim,
        proposition="NIS now says two million shells.",
        **{"quantities-0-low": "2000000"},
        change_reason="New briefing.",
    )

    response = client.get(reverse("web:claim_revision", args=[claim.slug, 1]))

    assert response.status_code == 200
    page = response.content.decode()
    assert old_proposition in page
    assert old_figure in page
    assert "2,000,000" not in page
    assert "This is revision 1 of" in page
    assert "The current version is 2" in page
    current = client.get(reverse("web:claim_revision", args=[claim.slug, 2])).content.decode()
    assert "more than 2,000,000 artillery shells" in current
    assert "which is also its" in current


@pytest.mark.django_db
def test_unpublished_revisions_are_not_public(client):
    claim = make_claim(state=PublicationState.DRAFT)
    make_claim_citation(claim=claim)
    edit_as_editor(claim, state=PublicationState.PUBLISHED)

    assert client.get(reverse("web:claim_revision", args=[claim.slug, 1])).status_code == 404
    assert client.get(reverse("web:claim_revision", args=[claim.slug, 2])).status_code == 200
    assert client.get(reverse("web:claim_revision", args=[claim.slug, 9])).status_code == 404


@pytest.mark.django_db
def test_claim_page_links_to_its_changelog_and_this_version(client):
    claim = published_story()

    page = client.get(claim.get_absolute_url()).content.decode()

    assert reverse("web:claim_changelog", args=[claim.slug]) in page
    assert reverse("web:claim_revision", args=[claim.slug, claim.version]) in page


@pytest.mark.django_db
@pytest.mark.parametrize("edits", [1, 15])
def test_changelog_and_revision_queries_do_not_grow(client, django_assert_max_num_queries, edits):
    claim = published_story()
    for i in range(edits):
        edit_as_editor(claim, notes=f"Revision {i}.", reason=f"Edit {i}.")
        make_quantity(claim=claim, as_worded=f"figure {i}")
        make_attribution(claim=claim, position=3 + i, role="relay")
        make_claim_citation(claim=claim)
        claim.subjects.add(make_actor())

    with django_assert_max_num_queries(CHANGELOG_MAX_QUERIES):
        changelog = client.get(reverse("web:claim_changelog", args=[claim.slug]))
    with django_assert_max_num_queries(REVISION_MAX_QUERIES):
        revision = client.get(reverse("web:claim_revision", args=[claim.slug, claim.version]))

    assert len(changelog.context["revisions"]) == edits + 1
    assert len(revision.context["quantities"]) == edits + 1
