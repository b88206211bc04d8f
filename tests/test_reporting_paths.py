"""Reporting paths (web/paths.py): the claim and denial pages draw how their sources
reached the public as the derivation tree, never as a chronological line; the count of
independent origins follows derivations up to unpublished documents; a verbatim copy is
flagged as no confirmation; the tree takes a constant number of queries. Also: denials
with several kinds, the address of a merged denial, and unpublished documents on the
source and outlet pages."""

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ClaimCitation, DenialRedirect, PublicationState
from claims.services import merge_denials
from tests.factories import (
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_denial_citation,
    make_denial_other_kind,
    make_derivation,
    make_outlet,
    make_source,
    make_topic,
    make_unpublished_document,
)
from web.paths import reporting_tree

pytestmark = pytest.mark.django_db

MILLION = "nis-million-artillery-shells-since-august"
AP = "ap-2023-11-01-nis-million-shells"
FARM = "ascend-finance-compass-ap-copy"
SUMMARY = "seed-000-array-of-missiles-2023-11-02"
BRIEFING = "nis-briefing-2023-11-01"
AP_LABEL = "the Associated Press wire story of 1 November 2023"


class PathTree(HTMLParser):
    """The reporting tree as a page draws it: for each <li id="path-x">, the path <li>
    it is nested in (None for a root), and the roots in order."""

    def __init__(self, page: str):
        super().__init__()
        self.parent_of: dict[str, str | None] = {}
        self.roots: list[str] = []
        self._open: list[str | None] = []  # the open <li> elements, path ids or None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag != "li":
            return
        path = dict(attrs).get("id", "") or ""
        path = path.removeprefix("path-") if path.startswith("path-") else None
        if path:
            enclosing = next((p for p in reversed(self._open) if p), None)
            self.parent_of[path] = enclosing
            if enclosing is None:
                self.roots.append(path)
        self._open.append(path)

    def handle_endtag(self, tag):
        if tag == "li":
            self._open.pop()


def text_of(page: str) -> str:
    """The text a reader sees, a term and its description apart."""
    page = re.sub(r"</(dt|p|li|h\d)>", " ", page)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", page)).split())


def section(page: str, heading_id: str = "reached") -> str:
    start = page.index(f'<section aria-labelledby="{heading_id}">')
    return page[start : page.index("</section>", start)]


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def loaded_citations(claim) -> list:
    """A claim's citations as its page loads them (Claim.objects.for_detail())."""
    return list(ClaimCitation.objects.filter(claim=claim).select_related("source__outlet"))


# --- the demo story ------------------------------------------------------------------------


def test_the_million_shells_claim_draws_its_reporting_tree(client, demo):
    page = get(client, f"/claims/{MILLION}/")
    paths = section(page)
    tree = PathTree(paths)

    # The briefing (unpublished) first, the AP story under it, the copy and the write-up
    # under the AP story: a tree, not a line in which the copy "repeats" the write-up.
    assert tree.roots[0] == BRIEFING
    assert tree.parent_of[AP] == BRIEFING
    assert tree.parent_of[FARM] == AP and tree.parent_of[SUMMARY] == AP
    assert tree.parent_of["ap-2023-11-02-military-briefing"] == "sk-military-briefing-2023-11-02"
    assert set(tree.roots) == {BRIEFING, "sk-military-briefing-2023-11-02", "joint-statement-2023-10-26-us-rok-japan"}
    words = text_of(paths)
    assert "unpublished document issued by National Intelligence Service" in words
    assert "cites the National Intelligence Service briefing of 1 November 2023" in words
    assert "republishes (verbatim copy) of the Associated Press wire story of 1 November 2023" in words
    assert f"A verbatim copy of {AP_LABEL}: not independent confirmation." in words
    assert "summarises the Associated Press wire story of 1 November 2023" in words
    assert "Also from the Top diplomats of the United States, South Korea and Japan statement" in words
    assert "Cited here: para. 1 (reports), para. 4 (reports)" in words
    assert "The 3 documents cited here go back to 1 independent origin" in words
    assert "In the relay chain: intelligence officials (National Intelligence Service), originator, spoke" in words
    assert "repeated by" not in page and "reported by" not in page
    # The relay chain names the document the NIS spoke through.
    chain = re.search(r'<ol class="chain">(.*?)</ol>', paths, re.S).group(1)
    assert f'through <a href="/sources/{BRIEFING}/">' in chain
    # Nested lists: every <ul> closed, every path <li> closed.
    assert paths.count("<ul") == paths.count("</ul>") and paths.count('<li class="path') == len(tree.parent_of)


