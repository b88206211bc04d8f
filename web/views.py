"""Public, read-only pages. Readers see published claims and denials only; actors,
topics, materiel, sources and outlets are reference records and are always public.

Every page takes its querysets from the models' QuerySet methods (for_list,
for_detail), which prefetch what the templates read, so each page issues a constant
number of queries whatever the data size.
"""

from django import forms
from django.db.models import Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from claims.models import (
    STATUS_EXPLAINED,
    Actor,
    Attribution,
    CitationFigure,
    Claim,
    ClaimCertainty,
    ClaimCitation,
    Denial,
    DenialCitation,
    DenialRedirect,
    Materiel,
    PublicationState,
    Topic,
    involvement,
)
from sources.models import Derivation, Outlet, Source
from sources.services import ancestry_edges, independent_origins
from web.counts import CappedCount, capped_count, cheap_counts, of_published_claims
from web.figure_history import materiel_figure_history, topic_figure_history
from web.filters import ClaimFilter, DenialFilter
from web.jsonld import claim_jsonld
from web.pagination import BadCursor, keyset_page, slug_page
from web.paths import reporting_tree
from web.search import claim_search, denial_search
from web.timeline import build_timeline

SEARCH_LIMIT = 50
MAX_QUERY_LENGTH = 200
HOME_TOPICS = 20


def _topic_claim_count():
    """A topic's published claims, counted up to the cap (web.counts)."""
    return CappedCount(of_published_claims(Claim.topics.through.objects.filter(topic=OuterRef("pk"))))


def home(request):
    # The first HOME_TOPICS by name; the topics page lists them all, fifty a page.
    topics = list(Topic.objects.annotate(claim_count=_topic_claim_count()).order_by("name", "pk")[: HOME_TOPICS + 1])
    context = {
        "topics": topics[:HOME_TOPICS],
        "more_topics": len(topics) > HOME_TOPICS,
        "recent_claims": Claim.objects.published().for_list().order_by("-created_at", "-pk")[:8],
        "recent_denials": Denial.objects.published().for_list().order_by("-created_at", "-pk")[:5],
        # Exact while small, estimated beyond: a COUNT(*) of a million rows costs more than the page.
        "counts": cheap_counts(
            {
                "claims": Claim.objects.published(),
                "denials": Denial.objects.published(),
                "actors": Actor.objects.all(),
                "sources": Source.objects.all(),
            }
        ),
    }
    return render(request, "claims/home.html", context)


def _index_page(request, queryset, template: str, name: str, **extra):
    """An index page (actors, topics ...): INDEX_PAGE_SIZE records in slug order, with
    a link to the next page after the last slug shown."""
    after = request.GET.get("after", "")
    try:
        page = slug_page(queryset, after=after)
    except BadCursor as exc:
        return render(request, template, {name: [], "error": str(exc), **extra}, status=400)
    context = {
        name: page.items,
        "next_url": _query_with(request, after=page.next_cursor) if page.next_cursor else "",
        "first_url": request.path if after else "",
        **extra,
    }
    return render(request, template, context)


def claim_list(request):
    filterset = ClaimFilter(request.GET, queryset=Claim.objects.published().for_list())
    context = {"filterset": filterset, "page": None, "total": 0, "error": ""}
    if not filterset.is_valid():
        return render(request, "claims/claim_list.html", context, status=400)
    try:
        page = keyset_page(filterset.qs, sort=filterset.chosen_sort, after=request.GET.get("after", ""))
    except BadCursor as exc:
        context["error"] = str(exc)
        return render(request, "claims/claim_list.html", context, status=400)
    context.update(
        page=page,
        total=capped_count(filterset.qs),
        chips=[(label, value, _query_without(request, name)) for name, label, value in filterset.active()],
        next_url=_query_with(request, after=page.next_cursor) if page.next_cursor else "",
        first_url=_query_without(request, "after") if request.GET.get("after") else "",
    )
    return render(request, "claims/claim_list.html", context)


def denial_list(request):
    filterset = DenialFilter(request.GET, queryset=Denial.objects.published().for_list())
    context = {"filterset": filterset, "page": None, "total": "0", "error": ""}
    if not filterset.is_valid():
        return render(request, "claims/denial_list.html", context, status=400)
    try:
        page = keyset_page(filterset.qs, sort="-made", after=request.GET.get("after", ""))
    except BadCursor as exc:
        context["error"] = str(exc)
        return render(request, "claims/denial_list.html", context, status=400)
    context.update(
        page=page,
        total=capped_count(filterset.qs),
        chips=[(label, value, _query_without(request, name)) for name, label, value in filterset.active()],
        next_url=_query_with(request, after=page.next_cursor) if page.next_cursor else "",
        first_url=_query_without(request, "after") if request.GET.get("after") else "",
    )
    return render(request, "claims/denial_list.html", context)


