"""Every exportable page announces its exports with <link rel="alternate"> in the
media types reference managers and data tools look for, and shows them as download
links that work."""

import re

import pytest

from tests.export_world import MILLION, TOPIC

pytestmark = pytest.mark.django_db

MEDIA_TYPES = {
    "application/x-bibtex",
    "application/x-research-info-systems",
    "application/vnd.citationstyles.csl+json",
    "text/csv",
    "application/json",
    "application/x-ndjson",
}
PAGES = {
    "claim": f"/claims/{MILLION}/",
    "topic": f"/topics/{TOPIC}/",
    "actor": "/actors/sergey-lavrov/",
    "filtered claims list": f"/claims/?topic={TOPIC}&status=reported",
}


def alternates(html: str) -> dict[str, list[str]]:
    head = html.split("</head>")[0]
    found: dict[str, list[str]] = {}
    for tag in re.findall(r'<link rel="alternate"[^>]*>', head):
        media_type = re.search(r'type="([^"]+)"', tag).group(1)
        href = re.search(r'href="([^"]+)"', tag).group(1).replace("&amp;", "&")
        found.setdefault(media_type, []).append(href)
    return found


@pytest.mark.parametrize("page", PAGES)
def test_exportable_page_announces_every_export_and_each_link_works(client, export_demo, page):
    html = client.get(PAGES[page]).content.decode()

    links = alternates(html)
    assert set(links) >= MEDIA_TYPES, set(links)
    for media_type in MEDIA_TYPES:
        for href in links[media_type]:
            response = client.get(href)
            assert response.status_code == 200, href
            assert response["Content-Type"].split(";")[0] == media_type, href


def test_filtered_list_exports_keep_the_filters_but_not_the_page_marker(client, export_demo):
    url = f"/claims/?topic={TOPIC}&status=reported&after=2023-11-01~2023-11-01~5"

    links = alternates(client.get(url).content.decode())
    for media_type in MEDIA_TYPES:
        for href in links[media_type]:
            assert f"topic={TOPIC}" in href and "status=reported" in href and "after=" not in href


def test_pages_show_the_exports_as_download_links(client, export_demo):
    for page, url in PAGES.items():
        html = client.get(url).content.decode()
        section = re.search(r'<section class="exports".*?</section>', html, re.S)
        assert section, page
        for label in ("BibTeX", "RIS", "CSL-JSON", "APA", "Chicago", "CSV", "JSON", "NDJSON"):
            assert f">{label}</a>" in section.group(0), (page, label)


def test_topic_actor_and_home_pages_announce_their_atom_feeds(client, export_demo):
    assert alternates(client.get(PAGES["topic"]).content.decode())["application/atom+xml"] == [
        f"/topics/{TOPIC}/feed.atom"
    ]
    assert alternates(client.get(PAGES["actor"]).content.decode())["application/atom+xml"] == [
        "/actors/sergey-lavrov/feed.atom"
    ]
    assert alternates(client.get("/").content.decode())["application/atom+xml"] == ["/feed.atom"]


def test_invalid_list_filters_announce_no_exports(client, export_demo):
    response = client.get("/claims/?status=bogus")

    assert response.status_code == 400
    assert alternates(response.content.decode()) == {}
