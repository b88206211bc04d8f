"""The publication workflow: draft -> in review -> published. Publishing needs a citation
that quotes its source (counting the citations saved in the same POST); changing a
published record needs a reason, which readers see in its changelog; taking a record
back keeps it and its history. Who may publish is tested in tests/test_admin.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from claims import services
from claims.models import PUBLISH_NEEDS_QUOTE, Claim, Denial, PublicationState
from tests.factories import make_claim, make_claim_citation, make_denial, make_denial_citation, make_source
from tests.test_admin import admin_url, change_page_data, form_errors, get_change_page


def post_change(client, obj, **changes):
    data = change_page_data(get_change_page(client, obj))
    data.update(changes)
    return client.post(admin_url(type(obj), "change", obj.pk), data)


def state_errors(response) -> list[str]:
    return list(response.context["adminform"].form.errors.get("state", []))


# Publishing needs a quoted citation


@pytest.mark.django_db
def test_editor_cannot_publish_a_claim_without_a_citation(editor_client):
    claim = make_claim(state=PublicationState.IN_REVIEW)

    response = post_change(editor_client, claim, state=PublicationState.PUBLISHED)

    assert response.status_code == 200
    assert state_errors(response) == [PUBLISH_NEEDS_QUOTE]
    claim.refresh_from_db()
    assert claim.state == PublicationState.IN_REVIEW


@pytest.mark.django_db
def test_a_citation_without_a_quote_does_not_allow_publishing(editor_client):
    claim = make_claim(state=PublicationState.IN_REVIEW)
    make_claim_citation(claim=claim, quote="   ")

    response = post_change(editor_client, claim, state=PublicationState.PUBLISHED)

    assert state_errors(response) == [PUBLISH_NEEDS_QUOTE]


@pytest.mark.django_db
def test_publishing_counts_a_quoted_citation_added_in_the_same_save(editor_client):
    claim = make_claim(state=PublicationState.IN_REVIEW)
    source = make_source()

    response = post_change(
        editor_client,
        claim,
        state=PublicationState.PUBLISHED,
        **{
            "citations-TOTAL_FORMS": "1",
            "citations-0-source": str(source.pk),
            "citations-0-quote": "more than a million artillery shells",
            "citations-0-stance": "reports",
        },
    )

    assert response.status_code == 302, form_errors(response)
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED
    assert claim.citations.get().source == source


@pytest.mark.django_db
def test_publishing_is_refused_when_the_same_save_deletes_the_only_quote(editor_client):
    claim = make_claim(state=PublicationState.IN_REVIEW)
    make_claim_citation(claim=claim)

    response = post_change(editor_client, claim, state=PublicationState.PUBLISHED, **{"citations-0-DELETE": "on"})

    assert state_errors(response) == [PUBLISH_NEEDS_QUOTE]
    assert claim.citations.count() == 1


@pytest.mark.django_db
def test_a_published_claim_cannot_lose_its_last_quote(editor_client):
    claim = make_claim(state=PublicationState.PUBLISHED)
    make_claim_citation(claim=claim)

    response = post_change(editor_client, claim, **{"citations-0-quote": ""})

    assert state_errors(response) == [PUBLISH_NEEDS_QUOTE]
    assert claim.citations.get().quote


@pytest.mark.django_db
def test_editor_cannot_publish_a_denial_without_a_quoted_citation(editor_client):
    denial = make_denial(state=PublicationState.DRAFT)

    response = post_change(editor_client, denial, state=PublicationState.PUBLISHED)

    assert state_errors(response) == [PUBLISH_NEEDS_QUOTE]
    denial.refresh_from_db()
    assert denial.state == PublicationState.DRAFT


@pytest.mark.django_db
def test_publish_claim_service_refuses_without_a_quote_and_publishes_with_one(editor):
    claim = make_claim(state=PublicationState.IN_REVIEW)

    with pytest.raises(ValidationError, match="at least one citation"):
        services.publish_claim(claim=claim, user=editor)
    claim.refresh_from_db()
    assert claim.state == PublicationState.IN_REVIEW

    make_claim_citation(claim=claim)
    published = services.publish_claim(claim=claim, user=editor)

    assert published.state == PublicationState.PUBLISHED
    assert Claim.objects.get(pk=claim.pk).state == PublicationState.PUBLISHED
    assert claim.history.latest().history_change_reason == "Published"


@pytest.mark.django_db
def test_publish_services_refuse_an_analyst(analyst):
    claim = make_claim(state=PublicationState.IN_REVIEW)
    make_claim_citation(claim=claim)
    denial = make_denial(state=PublicationState.IN_REVIEW)
    make_denial_citation(denial=denial)

    with pytest.raises(PermissionDenied):
        services.publish_claim(claim=claim, user=analyst)
    with pytest.raises(PermissionDenied):
        services.publish_denial(denial=denial, user=analyst)
    assert Claim.objects.get(pk=claim.pk).state == Denial.objects.get(pk=denial.pk).state == PublicationState.IN_REVIEW


@pytest.mark.django_db
def test_publish_action_publishes_quoted_claims_and_reports_the_others(editor_client):
    quoted = make_claim(state=PublicationState.IN_REVIEW)
    make_claim_citation(claim=quoted)
    unquoted = make_claim(state=PublicationState.IN_REVIEW)

    response = editor_client.post(
        admin_url(Claim, "changelist"),
        {"action": "publish_selected", "_selected_action": [quoted.pk, unquoted.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Published 1 claim." in page
    assert "was not published" in page
    assert Claim.objects.get(pk=quoted.pk).state == PublicationState.PUBLISHED
    assert Claim.objects.get(pk=unquoted.pk).state == PublicationState.IN_REVIEW


@pytest.mark.django_db
def test_publish_action_is_not_offered_to_analysts(analyst_client):
    claim = make_claim(state=PublicationState.IN_REVIEW)
    make_claim_citation(claim=claim)

    action_form = analyst_client.get(admin_url(Claim, "changelist")).context["action_form"]
    analyst_client.post(admin_url(Claim, "changelist"), {"action": "publish_selected", "_selected_action": [claim.pk]})

    assert action_form is None or "publish_selected" not in dict(action_form.fields["action"].choices)
    assert Claim.objects.get(pk=claim.pk).state == PublicationState.IN_REVIEW


# A reason for changing a published record


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["claim", "denial"])
def test_changing_a_published_record_needs_a_reason(analyst_client, kind):
    if kind == "claim":
        record = make_claim(state=PublicationState.PUBLISHED)
        make_claim_citation(claim=record)
    else:
        record = make_denial(state=PublicationState.PUBLISHED)
        make_denial_citation(denial=record)

    response = post_change(analyst_client, record, notes="A correction.", change_reason="  ")

    assert response.status_code == 200
    assert "Give a reason for this change" in " ".join(response.context["adminform"].form.errors["change_reason"])
    record.refresh_from_db()
    assert (record.notes, record.version) == ("", 1)


@pytest.mark.django_db
def test_reason_for_a_published_change_is_kept_and_shown_to_readers(analyst_client, client):
    claim = make_claim(state=PublicationState.PUBLISHED)
    make_claim_citation(claim=claim)

    response = post_change(analyst_client, claim, status="disputed", change_reason="Pyongyang denied it.")

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.version == 2
    assert claim.history.filter(version=2).first().history_change_reason == "Pyongyang denied it."
    changelog = client.get(reverse("web:claim_changelog", args=[claim.slug])).content.decode()
    assert "Pyongyang denied it." in changelog


@pytest.mark.django_db
def test_a_draft_can_be_changed_without_a_reason(analyst_client):
    claim = make_claim(state=PublicationState.DRAFT)

    response = post_change(analyst_client, claim, notes="Work in progress.", change_reason="")

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.notes == "Work in progress."


@pytest.mark.django_db
def test_saving_a_published_claim_unchanged_needs_no_reason_and_adds_no_version(analyst_client):
    claim = make_claim(state=PublicationState.PUBLISHED)
    make_claim_citation(claim=claim)

    response = post_change(analyst_client, claim, change_reason="")

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.version == 1


# Taking a record back


@pytest.mark.django_db
def test_unpublishing_needs_a_reason(editor_client):
    claim = make_claim(state=PublicationState.PUBLISHED)
    make_claim_citation(claim=claim)

    response = post_change(editor_client, claim, state=PublicationState.IN_REVIEW, change_reason="")

    assert "change_reason" in response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert claim.state == PublicationState.PUBLISHED


@pytest.mark.django_db
def test_unpublishing_keeps_the_record_and_its_history_but_hides_it(editor_client, client):
    claim = make_claim(state=PublicationState.PUBLISHED)
    make_claim_citation(claim=claim)
    public_urls = [
        claim.get_absolute_url(),
        reverse("web:claim_changelog", args=[claim.slug]),
        reverse("web:claim_revision", args=[claim.slug, 1]),
    ]
    assert [client.get(url).status_code for url in public_urls] == [200, 200, 200]

    response = post_change(editor_client, claim, state=PublicationState.IN_REVIEW, change_reason="Under review again.")

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == PublicationState.IN_REVIEW
    assert [client.get(url).status_code for url in public_urls] == [404, 404, 404]
    history = editor_client.get(admin_url(Claim, "history", claim.pk))
    assert [e["revision"].number for e in history.context["entries"]] == [2, 1]
    assert "Under review again." in history.content.decode()


@pytest.mark.django_db
def test_unpublish_claim_service_needs_a_reason_and_an_editor(editor, analyst):
    claim = make_claim(state=PublicationState.PUBLISHED)
    make_claim_citation(claim=claim)

    with pytest.raises(ValidationError):
        services.unpublish_claim(claim=claim, user=editor, reason=" ")
    with pytest.raises(PermissionDenied):
        services.unpublish_claim(claim=claim, user=analyst, reason="No.")
    taken_back = services.unpublish_claim(claim=claim, user=editor, reason="Source retracted.")

    assert taken_back.state == PublicationState.IN_REVIEW
    assert claim.history.count() == 2


# One write path: the admin saves a claim or denial through claims.services


@pytest.mark.django_db
def test_admin_saves_a_claim_and_its_parts_through_the_service(analyst_client, monkeypatch):
    claim = make_claim(state=PublicationState.DRAFT)
    calls = []
    real = services.save_publishable

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "save_publishable", spy)
    response = post_change(analyst_client, claim, notes="Edited.")

    assert response.status_code == 302
    assert [(c["record"].pk, c["stored_state"], c["record"].notes) for c in calls] == [
        (claim.pk, PublicationState.DRAFT, "Edited.")
    ]
    revision = Claim.history.filter(id=claim.pk).latest().revision
    assert (revision.user.username, claim.history.filter(revision=revision).count()) == ("analyst", 1)


@pytest.mark.django_db
def test_save_service_refuses_a_state_change_by_an_analyst_and_writes_nothing(analyst):
    claim = make_claim(state=PublicationState.DRAFT)
    make_claim_citation(claim=claim)
    rows = claim.history.count()
    claim.state = PublicationState.PUBLISHED

    with pytest.raises(PermissionDenied):
        services.save_publishable(record=claim, stored_state=PublicationState.DRAFT, user=analyst, reason="Publish.")

    assert Claim.objects.get(pk=claim.pk).state == PublicationState.DRAFT
    assert claim.history.count() == rows


def test_publication_rule_is_written_once():
    rule = Claim.publication_rule
    assert rule(state=PublicationState.PUBLISHED, has_quote=False) == PUBLISH_NEEDS_QUOTE
    assert rule(state=PublicationState.PUBLISHED, has_quote=True) is None
    assert rule(state=PublicationState.IN_REVIEW, has_quote=False) is None
    assert rule(state=PublicationState.PUBLISHED, has_quote=False, was_published_without_quote=True) is None
