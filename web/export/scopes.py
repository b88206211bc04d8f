"""What an export URL covers. Each exportable page -- the claims list with its filters,
a claim, a topic, an actor -- is a scope: the published claims it lists, read through
Claim.objects.published() and filtered by the browse pages' own ClaimFilter, and the
published denials that answer them (plus, for an actor, the denials it issued)."""

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from claims.models import Actor, Claim, ClaimCitation, Denial, DenialCitation, Topic
from sources.models import Source
from web.filters import ClaimFilter
from web.pagination import sort_order

KINDS = ("list", "claim", "topic", "actor")


class BadExportRequest(ValueError):
    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.fields = fields or {}


@dataclass
class Scope:
    kind: str
    title: str  # "the claims list", "topic North Korean munitions for Russia"
    stem: str  # file name stem: "claims", "topic-north-korean-munitions-for-russia"
    page_url: str
    claims: QuerySet  # published, filtered and ordered
    own_denials: QuerySet | None = None  # denials the scope's actor issued


def filter_errors(form) -> str:
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


def resolve(request, kind: str, slug: str | None = None) -> Scope:
    """The scope of an export URL. Raises Http404 for an unknown record and
    BadExportRequest for filters the browse page would reject."""
    claims = Claim.objects.published()
    if kind == "claim":
        claim = get_object_or_404(Claim.objects.published().only("pk", "slug"), slug=slug)
        return Scope(
            kind, f"claim {claim.slug}", f"claim-{claim.slug}", claim.get_absolute_url(), claims.filter(pk=claim.pk)
        )
    own_denials = None
    if kind == "topic":
        topic = get_object_or_404(Topic, slug=slug)
        claims = claims.filter(topics=topic)
        title, stem, page_url = f"topic “{topic.name}”", f"topic-{topic.slug}", topic.get_absolute_url()
    elif kind == "actor":
        actor = get_object_or_404(Actor, slug=slug)
        claims = claims.involving(actor)
        own_denials = Denial.objects.published().filter(deniers=actor)
        title, stem, page_url = f"actor “{actor.name}”", f"actor-{actor.slug}", actor.get_absolute_url()
    else:
        title, stem, page_url = "the claims list", "claims", "/claims/"
    filterset = ClaimFilter(request.GET, queryset=claims)
    if not filterset.is_valid():
        raise BadExportRequest(f"Invalid filters: {filter_errors(filterset.form)}", filterset.form.errors)
    claims = filterset.qs.order_by(*sort_order(filterset.chosen_sort))
    return Scope(kind, title, stem, page_url, claims, own_denials)


def cited_sources(scope: Scope) -> QuerySet:
    """Every source cited by the scope's claims or by the published denials answering
    them, each once, with what the bibliography reads, in three queries."""
    claim_ids = scope.claims.order_by().values("pk")
    denials = Q(denial__in=Denial.objects.published().filter(claims__in=claim_ids).values("pk"))
    if scope.own_denials is not None:
        denials |= Q(denial__in=scope.own_denials.values("pk"))
    cited = Q(pk__in=ClaimCitation.objects.filter(claim__in=claim_ids).values("source_id")) | Q(
        pk__in=DenialCitation.objects.filter(denials).values("source_id")
    )
    return (
        Source.objects.filter(cited)
        .for_bibliography()
        .order_by(
            F("published_earliest").asc(nulls_last=True), F("published_latest").asc(nulls_last=True), "title", "pk"
        )
    )
