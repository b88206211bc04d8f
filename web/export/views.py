"""Export views: the sources behind a page as a bibliography, the page's claims as
data, and "cite this claim". Only published claims and denials ever leave, and a
malformed request (unknown format or style, invalid filter) is answered 400 with a
message saying what to change."""

import json

from django.db import router
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from claims.models import Claim
from operations.database import without_statement_timeout
from web.export import bibliography, data
from web.export.scopes import BadExportRequest, cited_sources, resolve

STYLE_NAMES = {"apa": "APA 7th edition", "chicago-author-date": "Chicago author-date"}
DEFAULT_STYLE = "apa"

# format -> (media type, download as a file)
CITATION_FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", True),
    "ris": ("application/x-research-info-systems; charset=utf-8", True),
    "csl.json": ("application/vnd.citationstyles.csl+json", True),
    "txt": ("text/plain; charset=utf-8", False),
    "html": ("text/html; charset=utf-8", False),
}
DOWNLOADS = [("BibTeX", "bib"), ("RIS", "ris"), ("CSL-JSON", "csl.json")]
# A formatted bibliography (.html, .txt) lists at most this many sources: formatting
# each one costs a CSL run, and a list of a million claims cites far more.
FORMATTED_CAP = 500
_JSON_FORMATS = {"csl.json", "json", "ndjson"}


def _absolute(request):
    base = request.build_absolute_uri("/").rstrip("/")
    return lambda path: base + path


def _bad_request(message: str, fmt: str, fields=None) -> HttpResponse:
    if fmt in _JSON_FORMATS:
        body = {"error": message}
        if fields:
            body["fields"] = {name: list(errors) for name, errors in fields.items()}
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def _unknown_format(fmt: str, known) -> HttpResponse:
    return _bad_request(f"Unknown format {fmt[:20]!r}: use one of {', '.join(known)}.", "txt")


def _style(request) -> str:
    style = request.GET.get("style") or DEFAULT_STYLE  # ?style= (an emptied form field) is the default too
    if style not in bibliography.STYLES:
        raise BadExportRequest(f"Unknown style {style[:40]!r}: use one of {', '.join(bibliography.STYLES)}.")
    return style


def _cap_note(fmt: str) -> str:
    other = "BibTeX, RIS and CSL-JSON files" if fmt == "html" else "BibTeX, RIS and CSL-JSON exports"
    return f"Only the first {FORMATTED_CAP:,} sources, by date, are formatted here; the {other} list them all."


def _citations_response(request, items, fmt, *, stem, title, government=frozenset(), capped=False):
    media_type, download = CITATION_FORMATS[fmt]
    if fmt == "bib":
        body = bibliography.to_bibtex(items)
    elif fmt == "ris":
        body = bibliography.to_ris(items, government_ids=government)
    elif fmt == "csl.json":
        body = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "txt":
        style = _style(request)
        body = "\n\n".join(bibliography.format_bibliography(items, style)) + "\n"
        if capped:
            body += f"\n[{_cap_note(fmt)}]\n"
    else:
        style = _style(request)
        entries = [mark_safe(e) for e in bibliography.format_bibliography(items, style, html=True)]  # noqa: S308 (escaped in format_bibliography)
        base = request.path.removesuffix(".html")
        other_styles = []
        for key, name in STYLE_NAMES.items():
            if key != style:
                params = request.GET.copy()
                params["style"] = key
                other_styles.append((name, f"{base}.html?{params.urlencode()}"))
        query = request.GET.copy()
        query.pop("style", None)
        query = f"?{query.urlencode()}" if query else ""
        context = {
            "title": title,
            "entries": entries,
            "style_name": STYLE_NAMES[style],
            "other_styles": other_styles,
            "downloads": [(label, f"{base}.{ext}{query}") for label, ext in DOWNLOADS],
            "text_url": f"{base}.txt?{request.GET.urlencode()}",
            "cap_note": _cap_note(fmt) if capped else "",
        }
        return render(request, "claims/export/bibliography.html", context, content_type=media_type)
    response = HttpResponse(body, content_type=media_type)
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{stem}.{fmt}"'
    return response


def sources(request, fmt, kind, slug=None):
    """/claims/sources.bib, /claims/<slug>/sources.ris, /topics/<slug>/sources.csl.json,
    /actors/<slug>/sources.txt?style=chicago-author-date ..."""
    if fmt not in CITATION_FORMATS:
        return _unknown_format(fmt, CITATION_FORMATS)
    try:
        scope = resolve(request, kind, slug)
        if fmt in ("txt", "html"):
            _style(request)
        source_list = cited_sources(scope)
        capped = False
        if fmt in ("txt", "html"):
            source_list = list(source_list[: FORMATTED_CAP + 1])
            capped = len(source_list) > FORMATTED_CAP
            source_list = source_list[:FORMATTED_CAP]
        source_list = list(source_list)
        absolute = _absolute(request)
        items = [bibliography.source_item(s, absolute) for s in source_list]
        return _citations_response(
            request,
            items,
            fmt,
            stem=f"{scope.stem}-sources",
            title=f"Sources of {scope.title}",
            government=bibliography.government_ids(source_list),
            capped=capped,
        )
    except BadExportRequest as exc:
        return _bad_request(str(exc), fmt, exc.fields)


def cite_claim(request, slug, fmt):
    """/claims/<slug>/cite.bib ...: the knowledge-base entry itself as a citation."""
    if fmt not in CITATION_FORMATS:
        return _unknown_format(fmt, CITATION_FORMATS)
    claim = get_object_or_404(Claim.objects.published(), slug=slug)
    item = bibliography.claim_item(claim, _absolute(request), accessed=timezone.localdate())
    try:
        return _citations_response(
            request, [item], fmt, stem=f"claim-{claim.slug}-cite", title=f"Cite this claim: {claim.slug}"
        )
    except BadExportRequest as exc:
        return _bad_request(str(exc), fmt)


def claims_data(request, fmt, kind, slug=None):
    """/claims/data.csv?topic=..., /topics/<slug>/data.json, /actors/<slug>/data.ndjson,
    /claims/<slug>/data.csv: the claims of the page, streamed."""
    if fmt not in data.STREAMS:
        return _unknown_format(fmt, data.STREAMS)
    try:
        scope = resolve(request, kind, slug)
    except BadExportRequest as exc:
        return _bad_request(str(exc), fmt, exc.fields)
    stream, media_type = data.STREAMS[fmt]
    # A whole data set may take longer than a page may: no statement timeout while it streams.
    # (On the database it reads from: a replica has the same limit.)
    using = router.db_for_read(Claim)
    chunks = without_statement_timeout(stream(scope.claims, _absolute(request)), using=using)
    response = StreamingHttpResponse(chunks, content_type=media_type)
    disposition = "attachment" if fmt == "csv" else "inline"
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'{disposition}; filename="{scope.stem}-{stamp}.{fmt}"'
    return response