def test_a_denial_page_draws_its_tree_with_locators_copy_notes_and_kinds(client, demo):
    page = get(client, "/denials/nk-russia-deny-arms-transfers/")
    tree = PathTree(section(page))
    words = text_of(section(page))

    assert tree.parent_of[FARM] == AP and tree.parent_of[SUMMARY] == AP
    assert f"A verbatim copy of {AP_LABEL}: not independent confirmation." in words
    assert "Cited here: para. 3 (reports)" in words
    assert "go back to 1 independent origin" in words
    assert re.search(r"3 citations, 1 independent origin", text_of(page))
    sources = text_of(page[page.index("<h2>Sources") :])
    assert "para. 3" in sources and "A verbatim copy of" in sources


# --- origins -------------------------------------------------------------------------------


def test_three_outlets_citing_one_unpublished_report_are_one_origin(client):
    report = make_unpublished_document(title="Report to lawmakers", published="2023-11-01")
    stories = [make_source(title=f"Story {i}", outlet=make_outlet(name=f"Outlet {i}")) for i in range(3)]
    claim = make_claim()
    for story in stories:
        make_derivation(source=story, derived_from=report, kind="cites")
        make_claim_citation(claim=claim, source=story, locator="para. 2")

    page = get(client, claim.get_absolute_url())
    tree = PathTree(section(page))

    assert "3 citations, 1 independent origin" in text_of(page)
    assert "The 3 documents cited here go back to 1 independent origin" in text_of(page)
    assert tree.roots == [report.slug]
    assert all(tree.parent_of[story.slug] == report.slug for story in stories)
    assert "unpublished document issued by National Intelligence Service" in text_of(section(page))
    assert text_of(section(page)).count("cites the National Intelligence Service briefing of 1 November 2023") == 3


def test_unrelated_outlets_are_separate_paths_not_repeats(client):
    claim = make_claim()
    first = make_source(title="First report", published="2023-11-01")
    later = make_source(title="Later report", published="2023-11-05")
    make_claim_citation(claim=claim, source=later)
    make_claim_citation(claim=claim, source=first)

    page = get(client, claim.get_absolute_url())

    assert PathTree(section(page)).roots == [first.slug, later.slug]
    assert "2 citations, 2 independent origins" in text_of(page)
    assert "repeated by" not in page


# --- the shape of the tree -----------------------------------------------------------------


def test_a_document_with_two_parents_is_drawn_under_the_earliest_and_names_the_other():
    early = make_source(title="Early", published="2023-10-01")
    late = make_source(title="Late", published="2023-10-05")
    both = make_source(title="Both", published="2023-10-06")
    make_derivation(source=both, derived_from=late, kind="quotes")
    make_derivation(source=both, derived_from=early, kind="summarises")
    claim = make_claim()
    make_claim_citation(claim=claim, source=both)

    tree = reporting_tree(loaded_citations(claim))

    node = tree.nodes[both.pk]
    assert node.parent.source == early and node.relation == "summarises"
    assert [d.derived_from for d in node.also_from] == [late]
    assert [d.source for d in tree.nodes[late.pk].also_into] == [both]
    assert [root.source for root in tree.roots] == [early, late]


def test_same_day_parents_go_by_the_first_recorded():
    first = make_source(title="First", published="2023-10-01")
    second = make_source(title="Second", published="2023-10-01")
    child = make_source(title="Child")
    make_derivation(source=child, derived_from=second)
    make_derivation(source=child, derived_from=first)
    claim = make_claim()
    make_claim_citation(claim=claim, source=child)

    assert reporting_tree(loaded_citations(claim)).nodes[child.pk].parent.source == first


