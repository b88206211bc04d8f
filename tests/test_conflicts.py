"""Conflict-safe editing: two people open the same claim, denial or source and save in
turn; the second save is refused with what changed meanwhile, nothing is overwritten,
and the second person's input stays on the form. Claims, denials and sources carry a
version that a compare-and-swap raises on every saved change."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from claims.models import Claim, Denial, PublicationState
from history import admin as history_admin
from history.tracking import EditConflict
from sources.models import Source
from tests.factories import make_actor, make_claim, make_denial, make_source, make_user
from tests.test_admin import admin_url, change_page_data, form_errors, get_change_page, make_story

# The model, a factory, the field each analyst edits and its label in messages.
VERSIONED = [
    (Claim, lambda: make_story(), "proposition", "proposition"),
    (Denial, lambda: make_denial(), "statement", "statement"),
    (Source, lambda: make_source(), "title", "title"),
]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_analysts(db, django_user_model):
    first = make_user(django_user_model, "analyst", "first-analyst")
    second = make_user(django_user_model, "analyst", "second-analyst")
    return logged_in(first), logged_in(second)


def open_for_edit(client, obj) -> dict:
    return change_page_data(get_change_page(client, obj))


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "make", "field", "label"), VERSIONED, ids=["claim", "denial", "source"])
def test_second_of_two_saves_is_refused_and_the_first_survives(two_analysts, model, make, field, label):
    first, second = two_analysts
    obj = make()
    url = admin_url(model, "change", obj.pk)
    first_data, second_data = open_for_edit(first, obj), open_for_edit(second, obj)
    first_data[field] = "The first analyst's wording."
    second_data[field] = "The second analyst's wording."

    saved = first.post(url, first_data)
    refused = second.post(url, second_data)

    assert saved.status_code == 302
    assert refused.status_code == 200
    errors = " ".join(form_errors(refused) + [str(e) for e in refused.context["adminform"].form.non_field_errors()])
    assert "Someone else saved this" in errors
    assert "you opened version 1, it is now version 2" in errors
    assert "first-analyst" in errors
    assert f"{label}: " in errors.lower()
    assert "The first analyst's wording." in errors
    assert refused.context["adminform"].form[field].value() == "The second analyst's wording."  # input kept
    obj.refresh_from_db()
    assert getattr(obj, field) == "The first analyst's wording."
    assert obj.version == 2


@pytest.mark.django_db
def test_conflict_message_names_the_parts_changed_meanwhile(two_analysts):
    first, second = two_analysts
    story = make_story()
    url = admin_url(Claim, "change", story.pk)
    first_data, second_data = open_for_edit(first, story), open_for_edit(second, story)
    first_data["attributions-1-channel"] = "told reporters after the briefing"
    second_data["notes"] = "A note of the second analyst."

    assert first.post(url, first_data).status_code == 302
    refused = second.post(url, second_data)

    assert refused.status_code == 200
    errors = " ".join(str(e) for e in refused.context["adminform"].form.non_field_errors())
    assert "relay chain links: 1 row change" in errors
    story.refresh_from_db()
    assert story.notes == ""


@pytest.mark.django_db
def test_saving_again_after_reloading_the_page_succeeds(two_analysts):
    first, second = two_analysts
    claim = make_claim(state=PublicationState.DRAFT)
    url = admin_url(Claim, "change", claim.pk)
    first_data, stale = open_for_edit(first, claim), open_for_edit(second, claim)
    first_data["notes"] = "First."
    first.post(url, first_data)
    assert second.post(url, stale).status_code == 200

    fresh = open_for_edit(second, claim)
    fresh["hedge"] = "believes"
    response = second.post(url, fresh)

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.notes, claim.hedge, claim.version) == ("First.", "believes", 3)


@pytest.mark.django_db
def test_compare_and_swap_refuses_a_save_that_passed_the_form_check(two_analysts, monkeypatch):
    """Two saves racing: the second passes the form's version check before the first
    commits. The UPDATE ... WHERE version = <loaded> must still refuse it."""
    first, second = two_analysts
    claim = make_claim(state=PublicationState.DRAFT)
    url = admin_url(Claim, "change", claim.pk)
    first_data, second_data = open_for_edit(first, claim), open_for_edit(second, claim)
    first_data["notes"] = "Saved first."
    second_data["notes"] = "Saved second."
    assert first.post(url, first_data).status_code == 302

    original = history_admin.HistoryForm.check_version
    calls = []

    def check_that_raced(form, loaded):
        calls.append(loaded)
        if len(calls) == 1:
            return None  # as if it had read the version before the first save committed
        return original(form, loaded)

    monkeypatch.setattr(history_admin.HistoryForm, "check_version", check_that_raced)

    response = second.post(url, second_data)

    assert len(calls) == 2  # refused by the compare-and-swap, then reported by the check
    assert response.status_code == 200
    assert "Someone else saved this" in " ".join(str(e) for e in response.context["adminform"].form.non_field_errors())
    claim.refresh_from_db()
    assert (claim.notes, claim.version) == ("Saved first.", 2)


@pytest.mark.django_db
def test_a_save_from_an_older_copy_raises_and_writes_nothing():
    claim = make_claim()
    mine, theirs = Claim.objects.get(pk=claim.pk), Claim.objects.get(pk=claim.pk)
    theirs.proposition = "Theirs."
    theirs.save()
    mine.proposition = "Mine."

    with pytest.raises(EditConflict):
        mine.save()

    claim.refresh_from_db()
    assert (claim.proposition, claim.version) == ("Theirs.", 2)


@pytest.mark.django_db
@pytest.mark.parametrize("make", [make_claim, make_denial, make_source], ids=["claim", "denial", "source"])
def test_version_rises_only_when_content_changes(make):
    obj = make()
    assert obj.version == 1
    type(obj).objects.get(pk=obj.pk).save()  # nothing changed
    obj.refresh_from_db()
    assert obj.version == 1

    obj.notes = "A change."
    obj.save()

    obj.refresh_from_db()
    assert obj.version == 2


@pytest.mark.django_db
def test_a_form_posted_without_its_version_is_refused(django_user_model):
    client = logged_in(make_user(django_user_model, "analyst", "analyst"))
    claim = make_claim(state=PublicationState.DRAFT)
    data = open_for_edit(client, claim)
    del data["loaded_version"]
    data["notes"] = "Would overwrite blindly."

    response = client.post(admin_url(Claim, "change", claim.pk), data)

    assert response.status_code == 200
    assert "without the claim's version number" in " ".join(
        str(e) for e in response.context["adminform"].form.non_field_errors()
    )
    claim.refresh_from_db()
    assert claim.notes == ""


@pytest.mark.django_db
def test_editing_a_record_deleted_meanwhile_is_refused(django_user_model):
    analyst = logged_in(make_user(django_user_model, "analyst", "analyst"))
    source = make_source()
    data = open_for_edit(analyst, source)
    Source.objects.filter(pk=source.pk).delete()
    data["title"] = "Edited after deletion"

    response = analyst.post(admin_url(Source, "change", source.pk), data)

    assert response.status_code in (200, 302)  # the admin may redirect a vanished object
    assert not Source.objects.filter(pk=source.pk).exists()


@pytest.mark.django_db
def test_an_actor_edit_does_not_need_a_version(django_user_model):
    """Only claims, denials and sources are versioned; other forms are unchanged."""
    client = logged_in(make_user(django_user_model, "analyst", "analyst"))
    actor = make_actor()
    response = get_change_page(client, actor)

    assert "loaded_version" not in response.context["adminform"].form.fields


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_on_postgresql_one_wins_one_is_refused(groups, django_user_model):
    first = logged_in(make_user(django_user_model, "analyst", "first-analyst"))
    second = logged_in(make_user(django_user_model, "analyst", "second-analyst"))
    claim = make_claim(state=PublicationState.DRAFT)
    url = admin_url(Claim, "change", claim.pk)
    posts = []
    for client, text in ((first, "First."), (second, "Second.")):
        data = open_for_edit(client, claim)
        data["notes"] = text
        posts.append((client, data))
    barrier = threading.Barrier(2)
    statuses = []

    def save(client, data):
        barrier.wait()
        try:
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200, 302]
    claim.refresh_from_db()
    assert claim.version == 2
    assert claim.notes in {"First.", "Second."}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_version_check_waits_for_a_save_in_progress_on_postgresql(groups, django_user_model, monkeypatch):
    """The form's check locks the row (SELECT ... FOR UPDATE): a save still in progress
    elsewhere is waited for, and the conflict is reported on the first validation."""
    client = logged_in(make_user(django_user_model, "analyst", "analyst"))
    claim = make_claim(state=PublicationState.DRAFT)
    data = open_for_edit(client, claim)
    data["notes"] = "Mine."
    checks = []
    original = history_admin.HistoryForm.check_version
    monkeypatch.setattr(
        history_admin.HistoryForm, "check_version", lambda form, loaded: checks.append(loaded) or original(form, loaded)
    )
    locked = threading.Event()

    def save_elsewhere():
        try:
            with transaction.atomic():
                other = Claim.objects.get(pk=claim.pk)
                other.notes = "Theirs, committed a moment later."
                other.save()  # holds the row lock until the commit
                locked.set()
                time.sleep(1.5)
        finally:
            connection.close()

    thread = threading.Thread(target=save_elsewhere)
    thread.start()
    assert locked.wait(timeout=30)
    response = client.post(admin_url(Claim, "change", claim.pk), data)
    thread.join(timeout=30)

    assert response.status_code == 200
    assert len(checks) == 1  # reported by the check itself, not after a refused compare-and-swap
    claim.refresh_from_db()
    assert claim.notes == "Theirs, committed a moment later."
