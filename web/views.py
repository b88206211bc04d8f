"""Public, read-only pages. Readers see published claims and denials only; actors,
topics, materiel, sources and outlets are reference records and are always public.

Every page takes its querysets from the models' QuerySet methods (for_list,
for_detail), which prefetch what the templates read, so each page issues a constant
number of queries whatever the data size.
"""

from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

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
)
from sources.models import Derivation, Outlet, Source
from sources.services import ancestry_edges, independent_origins
from web.counts import COUNT_CAP, CappedCount, capped, capped_count, cheap_counts, of_published_claims
from web.figure_history import materiel_figure_history, topic_figure_history
from web.filters import ClaimFilter, DenialFilter
from web.jsonld import claim_jsonld
from web.pagination import BadCursor, keyset_page, slug_page, sort_order
from web.paths import reporting_tree
from web.search import matching_actors, ranked_claims, ranked_denials
from web.timeline import build_timeline
from web.timeline_periods import BadWindow, parse_window, timeline_in_view

SEARCH_LIMIT = 50
MAX_QUERY_LENGTH = 200
HOME_TOPICS = 20
SECTION_SIZE = 25  # rows of each section of an actor's page


class BadInput(ValueError):
    """A query string no page could answer: a page marker or a date not from this site."""


def _bad_input_is_400(view):
    """Answer BadInput with 400 and its message, rather than a 500 or a bare error page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadInput as exc:
            return render(request, "bad_request.html", {"message": str(exc)}, status=400)

    return wrapper


@dataclass
class Section:
    """One bounded list on a page: a page of rows, and the links that go on (a keyset
    pager) or to the full list elsewhere (all_url, with count in words: "1,000+")."""

    items: list
    next_url: str = ""
    first_url: str = ""
    count: str = ""
    all_url: str = ""


def _section(request, queryset, *, param: str, sort: str = "-made") -> Section:
    """A keyset page of queryset (web/pagination.py); its marker in ?<param>=, so that
    each list of a page turns its pages on its own."""
    try:
        page = keyset_page(queryset, sort=sort, after=request.GET.get(param, ""))
    except BadCursor as exc:
        raise BadInput(str(exc)) from None
    others = request.GET.copy()
    others.pop(param, None)
    section = Section(page.items)
    if page.next_cursor:
        section.next_url = "?" + _encoded(others, **{param: page.next_cursor})
    if request.GET.get(param):
        section.first_url = "?" + _encoded(others)
    return section


def _encoded(params, **values) -> str:
    params = params.copy()
    for key, value in values.items():
        params[key] = value
    return params.urlencode()


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
    return _filtered_list(request, filterset, "claims/claim_list.html")


def denial_list(request):
    filterset = DenialFilter(request.GET, queryset=Denial.objects.published().for_list())
    return _filtered_list(request, filterset, "claims/denial_list.html")


def _filtered_list(request, filterset, template: str):
    """A keyset page of a filtered list, its capped count and its active filters; 400
    with the form's errors, or the marker's, for input no page can answer."""
    context = {"filterset": filterset, "page": None, "total": "0", "error": ""}
    if not filterset.is_valid():
        return render(request, template, context, status=400)
    try:
        sort = getattr(filterset, "chosen_sort", "-made")  # the denials list has one order
        page = keyset_page(filterset.qs, sort=sort, after=request.GET.get("after", ""))
    except BadCursor as exc:
        context["error"] = str(exc)
        return render(request, template, context, status=400)
    context.update(
        page=page,
        total=capped_count(filterset.qs),
        chips=[(label, value, _query_without(request, name)) for name, label, value in filterset.active()],
        next_url=_query_with(request, after=page.next_cursor) if page.next_cursor else "",
        first_url=_query_without(request, "after") if request.GET.get("after") else "",
    )
    return render(request, template, context)


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


@_bad_input_is_400
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
        "claims": _section(request, Claim.objects.published().for_list().filter(denials=denial), param="after"),
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


@_bad_input_is_400
def actor_detail(request, slug):
    actor = get_object_or_404(Actor.objects.select_related("parent").prefetch_related("aliases", "children"), slug=slug)
    published = Claim.objects.published()
    # The first rows of each section and a capped count of them, one query each, then one
    # query (and its prefetches) for the claims of every section together.
    sections = {
        role: _first_and_count(published.involving(actor, role).order_by(*sort_order("-made")))
        for role in ("made", "relayed", "endorsed", "about")
    }
    claims = Claim.objects.for_list().in_bulk({pk for pks, _ in sections.values() for pk in pks})
    denial_pks, denial_count = _first_and_count(
        Denial.objects.published().filter(deniers=actor).order_by(*sort_order("-made"))
    )
    denials = Denial.objects.for_list().in_bulk(denial_pks)
    list_url = reverse("web:claim_list")
    links = {
        "made": f"{list_url}?{urlencode({'claimant': actor.slug})}",
        "relayed": f"{list_url}?{urlencode({'involving': actor.slug})}",
        "endorsed": f"{list_url}?{urlencode({'involving': actor.slug})}",
        "about": f"{list_url}?{urlencode({'subject': actor.slug})}",
    }
    context = {
        "actor": actor,
        **{
            role: Section([claims[pk] for pk in pks], count=count, all_url=links[role] if count else "")
            for role, (pks, count) in sections.items()
        },
        "denials": Section(
            [denials[pk] for pk in denial_pks], count=denial_count, all_url=_denials_by(actor) if denial_count else ""
        ),
        "timeline": timeline_in_view(
            published.involving(actor),
            Denial.objects.published().filter(deniers=actor),
            window=_window(request),
            claims_url=_claims_in_period("involving", actor.slug),
            zoom_url=_zoom_to,
        ),
    }
    return render(request, "claims/actor_detail.html", context)


def _denials_by(actor) -> str:
    return f"{reverse('web:denial_list')}?{urlencode({'denier': actor.slug})}"


def _first_and_count(queryset) -> tuple[list[int], str]:
    """The pks of the first SECTION_SIZE rows, and how many rows there are in words
    ("1,000+" beyond COUNT_CAP), empty when they are all shown: one query, reading
    COUNT_CAP + 1 pks at most."""
    pks = list(queryset.values_list("pk", flat=True)[: COUNT_CAP + 1])
    if len(pks) <= SECTION_SIZE:
        return pks, ""
    return pks[:SECTION_SIZE], capped(len(pks))


def topic_list(request):
    topics = Topic.objects.annotate(claim_count=_topic_claim_count())
    return _index_page(request, topics, "claims/topic_list.html", "topics")


@_bad_input_is_400
def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    claims = Claim.objects.published().filter(topics=topic)
    denials = Denial.objects.published().filter(
        Exists(Denial.claims.through.objects.filter(denial=OuterRef("pk"), claim__topics=topic))
    )
    context = {
        "topic": topic,
        "claims": _section(request, claims.for_list(), param="after"),
        "denials": _section(request, denials.for_list(), param="denials_after"),
        "timeline": timeline_in_view(
            claims,
            denials,
            window=_window(request),
            claims_url=_claims_in_period("topic", topic.slug),
            zoom_url=_zoom_to,
        ),
        "figure_history": topic_figure_history(topic),
    }
    return render(request, "claims/topic_detail.html", context)


def materiel_list(request):
    tagged = of_published_claims(Claim.materiel.through.objects.filter(materiel=OuterRef("pk")))
    materiel = Materiel.objects.select_related("parent").annotate(claim_count=CappedCount(tagged))
    return _index_page(request, materiel, "claims/materiel_list.html", "materiel")


@_bad_input_is_400
def materiel_detail(request, slug):
    materiel = get_object_or_404(Materiel.objects.select_related("parent").prefetch_related("children"), slug=slug)
    # Its claims and its narrower types' (EXISTS rather than a join: no duplicates to remove).
    tagged = Claim.materiel.through.objects.filter(
        Q(materiel=materiel) | Q(materiel__parent=materiel), claim=OuterRef("pk")
    )
    claims = Claim.objects.published().for_list().filter(Exists(tagged))
    context = {
        "materiel": materiel,
        "claims": _section(request, claims, param="after"),
        "figure_history": materiel_figure_history(materiel),
    }
    return render(request, "claims/materiel_detail.html", context)


def _window(request):
    try:
        return parse_window(request.GET)
    except BadWindow as exc:
        raise BadInput(str(exc)) from None


def _claims_in_period(name: str, value: str):
    """The claims list's URL for one period, filtered by name=value: its date filters
    take every claim whose date reaches into the period."""

    def url(start, end) -> str:
        query = {name: value, "made_after": start.isoformat(), "made_before": end.isoformat()}
        return f"{reverse('web:claim_list')}?{urlencode(query)}"

    return url


def _zoom_to(start, end) -> str:
    return f"?{urlencode({'from': start.isoformat(), 'to': end.isoformat()})}#timeline"


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
        context["claims"] = ranked_claims(Claim.objects.published().for_list(), query, SEARCH_LIMIT)
        context["denials"] = ranked_denials(Denial.objects.published().for_list(), query, SEARCH_LIMIT)
        context["actors"] = matching_actors(query).prefetch_related("aliases")[:SEARCH_LIMIT]
        context["claims_url"] = reverse("web:claim_list") + "?" + request.GET.urlencode()
    return render(request, "claims/search.html", context)


# --- Sources and outlets: what cites a source, and where it was derived from -------------


def source_list(request):
    return _index_page(request, Source.objects.for_bibliography(), "sources/source_list.html", "sources")


@_bad_input_is_400
def source_detail(request, slug):
    source = get_object_or_404(Source.objects.select_related("outlet"), slug=slug)
    claim_citations = ClaimCitation.objects.published().filter(source=source).select_related("claim", "source")
    denial_citations = DenialCitation.objects.published().filter(source=source).select_related("denial", "source")
    # The relay chains whose actors spoke through it (a briefing, a report).
    spoken_through = Attribution.objects.filter(document=source, claim__state=PublicationState.PUBLISHED)
    copies = Derivation.objects.filter(derived_from=source).select_related("source__outlet")
    context = {
        "source": source,
        "chain": _derivation_chain(source),
        "claim_citations": _section(request, claim_citations, param="claims_after", sort="id"),
        "denial_citations": _section(request, denial_citations, param="denials_after", sort="id"),
        "spoken_through": _section(
            request, spoken_through.select_related("claim", "actor"), param="chains_after", sort="id"
        ),
        "copies": _section(request, copies, param="copies_after", sort="id"),
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


@_bad_input_is_400
def outlet_detail(request, slug):
    outlet = get_object_or_404(Outlet, slug=slug)
    sources = _section(request, outlet.sources.all(), param="after", sort="-published")
    return render(request, "sources/outlet_detail.html", {"outlet": outlet, "sources": sources})
