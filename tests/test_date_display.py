"""Reported dates on the public pages: one tag ({% reported_date %}) writes every one of
them the same way, in words, with <time> only where its datetime can hold the date, the
source's wording, and a visible note when an analyst inferred the date."""

import html
import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from sources.date_fields import ReportedDate
from tests.factories import (
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_derivation,
    make_quantity,
    make_source,
)
from web.templatetags.reported_dates import date_text, period_text


def render(source: str, **context) -> str:
    return Template("{% load reported_dates %}" + source).render(Context(context))


def date(text, **notes):
    return ReportedDate.parse(text, **notes)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("2023-10-26", '<time datetime="2023-10-26">26 October 2023</time>'),
        ("2023-08", '<time datetime="2023-08">August 2023</time>'),
        ("2023", '<time datetime="2023">2023</time>'),
        ("2022-06~", '<span class="date">about June 2022</span>'),
        ("2023-10-19/2023-10-25", '<span class="date">19–25 October 2023</span>'),
        ("[..2023-10-25]", '<span class="date">on or before 25 October 2023</span>'),
        ("2022/..", '<span class="date">since 2022</span>'),
        ("2023-10-2X", '<span class="date">20–29 October 2023</span>'),
        ("2023-10-26T14:30:00Z", '<span class="date">26 October 2023, 14:30 UTC</span>'),
    ],
)
def test_time_elements_only_for_dates_their_datetime_can_hold(text, html):
    assert render("{% reported_date d %}", d=date(text)) == f'<span class="reported-date">{html}</span>'


def test_the_sources_wording_and_the_inferred_note_follow_the_date():
    worded = date("2022-06~", as_worded="since mid-2022")
    inferred = date("2023-10-20", as_worded="last Friday", inferred=True)
    bare_inference = date("2023-10-20", inferred=True)

    assert render("{% reported_date d %}", d=worded) == (
        '<span class="reported-date"><span class="date">about June 2022</span> '
        '<span class="date-note">(<span class="date-as-worded">“since mid-2022”</span>)</span></span>'
    )
    html = render("{% reported_date d %}", d=inferred)
    assert '<time datetime="2023-10-20">20 October 2023</time>' in html
    assert (
        '(<span class="date-as-worded">“last Friday”</span>; '
        '<small class="date-inferred">inferred from the source&#x27;s date</small>)' in html
    )
    assert "“" not in render("{% reported_date d %}", d=bare_inference)
    assert date_text(inferred) == "20 October 2023 (“last Friday”; inferred from the source's date)"


def test_no_date_is_said_so_and_hostile_wording_is_escaped():
    assert render("{% reported_date d %}", d=None) == "undated"
    assert render('{% reported_date d "date unknown" %}', d=None) == "date unknown"
    html = render("{% reported_date d %}", d=date("2023", as_worded="<script>x</script>"))
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2023-08", None, "from August 2023 onwards"),
        ("2022/..", None, "since 2022"),
        ("2022-06~", None, "from about June 2022 onwards"),
        (None, "2023-10", "until October 2023"),
        (None, "[..2023-10-25]", "on or before 25 October 2023"),
        ("2023-09", "2023-10", "September 2023 – October 2023"),
        ("2023", "2023", "2023"),
    ],
)
def test_the_covered_period_reads_well_for_open_ends(start, end, words):
    start, end = (date(t) if t else None for t in (start, end))
    html = render("{% covered_period s e %}", s=start, e=end)

    assert period_text(start, end) == words
    assert re.sub(r"<[^>]+>", "", html) == words


# --- On the pages ------------------------------------------------------------------------


def text_of(page: str) -> str:
    """The text a reader sees, a term and its description apart."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page.replace("</dt>", " "))).split())


@pytest.mark.django_db
def test_claim_page_gives_each_date_with_its_wording(client):
    claim = make_claim(
        made="2023-10-20",
        made_as_worded="last Friday",
        made_inferred=True,
        period_start="2022/..",
        period_start_as_worded="since last year",
    )
    make_quantity(claim=claim, as_of="2023-08~")
    make_attribution(claim=claim, date="[..2023-10-19]")
    make_claim_citation(claim=claim, source=make_source(published="2023-10-26T14:30:00+09:00"))
    make_denial(claims=[claim], made="2023/..")

    html = client.get(claim.get_absolute_url()).content.decode()
    facts = text_of(re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1))

    assert "Made 20 October 2023 (“last Friday”; inferred from the source's date)" in facts
    assert "Period covered since 2022 (“since last year”)" in facts
    assert '<time datetime="2023-10-20">20 October 2023</time>' in html
    assert '<small class="date-inferred">' in html
    assert "as of about August 2023" in text_of(html)
    assert "on or before 19 October 2023" in text_of(re.search(r'<ol class="chain">(.*?)</ol>', html, re.S).group(1))
    assert "26 October 2023, 14:30 UTC+09:00" in text_of(html)
    assert re.search(r"\) · since 2023 · by Actor", text_of(html))


@pytest.mark.django_db
def test_undated_records_say_so(client):
    claim = make_claim(made=None)
    denial = make_denial(made=None, claims=[claim])
    source = make_source(published=None)

    assert "Made date unknown" in text_of(client.get(claim.get_absolute_url()).content.decode())
    assert "When date unknown" in text_of(client.get(denial.get_absolute_url()).content.decode())
    assert "Published undated" in text_of(client.get(source.get_absolute_url()).content.decode())
    assert "undated" in text_of(client.get("/claims/").content.decode())


@pytest.mark.django_db
def test_lists_and_source_pages_use_the_same_words(client):
    claim = make_claim(made="2022-06~", made_as_worded="around June")
    make_denial(made="2023/..", claims=[claim])
    original = make_source(published="2023-10")
    copy = make_source(published="2023-10-26", outlet=original.outlet)
    make_derivation(source=copy, derived_from=original)

    listing = text_of(client.get("/claims/").content.decode())
    assert "about June 2022 (“around June”)" in listing
    sources = client.get("/sources/").content.decode()
    assert '<time datetime="2023-10">October 2023</time>' in sources
    assert f"({original.outlet.name}, October 2023)" in text_of(client.get(copy.get_absolute_url()).content.decode())
    outlet = text_of(client.get(original.outlet.get_absolute_url()).content.decode())
    assert ", October 2023" in outlet and ", 26 October 2023" in outlet
    home = text_of(client.get("/").content.decode())
    assert "since 2023" in home


@pytest.mark.django_db
def test_a_revision_shows_the_chain_dates_it_had(client):
    claim = make_claim()
    make_attribution(claim=claim, date="2023-10-20", date_as_worded="last Friday", date_inferred=True)

    html = client.get(reverse("web:claim_revision", args=[claim.slug, claim.version])).content.decode()
    chain = text_of(re.search(r'<ol class="chain">(.*?)</ol>', html, re.S).group(1))

    assert "20 October 2023 (“last Friday”; inferred from the source's date)" in chain
