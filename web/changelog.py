"""A claim's public changelog and its citable revisions.

Readers see only revisions that were published, of claims that are published now:
/claims/<slug>/changes/ lists them (version, date, reason, what changed) and
/claims/<slug>/v/<version>/ shows one as it stood then, marked as an older revision.
Each page issues a fixed number of queries, whatever the length of the history.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from claims.models import STATUS_EXPLAINED, Actor, Claim, PublicationState, Topic, chain_steps
from history.records import DELETED, group_revisions, parts_as_of, rows_of

# Fields readers see on a claim page; other changes (publication state) are not listed.
# A date's earliest and latest day follow its EDTF text: a change to the text is listed.
PUBLIC_FIELDS = {
    "proposition",
    "slug",
    "made_edtf",
    "made_as_worded",
    "made_inferred",
    "period_start_edtf",
    "period_start_as_worded",
    "period_start_inferred",
    "period_end_edtf",
    "period_end_as_worded",
    "period_end_inferred",
    "certainty",
    "hedge",
    "status",
    "likelihood",
    "confidence",
    "credibility",
    "notes",
    "subjects",
    "topics",
    "materiel",
}
# Names for the parts of a date, whose verbose names ("made (EDTF)") are for analysts.
DATE_LABELS = {
    "made_edtf": "date made",
    "made_as_worded": "date made as worded",
    "made_inferred": "whether the date made is inferred",
    "period_start_edtf": "start of period covered",
    "period_start_as_worded": "start of period covered as worded",
    "period_start_inferred": "whether the start of period covered is inferred",
    "period_end_edtf": "end of period covered",
    "period_end_as_worded": "end of period covered as worded",
    "period_end_inferred": "whether the end of period covered is inferred",
}


def published_revisions(claim) -> list:
    """The claim's revisions that were published, oldest first, each with the public
    fields that changed since the previous published one."""
    revisions = group_revisions(Claim, rows_of(Claim, claim.pk, select_user=False))
    published = [r for r in revisions if r.type != DELETED and r.last.state == PublicationState.PUBLISHED]
    previous = None
    for revision in published:
        revision.public_changes = _public_changes(previous, revision)
        previous = revision
    return published


def _public_changes(previous, revision) -> list[str]:
    if previous is None:
        return []
    names = []
    fields = {f.attname: f for f in Claim.content_fields()}
    for name in sorted(PUBLIC_FIELDS):
        if name in fields:
            if getattr(previous.last, name) != getattr(revision.last, name):
                names.append(DATE_LABELS.get(name) or str(fields[name].verbose_name))
        elif previous.m2m.get(name, set()) != revision.m2m.get(name, set()):
            names.append(str(Claim._meta.get_field(name).verbose_name))
    return sorted(set(names))


def claim_changelog(request, slug):
    claim = get_object_or_404(Claim.objects.published(), slug=slug)
    revisions = published_revisions(claim)
    return render(
        request,
        "claims/claim_changelog.html",
        {"claim": claim, "revisions": list(reversed(revisions))},
    )


def claim_revision(request, slug, version):
    claim = get_object_or_404(Claim.objects.published(), slug=slug)
    revisions = published_revisions(claim)
    revision = next((r for r in revisions if r.number == version), None)
    if revision is None:
        raise Http404("No published revision of this claim has that number.")
    then = revision.last.instance  # the claim's own fields as they stood
    m2m = revision.m2m
    parts = parts_as_of(
        Claim, claim.pk, revision.until, select_related=("actor", "materiel", "source__outlet", "to_claim")
    )
    context = {
        "claim": claim,
        "then": then,
        "revision": revision,
        "is_current": revision.number == claim.version,
        "status_explained": STATUS_EXPLAINED.get(then.status, ""),
        "subjects": Actor.objects.filter(pk__in=m2m.get("subjects", ())).order_by("name"),
        "topics": Topic.objects.filter(pk__in=m2m.get("topics", ())).order_by("name"),
        "chain": chain_steps(_with_dates(parts["attributions"])),
        "quantities": [(row.instance, row.materiel) for row in parts["quantities"]],
        "citations": parts["citations"],
        "links": [
            row for row in parts["links_out"] if row.to_claim and row.to_claim.state == PublicationState.PUBLISHED
        ],
    }
    return render(request, "claims/claim_revision.html", context)


def _with_dates(rows: list) -> list:
    """History rows of attributions, each with its `date` as the model gives it: a history
    row has the date's columns but not the accessor that reads them as one date."""
    for row in rows:
        row.date = row.instance.date
    return rows
