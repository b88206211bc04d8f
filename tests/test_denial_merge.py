"""One denial per act of denying: further kinds, and duplicates merged as one revision
whose old addresses lead to the denial kept (claims.services.merge_denials)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from claims.importer import ImportFailed, import_data
from claims.models import Denial, DenialCitation, DenialOtherKind, DenialRedirect, PublicationState
from claims.services import merge_denials
from history.records import revisions_of
from tests.factories import (
    make_actor,
    make_claim,
    make_denial,
    make_denial_citation,
    make_denial_other_kind,
    make_source,
    make_unpublished_document,
)

pytestmark = pytest.mark.django_db


def two_reports_of_one_denial():
    """The same dismissal, recorded once from the AP and once from a copy of it."""
    north_korea, russia = make_actor(name="North Korea"), make_actor(name="Russia")
    first_claim, second_claim = make_claim(), make_claim()
    ap, summary = make_source(title="AP"), make_source(title="Summary")
    kept = make_denial(slug="nk-russia-deny", kind="dismissal", claims=[first_claim], deniers=[north_korea])
    make_denial_citation(denial=kept, source=ap, quote="have denied", position=1)
    duplicate = make_denial(
        slug="nk-russia-dismiss",
        kind="counter_claim",
        claims=[first_claim, second_claim],
        deniers=[north_korea, russia],
        notes="Seen in a summary.",
    )
    make_denial_citation(denial=duplicate, source=ap, quote="have denied", position=1)  # the same quote
    make_denial_citation(denial=duplicate, source=summary, quote="dismissed the accusations", position=2)
    return kept, duplicate


def test_a_denial_can_be_of_several_kinds_its_sharpest_first():
    other = make_denial_other_kind()
    denial = Denial.objects.for_list().get(pk=other.denial_id)
    assert denial.kinds == ["dismissal", "counter_claim"]
    assert denial.get_kinds_display() == "dismissal ('baseless', 'rumours'); also counter-claim"


def test_a_further_kind_equal_to_the_denials_own_is_refused():
    denial = make_denial(kind="dismissal")
    with pytest.raises(ValidationError) as excinfo:
        DenialOtherKind(denial=denial, kind="dismissal").full_clean()
    assert excinfo.value.message_dict == {"kind": ["This is already the denial's kind."]}


def test_merging_moves_citations_deniers_claims_and_kinds_into_the_first_recorded(editor):
    kept, duplicate = two_reports_of_one_denial()

    result = merge_denials(denials=[duplicate, kept], user=editor)

    assert result.pk == kept.pk
    assert not Denial.objects.filter(pk=duplicate.pk).exists()
    kept.refresh_from_db()
    quotes = list(kept.citations.order_by("position").values_list("source__title", "quote", "position"))
    assert quotes == [("AP", "have denied", 1), ("Summary", "dismissed the accusations", 2)]  # no double quote
    assert {a.name for a in kept.deniers.all()} == {"North Korea", "Russia"}
    assert kept.claims.count() == 2
    assert kept.kinds == ["dismissal", "counter_claim"]
    assert "From the merged “nk-russia-dismiss”: Seen in a summary." in kept.notes
    assert DenialRedirect.objects.get(slug="nk-russia-dismiss").denial == kept
    assert DenialCitation.objects.count() == 2


def test_a_merge_is_one_revision_with_its_reason_and_user(editor):
    kept, duplicate = two_reports_of_one_denial()

    merge_denials(denials=[kept, duplicate], user=editor)

    latest = revisions_of(Denial, kept.pk)[-1]
    assert latest.reason == "Merged nk-russia-dismiss into nk-russia-deny: one act of denying."
    deleted = Denial.history.filter(id=duplicate.pk, history_type="-").get()
    assert deleted.revision_id == latest.revision_id
    assert deleted.revision.user == editor


def test_the_merged_denials_address_leads_to_the_one_kept(client, editor):
    kept, duplicate = two_reports_of_one_denial()
    merge_denials(denials=[kept, duplicate], user=editor)

    response = client.get(reverse("web:denial_detail", args=["nk-russia-dismiss"]))

    assert response.status_code == 301
    assert response["Location"] == kept.get_absolute_url()


def test_merging_a_merged_denial_again_moves_its_old_addresses_along(editor):
    kept, duplicate = two_reports_of_one_denial()
    merge_denials(denials=[kept, duplicate], user=editor)
    newer = make_denial(slug="later-record")
    merge_denials(denials=[newer, Denial.objects.get(pk=kept.pk)], user=editor)
    assert dict(DenialRedirect.objects.values_list("slug", "denial__slug")) == {
        "nk-russia-dismiss": "nk-russia-deny",
        "later-record": "nk-russia-deny",
    }


@pytest.mark.parametrize(
    ("states", "message"),
    [
        ((PublicationState.PUBLISHED, PublicationState.DRAFT), "same publication state"),
        ((PublicationState.DRAFT,), "at least two"),
    ],
)
def test_merging_refuses_what_would_publish_or_hide_a_denial(editor, states, message):
    denials = [make_denial(state=state) for state in states]
    with pytest.raises(ValidationError, match=message):
        merge_denials(denials=denials, user=editor)
    assert Denial.objects.count() == len(states)


def test_only_an_editor_merges_published_denials(analyst):
    denials = [make_denial(), make_denial()]
    with pytest.raises(PermissionDenied):
        merge_denials(denials=denials, user=analyst)
    assert Denial.objects.count() == 2


def test_the_admin_action_merges_and_reports_it(client, editor):
    kept, duplicate = two_reports_of_one_denial()
    client.force_login(editor)

    response = client.post(
        reverse("admin:claims_denial_changelist"),
        {"action": "merge_selected", "_selected_action": [kept.pk, duplicate.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Merged 2 denials into" in response.content.decode()
    assert list(Denial.objects.values_list("slug", flat=True)) == ["nk-russia-deny"]


def test_the_importer_reads_further_kinds_and_unpublished_documents():
    import_data(
        {
            "actors": [{"slug": "nis", "name": "National Intelligence Service", "kind": "agency"}],
            "sources": [
                {"slug": "briefing", "title": "[NIS briefing]", "kind": "briefing", "issuer": "NIS"},
            ],
            "claims": [
                {
                    "slug": "c",
                    "proposition": "p",
                    "chain": [{"actor": "nis", "role": "originator", "document": "briefing"}],
                }
            ],
            "denials": [
                {"slug": "d", "statement": "No.", "deniers": ["nis"], "kind": "dismissal", "also": ["counter_claim"]}
            ],
        }
    )
    assert Denial.objects.for_list().get().kinds == ["dismissal", "counter_claim"]
    from claims.models import Attribution

    assert Attribution.objects.get().document.issuer == "NIS"


def test_the_importer_refuses_an_article_without_an_outlet():
    with pytest.raises(ImportFailed) as failure:
        import_data({"sources": [{"slug": "s", "title": "A story", "kind": "article"}]})
    assert failure.value.errors == [
        "sources[0] (slug 's') outlet: Give the outlet that published it, or choose the kind of unpublished "
        "document it is."
    ]


def test_an_unpublished_document_reads_as_issued_by_its_body():
    briefing = make_unpublished_document(title="[NIS briefing]")
    assert (str(briefing), briefing.publisher, briefing.is_unpublished) == (
        "[NIS briefing] (National Intelligence Service)",
        "National Intelligence Service",
        True,
    )
