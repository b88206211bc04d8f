"""Source URLs are stored normalised, so two links to one document compare equal; and
a citation's quote is checked against the source's stored text."""

import pytest

from claims.models import ClaimCitation, quote_is_found
from sources.models import Source, normalize_url
from tests.factories import make_claim_citation, make_denial_citation, make_source

# --- normalize_url ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("https://apnews.com/article/x", "https://apnews.com/article/x"),
        ("HTTPS://APNews.COM/article/x", "https://apnews.com/article/x"),
        ("https://apnews.com/Article/North-Korea", "https://apnews.com/Article/North-Korea"),
        ("https://apnews.com/article/x#comments", "https://apnews.com/article/x"),
        ("https://apnews.com/article/x?utm_source=twitter&utm_medium=social", "https://apnews.com/article/x"),
        ("https://apnews.com/article/x?UTM_Campaign=spring", "https://apnews.com/article/x"),
        ("https://example.org/view?id=7&utm_source=rss&page=2", "https://example.org/view?id=7&page=2"),
        ("https://example.org/view?page=2&id=7", "https://example.org/view?page=2&id=7"),
        ("https://example.org/view?b=2&a=1&b=3", "https://example.org/view?b=2&a=1&b=3"),
        ("https://example.org/view?utmost=1", "https://example.org/view?utmost=1"),
        ("https://example.org", "https://example.org/"),
        ("https://Example.org:8443/a", "https://example.org:8443/a"),
        ("  https://example.org/a  ", "https://example.org/a"),
        ("", ""),
    ],
    ids=[
        "already-normal",
        "scheme-and-host-case",
        "path-case-kept",
        "fragment",
        "utm-only",
        "utm-any-case",
        "utm-among-others",
        "order-kept",
        "repeats-kept",
        "utm-prefix-only",
        "empty-path",
        "port",
        "whitespace",
        "blank",
    ],
)
def test_normalize_url(raw, normalised):
    assert normalize_url(raw) == normalised


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/s?flag",
        "https://example.org/s?q=a%20b",
        "https://example.org/s?x=1;y=2",
        "https://User:Pw@example.org/s",
    ],
)
def test_normalize_url_leaves_everything_but_scheme_host_fragment_and_utm_alone(url):
    assert normalize_url(url) == url


def test_normalize_url_is_idempotent():
    once = normalize_url("HTTPS://Example.ORG/Path?q=1&utm_source=x#top")
    assert normalize_url(once) == once


def test_links_differing_only_in_tracking_noise_normalise_equal():
    variants = [
        "https://www.reuters.com/world/asia-pacific/story-2023-11-01/",
        "https://WWW.Reuters.com/world/asia-pacific/story-2023-11-01/#main",
        "https://www.reuters.com/world/asia-pacific/story-2023-11-01/?utm_source=x&utm_medium=y",
    ]
    assert len({normalize_url(url) for url in variants}) == 1


@pytest.mark.django_db
def test_source_save_stores_the_url_normalised():
    source = make_source(url="HTTPS://APNews.com/article/North-Korea?utm_source=twitter&id=7#top")
    assert source.url == "https://apnews.com/article/North-Korea?id=7"
    assert Source.objects.get(pk=source.pk).url == "https://apnews.com/article/North-Korea?id=7"


@pytest.mark.django_db
def test_source_save_normalises_on_every_save_not_only_the_first():
    source = make_source()
    source.url = "https://Example.org/moved#new"
    source.save()
    assert Source.objects.filter(url="https://example.org/moved").exists()


@pytest.mark.django_db
def test_source_looked_up_by_its_normalised_url_is_found_from_a_noisy_link():
    source = make_source(url="https://apnews.com/article/munitions")
    assert Source.objects.get(url=normalize_url("https://APNEWS.com/article/munitions?utm_medium=email")) == source


# --- quote_found ---------------------------------------------------------------------

AP_TEXT = (
    "South Korea\u2019s spy agency says North Korea has shipped more than a million\n"
    "artillery shells to Russia to support its war in Ukraine.  The NIS said it was "
    "\u201clikely\u201d the shipments continue."
)


def citation(text: str, quote: str) -> ClaimCitation:
    """An unsaved citation on an unsaved source, its quote_found worked out as a save
    stores it: no database needed."""
    cite = ClaimCitation(source=Source(text=text), quote=quote)
    cite.quote_found = quote_is_found(cite.quote, cite.source.text)
    return cite


