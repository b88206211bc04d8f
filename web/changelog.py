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
PUBLIC_FIELDS = {
    "proposition",
    "slug",
    "made_on",
    "made_precision",
    "period_start_on",
    "period_start_precision",
    "period_end_on",
    "period_end_precision",
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
                label = str(fields[name].verbose_name).removesuffix(" precision").removesuffix(" on")
                names.append(label)
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
        "chain": chain_steps(parts["attributions"]),
        "quantities": [(row.instance, row.materiel) for row in parts["quantities"]],
        "citations": parts["citations"],
        "links": [
            row for row in parts["links_out"] if row.to_claim and row.to_claim.state == PublicationState.PUBLISHED
        ],
    }
    return render(request, "claims/claim_revision.html", context)