def _query_without(request, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    params.pop("after", None)  # a page marker belongs to the old filter
    return f"?{params.urlencode()}" if params else request.path


def _query_with(request, **values) -> str:
    params = request.GET.copy()
    for key, value in values.items():
        params[key] = value
    return f"?{params.urlencode()}"


# Surest first; "unclear" is not on the scale.
_CERTAINTY_RANK = {ClaimCertainty.STATED_AS_FACT: 0, ClaimCertainty.PROBABLE: 1, ClaimCertainty.POSSIBLE: 2}


def figure_certainty(quantity, claim) -> str:
    """What the page says of a figure the claimant is surer or less sure of than of the
    claim ("the claimant is less sure of this figure: possible ..."); empty when the
    figure's certainty is the claim's."""
    if not quantity.certainty or quantity.certainty == claim.certainty:
        return ""
    label = quantity.get_certainty_display()
    mine, claims = _CERTAINTY_RANK.get(quantity.certainty), _CERTAINTY_RANK.get(claim.certainty)
    if mine is None or claims is None:
        return f"the claimant's certainty of this figure: {label}"
    return f"the claimant is {'less sure' if mine > claims else 'surer'} of this figure: {label}"


def claim_detail(request, slug):
    claim = get_object_or_404(Claim.objects.published().for_detail(), slug=slug)
    prefetch_related_objects(
        [claim],
        "public_denials__other_kinds",
        # How each source worded the figures: one query for all the citations.
        Prefetch("citations__figures", queryset=CitationFigure.objects.select_related("quantity")),
    )
    citations = list(claim.citations.all())
    tree = reporting_tree(citations, chain=claim.attributions.all())
    origins = independent_origins(c.source_id for c in citations)
    tree.annotate(citations)
    context = {
        "claim": claim,
        "figures": [(q, figure_certainty(q, claim)) for q in claim.quantities.all()],
        "citations": citations,
        "tree": tree,
        "origin_count": len(origins),
        "cited_count": tree.cited_count,
        "links": [(f"This claim {link.get_kind_display()}", link.to_claim) for link in claim.links_out.all()]
        + [(f"{link.get_kind_display().capitalize()} this claim:", link.from_claim) for link in claim.links_in.all()],
        "status_explained": STATUS_EXPLAINED[claim.status],
        "timeline": build_timeline([claim], claim.public_denials),
        "jsonld": claim_jsonld(claim, request),
    }
    return render(request, "claims/claim_detail.html", context)


def denial_detail(request, slug):
    denial = Denial.objects.published().for_detail().filter(slug=slug).first()
    if denial is None:
        # A denial merged into another (claims.services.merge_denials) leads to the one kept.
        moved = DenialRedirect.objects.filter(slug=slug, denial__state=PublicationState.PUBLISHED)
        kept = moved.values_list("denial__slug", flat=True).first()
        if kept is None:
            raise Http404("No published denial has this address.")
        return HttpResponsePermanentRedirect(reverse("web:denial_detail", args=[kept]))
    citations = list(denial.citations.all())
    tree = reporting_tree(citations)
    tree.annotate(citations)
    context = {
        "denial": denial,
        "citations": citations,
        "tree": tree,
        "origin_count": len(independent_origins(c.source_id for c in citations)),
        "cited_count": tree.cited_count,
        "claims": Claim.objects.published().for_list().filter(denials=denial),
    }
    return render(request, "claims/denial_detail.html", context)


def actor_list(request):
    # Links in published chains (an actor twice in one chain counts twice: rare, and
    # a DISTINCT would read every link of an actor in a hundred thousand claims).
    in_chain = of_published_claims(Attribution.objects.filter(actor=OuterRef("pk")))
    actors = (
        Actor.objects.select_related("parent").prefetch_related("aliases").annotate(claim_count=CappedCount(in_chain))
    )
    return _index_page(request, actors, "claims/actor_list.html", "actors")


def actor_detail(request, slug):
    actor = get_object_or_404(Actor.objects.select_related("parent").prefetch_related("aliases", "children"), slug=slug)

    # One query for every claim the actor is involved in, then sorted by role here.
    involved = list(
        Claim.objects.published()
        .for_list()
        .annotate(
            made_by=involvement(actor, "made"),
            relayed_by=involvement(actor, "relayed"),
            endorsed_by=involvement(actor, "endorsed"),
            is_about=involvement(actor, "about"),
        )
        .filter(Q(made_by=True) | Q(relayed_by=True) | Q(endorsed_by=True) | Q(is_about=True))
    )
    denials = list(Denial.objects.published().for_list().filter(deniers=actor))
    context = {
        "actor": actor,
        "made": [c for c in involved if c.made_by],
        "relayed": [c for c in involved if c.relayed_by],
        "endorsed": [c for c in involved if c.endorsed_by],
        "about": [c for c in involved if c.is_about],
        "denials": denials,
        "timeline": build_timeline(involved, denials),
    }
    return render(request, "claims/actor_detail.html", context)


def topic_list(request):
    topics = Topic.objects.annotate(claim_count=_topic_claim_count())
    return _index_page(request, topics, "claims/topic_list.html", "topics")


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    claims = list(Claim.objects.published().for_list().filter(topics=topic))
    denials = list(
        Denial.objects.published()
        .for_list()
        .filter(Exists(Denial.claims.through.objects.filter(denial=OuterRef("pk"), claim__topics=topic)))
    )
    context = {
        "topic": topic,
        "claims": claims,
        "denials": denials,
        "timeline": build_timeline(claims, denials),
        "figure_history": topic_figure_history(topic),
    }
    return render(request, "claims/topic_detail.html", context)


def materiel_list(request):
    tagged = of_published_claims(Claim.materiel.through.objects.filter(materiel=OuterRef("pk")))
    materiel = Materiel.objects.select_related("parent").annotate(claim_count=CappedCount(tagged))
    return _index_page(request, materiel, "claims/materiel_list.html", "materiel")


def materiel_detail(request, slug):
    materiel = get_object_or_404(Materiel.objects.select_related("parent").prefetch_related("children"), slug=slug)
    claims = Claim.objects.published().for_list().filter(Q(materiel=materiel) | Q(materiel__parent=materiel)).distinct()
    context = {"materiel": materiel, "claims": claims, "figure_history": materiel_figure_history(materiel)}
    return render(request, "claims/materiel_detail.html", context)


class SearchForm(forms.Form):
    q = forms.CharField(max_length=MAX_QUERY_LENGTH, required=False, strip=True)


def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        message = " ".join(form.errors["q"])
        return render(request, "claims/search.html", {"query": "", "error": message}, status=400)
    query = form.cleaned_data["q"]
    context = {"query": query, "claims": [], "denials": [], "actors": []}
    if query:
        context["claims"] = Claim.objects.published().for_list().filter(claim_search(query))[:SEARCH_LIMIT]
        context["denials"] = Denial.objects.published().for_list().filter(denial_search(query))[:SEARCH_LIMIT]
        context["actors"] = (
            Actor.objects.filter(Q(name__icontains=query) | Q(aliases__name__icontains=query))
            .distinct()
            .prefetch_related("aliases")[:SEARCH_LIMIT]
        )
        context["claims_url"] = reverse("web:claim_list") + "?" + request.GET.urlencode()
    return render(request, "claims/search.html", context)


# --- Sources and outlets: what cites a source, and where it was derived from -------------


def source_list(request):
    return _index_page(request, Source.objects.for_bibliography(), "sources/source_list.html", "sources")


def source_detail(request, slug):
    source = get_object_or_404(Source.objects.for_detail(), slug=slug)
    context = {
        "source": source,
        "chain": _derivation_chain(source),
        "claim_citations": ClaimCitation.objects.published().filter(source=source).select_related("claim", "source"),
        "denial_citations": DenialCitation.objects.published().filter(source=source).select_related("denial", "source"),
        # The relay chains whose actors spoke through it (a briefing, a report).
        "spoken_through": Attribution.objects.filter(document=source, claim__state=PublicationState.PUBLISHED)
        .select_related("claim", "actor")
        .order_by("claim__slug", "position", "pk"),
    }
    return render(request, "sources/source_detail.html", context)


def _derivation_chain(source) -> list[Derivation]:
    """Every derivation above this source, back to its origins (two queries)."""
    edges = ancestry_edges([source.pk])
    if not edges:
        return []
    return list(
        Derivation.objects.filter(source_id__in={child for child, _ in edges})
        .select_related("source", "derived_from__outlet")
        .order_by(
            F("source__published_earliest").asc(nulls_last=True),
            F("source__published_latest").asc(nulls_last=True),
            "pk",
        )
    )


def outlet_list(request):
    published_there = Source.objects.filter(outlet=OuterRef("pk")).values("pk")
    outlets = Outlet.objects.annotate(source_count=CappedCount(published_there))
    unpublished = Source.objects.filter(outlet__isnull=True).count()  # a few, found by the outlet_id index
    return _index_page(request, outlets, "sources/outlet_list.html", "outlets", unpublished_count=unpublished)


def outlet_detail(request, slug):
    outlet = get_object_or_404(Outlet, slug=slug)
    sources = outlet.sources.all()
    return render(request, "sources/outlet_detail.html", {"outlet": outlet, "sources": sources})