def test_a_parent_the_record_cites_comes_before_an_earlier_one_it_does_not():
    # The seed's write-up: it summarises the AP story the claim cites and quotes an
    # earlier joint statement the claim does not cite; it is drawn under the AP story.
    statement = make_source(title="Statement", published="2023-10-26")
    story = make_source(title="Story", published="2023-11-01")
    write_up = make_source(title="Write-up", published="2023-11-02")
    make_derivation(source=write_up, derived_from=statement, kind="quotes")
    make_derivation(source=write_up, derived_from=story, kind="summarises")
    claim = make_claim()
    make_claim_citation(claim=claim, source=story)
    make_claim_citation(claim=claim, source=write_up)

    tree = reporting_tree(loaded_citations(claim))

    assert tree.nodes[write_up.pk].parent.source == story
    assert [root.source for root in tree.roots] == [story, statement], "the claim's own path first"


def test_circular_reporting_is_drawn_once_and_ends():
    a = make_source(title="A", published="2023-10-02")
    b = make_source(title="B", published="2023-10-01")
    c = make_source(title="C", published="2023-10-03")
    tail = make_source(title="Tail", published="2023-09-01")
    make_derivation(source=a, derived_from=b)
    make_derivation(source=b, derived_from=c)
    make_derivation(source=c, derived_from=a)
    make_derivation(source=tail, derived_from=a, kind="cites")  # hangs below the cycle
    claim = make_claim()
    make_claim_citation(claim=claim, source=tail)

    tree = reporting_tree(loaded_citations(claim))
    walked = tree.walk()

    assert len(walked) == len(tree) == 4 and len({id(n) for n in walked}) == 4
    assert [root.source for root in tree.roots] == [b], "the cycle's earliest member"
    assert [n.source.title for n in walked] == ["B", "A", "Tail", "C"]
    assert [d.derived_from for d in tree.nodes[b.pk].also_from] == [c]
    assert "cites" in tree.as_text()


def test_the_tree_nests_its_lists_by_depth(client):
    root = make_source(title="Root", published="2023-01-01")
    chain, previous = [root], root
    for i in range(4):
        previous = make_derivation(source=make_source(title=f"Level {i + 1}"), derived_from=previous).source
        chain.append(previous)
    sibling = make_derivation(source=make_source(title="Sibling"), derived_from=root, kind="summarises").source
    claim = make_claim()
    make_claim_citation(claim=claim, source=chain[-1])
    make_claim_citation(claim=claim, source=sibling)

    tree = PathTree(section(get(client, claim.get_absolute_url())))

    assert tree.roots == [root.slug]
    for parent, child in zip(chain, chain[1:], strict=False):
        assert tree.parent_of[child.slug] == parent.slug
    assert tree.parent_of[sibling.slug] == root.slug


# --- queries -------------------------------------------------------------------------------


def build_tree(width: int, depth: int):
    """A claim citing the leaves of `width` branches `depth` documents deep, all below one
    unpublished report, each branch also copied once; its relay chain spoke through the
    report and through a document nothing derives from."""
    report = make_unpublished_document()
    claim = make_claim()
    make_attribution(claim=claim, document=report)
    make_attribution(claim=claim, position=2, role="relay", document=make_unpublished_document(kind="statement"))
    for _ in range(width):
        previous = report
        for _ in range(depth):
            previous = make_derivation(source=make_source(), derived_from=previous, kind="summarises").source
        copy = make_derivation(source=make_source(), derived_from=previous).source
        make_claim_citation(claim=claim, source=previous)
        make_claim_citation(claim=claim, source=copy)
    return claim


def test_the_tree_takes_a_constant_number_of_queries(django_assert_num_queries):
    small, large = build_tree(1, 1), build_tree(6, 8)
    counts = []
    for claim in (small, large):
        citations = loaded_citations(claim)
        chain = list(claim.attributions.select_related("actor"))
        with CaptureQueriesContext(connection) as queries:
            tree = reporting_tree(citations, chain=chain)
            tree.as_text()
            assert all(link.document for link in chain)
        counts.append(len(queries))
    assert len(reporting_tree(loaded_citations(large)).nodes) == 1 + 6 * 9
    assert counts == [3, 3], "edges, derivations with their sources, the documents nothing derives from"

    citations = loaded_citations(large)
    with django_assert_num_queries(2):  # no chain: edges, derivations with their sources
        reporting_tree(citations)