@pytest.mark.parametrize(
    "quote",
    [
        "more than a million artillery shells",
        "South Korea's spy agency",
        "South Korea\u2019s spy agency",
        'The NIS said it was "likely" the shipments continue.',
        "shipped   more than a million artillery\n shells to Russia",
        "its war in Ukraine. The NIS said",
        "\u00a0more than a million\tartillery shells ",
    ],
    ids=[
        "verbatim",
        "straight-for-curly",
        "curly-as-stored",
        "straight-double-quotes",
        "whitespace",
        "sentence-gap",
        "nbsp-tab",
    ],
)
def test_quote_is_found_despite_quote_marks_and_whitespace(quote):
    assert citation(AP_TEXT, quote).quote_found is True


def test_curly_quote_is_found_in_text_with_straight_apostrophes():
    assert citation("North Korea's arms shipments", "North Korea\u2019s arms").quote_found is True


@pytest.mark.parametrize(
    "quote",
    ["more than two million artillery shells", "shipped artillery shells", "a million rockets"],
)
def test_quote_not_in_the_text_is_not_found(quote):
    assert citation(AP_TEXT, quote).quote_found is False


@pytest.mark.parametrize(("text", "quote"), [("", "anything at all"), ("Some text.", "")])
def test_quote_found_is_none_without_text_or_quote(text, quote):
    assert citation(text, quote).quote_found is None


@pytest.mark.django_db
def test_quote_is_flagged_when_the_source_text_changes():
    source = make_source(text=AP_TEXT)
    cite = make_claim_citation(source=source, quote="more than a million artillery shells")
    assert ClaimCitation.objects.get(pk=cite.pk).quote_found is True

    source.text = "South Korea's spy agency says North Korea has shipped artillery shells to Russia."
    source.save()
    assert ClaimCitation.objects.select_related("source").get(pk=cite.pk).quote_found is False

    source.text = ""
    source.save()
    assert ClaimCitation.objects.select_related("source").get(pk=cite.pk).quote_found is None


@pytest.mark.django_db
def test_denial_citation_quote_is_checked_the_same_way():
    source = make_source(text="Pyongyang dismissed the accusations as \u201cbaseless\u201d rumours.")
    assert make_denial_citation(source=source, quote='the accusations as "baseless"').quote_found is True
    assert make_denial_citation(source=source, quote="denied everything").quote_found is False


@pytest.mark.django_db
def test_quote_found_is_stored_on_save_and_when_the_source_text_changes_without_a_citation_revision():
    source = make_source(text=AP_TEXT)
    cite = make_claim_citation(source=source, quote="more than a million artillery shells")
    denial_cite = make_denial_citation(source=source, quote="a million artillery shells")
    assert ClaimCitation.objects.filter(pk=cite.pk, quote_found=True).exists()
    revisions = cite.history.count()

    source.text = "Nothing about shells."
    source.save()

    assert ClaimCitation.objects.filter(pk=cite.pk, quote_found=False).exists()
    assert type(denial_cite).objects.filter(pk=denial_cite.pk, quote_found=False).exists()
    assert cite.history.count() == revisions  # a cache refreshed, not an edit of the citation
    assert "quote_found" not in {f.name for f in type(cite).history.model._meta.fields}

    cite.quote = "Nothing about"
    cite.save()
    assert ClaimCitation.objects.filter(pk=cite.pk, quote_found=True).exists()


@pytest.mark.django_db
def test_the_migration_fills_quote_found_for_citations_recorded_before_it():
    from importlib import import_module

    from django.apps import apps

    fill_quote_found = import_module("claims.migrations.0012_quote_found").fill_quote_found
    source = make_source(text=AP_TEXT)
    found = make_claim_citation(source=source, quote="more than a million artillery shells")
    lost = make_denial_citation(source=source, quote="denied everything")
    unchecked = make_claim_citation(source=source, quote="")
    for cite in (found, lost, unchecked):
        type(cite).objects.filter(pk=cite.pk).update(quote_found=None)  # as the column was added

    fill_quote_found(apps, None)

    assert [type(c).objects.get(pk=c.pk).quote_found for c in (found, lost, unchecked)] == [True, False, None]
