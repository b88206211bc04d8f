"""Writes that touch more than one row or carry a rule of the workflow, each in one
transaction (HackSoft style: keyword-only arguments, called by the admin and by code).

Publication workflow: draft -> in review -> published. Only users with the publish
permission (the "editor" group) publish or take a record back; publishing needs at
least one citation quoting its source; taking a record back keeps it and its history.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from claims.models import Claim, Denial, DenialRedirect, PublicationState
from history import services as history_services
from history.tracking import recording

PUBLISH_PERMISSIONS = {Claim: "claims.publish_claim", Denial: "claims.publish_denial"}


def _check_may_publish(*, model, user):
    if not user.has_perm(PUBLISH_PERMISSIONS[model]):
        raise PermissionDenied(f"Only editors can publish or take back {model._meta.verbose_name_plural}.")


def save_publishable(*, record, stored_state: str | None, user, reason: str | None, **save) -> Claim | Denial:
    """Save a claim or denial edited with its parts (the admin's write; `save` as for
    history.services.save_record). Moving it to or from "published" needs the publish
    permission, as publish_claim() does; the admin's form has already checked the
    publication rule against the rows as posted."""
    published = PublicationState.PUBLISHED
    if record.state != stored_state and published in (record.state, stored_state):
        _check_may_publish(model=type(record), user=user)
    return history_services.save_record(instance=record, user=user, reason=reason, **save)


def _set_state(*, record, state: str, user, reason: str):
    model = type(record)
    _check_may_publish(model=model, user=user)
    with transaction.atomic(), recording(reason=reason, user=user):
        locked = model.objects.select_for_update().get(pk=record.pk)
        if locked.state == state:
            return locked
        locked.state = state
        if problem := locked.publication_problem():
            raise ValidationError(problem, code="publish_needs_quote")
        locked._change_reason = reason
        locked.save()
    return locked


def publish_claim(*, claim: Claim, user, reason: str = "Published") -> Claim:
    """Publish a claim; refused without a citation that quotes its source."""
    return _set_state(record=claim, state=PublicationState.PUBLISHED, user=user, reason=reason)


def publish_denial(*, denial: Denial, user, reason: str = "Published") -> Denial:
    return _set_state(record=denial, state=PublicationState.PUBLISHED, user=user, reason=reason)


def unpublish_claim(*, claim: Claim, user, reason: str, state: str = PublicationState.IN_REVIEW) -> Claim:
    """Take a published claim back (to review or draft): readers no longer see it or its
    changelog; the record and its whole history stay in the admin."""
    if not reason.strip():
        raise ValidationError("Give a reason for taking the claim back.")
    if state == PublicationState.PUBLISHED:
        raise ValueError("unpublish_claim takes a claim back to review or draft")
    return _set_state(record=claim, state=state, user=user, reason=reason)


def merge_denials(*, denials, user, reason: str = "") -> Denial:
    """Merge denials recorded more than once (the same act of denying, reported by two
    outlets) into the one recorded first, as one revision: its citations, deniers, claims
    answered and kinds gain the others', their notes are appended, and each merged
    denial's address leads to it from then on. The denials must share a publication
    state: merging must not publish or hide anything."""
    denials = sorted(denials, key=lambda denial: (denial.created_at, denial.pk))
    if len(denials) < 2:
        raise ValidationError("Choose at least two denials to merge.")
    if len({denial.state for denial in denials}) > 1:
        raise ValidationError("Merge denials in the same publication state only: publish or take back first.")
    if any(denial.state == PublicationState.PUBLISHED for denial in denials):
        _check_may_publish(model=Denial, user=user)
    kept, *merged = denials
    reason = reason or f"Merged {', '.join(d.slug for d in merged)} into {kept.slug}: one act of denying."
    with transaction.atomic(), recording(reason=reason, user=user):
        kept = Denial.objects.select_for_update().get(pk=kept.pk)
        quoted = set(kept.citations.values_list("source_id", "quote"))
        position = max(kept.citations.values_list("position", flat=True), default=0)
        kinds = {kept.kind, *kept.other_kinds.values_list("kind", flat=True)}
        for other in Denial.objects.filter(pk__in=[d.pk for d in merged]).order_by("created_at", "pk"):
            for citation in other.citations.order_by("position", "pk"):
                if (citation.source_id, citation.quote) not in quoted:
                    quoted.add((citation.source_id, citation.quote))
                    position += 1
                    citation.pk, citation.denial, citation.position = None, kept, position
                    citation.save()
            kept.deniers.add(*other.deniers.all())
            kept.claims.add(*other.claims.all())
            for kind in {other.kind, *other.other_kinds.values_list("kind", flat=True)} - kinds:
                kinds.add(kind)
                kept.other_kinds.create(kind=kind)
            if other.notes:
                kept.notes = f"{kept.notes}\n\nFrom the merged “{other.slug}”: {other.notes}".strip()
            kept.channel = kept.channel or other.channel
            if not kept.made_edtf:
                kept.made = other.made
            other.redirects.update(denial=kept)
            DenialRedirect.objects.create(slug=other.slug, denial=kept)
            other.delete()
        kept.save()
    return kept
