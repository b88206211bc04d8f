"""The exports a page offers, for its <link rel="alternate"> tags and its download
links: {% include "includes/exports.html" with kind="topic" obj=topic %}."""

import json
from dataclasses import dataclass
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from web.export import bibliography

register = template.Library()

BIBTEX = "application/x-bibtex"
RIS = "application/x-research-info-systems"
CSL_JSON = "application/vnd.citationstyles.csl+json"
CSV = "text/csv"
JSON = "application/json"
NDJSON = "application/x-ndjson"
ATOM = "application/atom+xml"
HTML = "text/html"


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    media_type: str
    title: str  # for the <link> element

    @property
    def alternate(self) -> bool:
        return self.media_type != HTML


def _citation_links(name: str, kwargs: dict, query: str, what: str) -> list[Link]:
    def url(fmt, extra=""):
        href = reverse(name, kwargs={**kwargs, "fmt": fmt})
        params = "&".join(p for p in (query, extra) if p)
        return f"{href}?{params}" if params else href

    return [
        Link("BibTeX", url("bib"), BIBTEX, f"{what} (BibTeX)"),
        Link("RIS", url("ris"), RIS, f"{what} (RIS)"),
        Link("CSL-JSON", url("csl.json"), CSL_JSON, f"{what} (CSL-JSON)"),
        Link("APA", url("html", "style=apa"), HTML, f"{what} (APA)"),
        Link("Chicago", url("html", "style=chicago-author-date"), HTML, f"{what} (Chicago author-date)"),
    ]


@register.simple_tag(takes_context=True)
def export_links(context, kind: str, obj=None) -> dict:
    """kind: "list" (the claims list with the request's filters), "claim", "topic",
    "actor" or "site" (feed only)."""
    request = context["request"]
    if kind == "site":
        return {"feed": Link("Atom feed", reverse("web:feed"), ATOM, "New and changed claims and denials")}
    query, kwargs = "", {}
    if kind == "list":
        params = request.GET.copy()
        params.pop("after", None)  # an export covers every page
        query = params.urlencode()
    else:
        kwargs = {"slug": obj.slug}
    data_name = f"export:{kind}_data"

    def data_url(fmt):
        href = reverse(data_name, kwargs={**kwargs, "fmt": fmt})
        return f"{href}?{query}" if query else href

    claims_what = "These claims" if kind != "claim" else "This claim"
    links = {
        "sources": _citation_links(f"export:{kind}_sources", kwargs, query, "Sources cited"),
        "data": [
            Link("CSV", data_url("csv"), CSV, f"{claims_what} as CSV"),
            Link("JSON", data_url("json"), JSON, f"{claims_what} as JSON"),
            Link("NDJSON", data_url("ndjson"), NDJSON, f"{claims_what} as NDJSON"),
        ],
        "cite": _citation_links("export:claim_cite", kwargs, "", "Cite this claim") if kind == "claim" else [],
        "feed": None,
    }
    if kind in ("topic", "actor"):
        links["feed"] = Link(
            "Atom feed",
            reverse(f"web:{kind}_feed", args=[obj.slug]),
            ATOM,
            f"New and changed claims and denials: {obj}",
        )
    elif kind == "list":
        links["feed"] = Link("Atom feed", reverse("web:feed"), ATOM, "New and changed claims and denials")
    links["alternates"] = [
        link for link in links["sources"] + links["data"] + links["cite"] + [links["feed"]] if link and link.alternate
    ]
    return links


@register.simple_tag(takes_context=True)
def claim_citation(context, claim, style="apa"):
    """The claim cited in `style`, as HTML (escaped by the formatter's caller)."""
    request = context["request"]
    base = request.build_absolute_uri("/").rstrip("/")
    item = bibliography.claim_item(claim, lambda path: base + path, accessed=timezone.localdate())
    return mark_safe(_formatted(json.dumps(item, sort_keys=True), style))  # noqa: S308


@lru_cache(maxsize=4096)
def _formatted(item_json: str, style: str) -> str:
    """One entry formatted by citeproc-py: a third of a claim page's time (27 of 47 ms
    at 100,000 claims), so kept per process, keyed by the whole item: any change to
    the claim, its version or the day gives a new key, never a stale entry."""
    return bibliography.format_bibliography([json.loads(item_json)], style, html=True)[0]