def test_claim_and_denial_pages_take_the_same_queries_for_a_small_and_a_large_tree(client):
    def measure(claim):
        denial = make_denial(claims=[claim])
        for citation in claim.citations.all():
            make_denial_citation(denial=denial, source=citation.source, locator="para. 9")
        counts = []
        for url in (claim.get_absolute_url(), denial.get_absolute_url()):
            with CaptureQueriesContext(connection) as queries:
                get(client, url)
            counts.append(len(queries))
        return counts

    assert measure(build_tree(1, 1)) == measure(build_tree(5, 6))


# --- denials: kinds and merged addresses ---------------------------------------------------


def test_a_denial_shows_every_kind_on_its_page_and_in_lists(client):
    topic = make_topic()
    claim = make_claim()
    claim.topics.add(topic)
    denial = make_denial(claims=[claim], kind="dismissal")
    make_denial_other_kind(denial=denial, kind="counter_claim")
    make_denial_citation(denial=denial)
    kinds = "dismissal ('baseless', 'rumours'); also counter-claim"

    assert f"Kind {kinds}" in text_of(get(client, denial.get_absolute_url()))
    assert kinds in text_of(get(client, topic.get_absolute_url()))
    assert kinds in text_of(get(client, "/"))
    assert kinds in text_of(get(client, claim.get_absolute_url()))


def test_a_merged_denials_address_leads_to_the_one_kept(client, editor):
    claim = make_claim()
    kept = make_denial(claims=[claim], slug="kept")
    merged = make_denial(claims=[claim], slug="merged")
    make_denial_citation(denial=merged)
    merge_denials(denials=[kept, merged], user=editor)

    response = client.get("/denials/merged/")

    assert response.status_code == 301 and response["Location"] == "/denials/kept/"
    assert client.get("/denials/kept/").status_code == 200


def test_a_merged_address_answers_404_unless_the_kept_denial_is_published(client):
    kept = make_denial(slug="kept", state=PublicationState.IN_REVIEW)
    DenialRedirect.objects.create(slug="old", denial=kept)

    assert client.get("/denials/old/").status_code == 404
    assert client.get("/denials/never-was/").status_code == 404
    kept.state = PublicationState.PUBLISHED
    kept.save()
    assert client.get("/denials/old/")["Location"] == "/denials/kept/"


# --- unpublished documents on the source pages ---------------------------------------------


def test_an_unpublished_document_has_its_source_page(client):
    report = make_unpublished_document(title="[NIS briefing]", slug="nis-briefing")
    story = make_source(title="The story")
    make_derivation(source=story, derived_from=report, kind="cites", note="From a lawmaker who attended.")
    claim = make_claim(proposition="The agency believes it.")
    make_attribution(claim=claim, document=report, channel="closed-door briefing")
    make_claim_citation(claim=claim, source=story)

    words = text_of(get(client, report.get_absolute_url()))

    assert "Source · unpublished briefing" in words
    assert "Publisher unpublished document issued by National Intelligence Service" in words
    assert "Reliability F: cannot be judged" in words
    assert "Known through The story" in words and "cites it: From a lawmaker who attended." in words
    assert "spoke through it (closed-door briefing): The agency believes it." in words
    story_words = text_of(get(client, story.get_absolute_url()))
    assert "cites [NIS briefing] (unpublished document issued by National Intelligence Service" in story_words


def test_the_sources_list_and_the_outlets_list_show_unpublished_documents(client):
    make_unpublished_document(title="[A report to lawmakers]", kind="report", issuer="")
    make_source(title="A story")

    sources = get(client, "/sources/")
    row = re.search(r"<tr><td><a[^>]*>\[A report to lawmakers\]</a></td>(.*?)</tr>", sources, re.S).group(1)
    assert '<th scope="col">Publisher</th>' in sources
    assert "unpublished document" in text_of(row) and "/outlets/" not in row
    assert "1 unpublished document" in text_of(get(client, "/outlets/"))


def test_a_claim_citing_an_unpublished_document_renders_its_issuer(client):
    claim = make_claim()
    make_claim_citation(claim=claim, source=make_unpublished_document(title="[Briefing]"))

    page = get(client, claim.get_absolute_url())

    assert '"publisher": {"@type": "Organization", "name": "National Intelligence Service"}' in page
    assert "[Briefing], unpublished document issued by National Intelligence Service" in text_of(page)
