"""Public pages for sources and outlets. The models of this app know nothing about
claims; its pages show what cites a source, so they read the claims app's citations."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from claims.models import ClaimCitation, DenialCitation
from sources.models import Derivation, Outlet, Source
from sources.services import ancestry_edges


def source_list(request):
    sources = Source.objects.for_bibliography()
    return render(request, "sources/source_list.html", {"sources": sources})


def source_detail(request, slug):
    source = get_object_or_404(Source.objects.for_detail(), slug=slug)
    context = {
        "source": source,
        "chain": _derivation_chain(source),
        "claim_citations": ClaimCitation.objects.published().filter(source=source).select_related("claim", "source"),
        "denial_citations": DenialCitation.objects.published().filter(source=source).select_related("denial", "source"),
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
        .order_by("source__published_on")
    )


def outlet_list(request):
    outlets = Outlet.objects.annotate(source_count=Count("sources"))
    return render(request, "sources/outlet_list.html", {"outlets": outlets})


def outlet_detail(request, slug):
    outlet = get_object_or_404(Outlet, slug=slug)
    sources = outlet.sources.all()
    return render(request, "sources/outlet_detail.html", {"outlet": outlet, "sources": sources})
