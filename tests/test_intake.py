"""Intake (sources/intake/, `manage.py intake`): a page's main text and metadata without
its boilerplate, its outlet matched by domain, and the stored sources it copies,
summarises or quotes proposed with their scores and passages, a copy's later date
flagged; nothing written without --save, everything or nothing with it; the signature
bands follow a source's text, and the candidate lookup is one query.

The pages in tests/intake_pages/ are one story told four ways: the original wire story,
a content farm's copy of it in its own navigation, "Related" and "Ranking" lists and
footer, dated seventeen months later, a digest's summary of it, and an unrelated article
from the same digest."""

import io
import json
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from history.models import Revision
from sources.intake import extract, signatures
from sources.models import Derivation, Outlet, Source, SourceSignatureBand
from tests.factories import make_outlet, make_source

pytestmark = pytest.mark.django_db

PAGES = Path(__file__).parent / "intake_pages"
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
BOILERPLATE = ("Related", "Ranking", "Celebrity chef", "Storm warning", "Privacy", "Finance", "veryGood", "Views")
ORIGINAL_URL = "https://northwindwire.example/world/2023/11/harbour-officials-cargo-ship-ammunition"


def page(name: str) -> Path:
    return PAGES / f"{name}.html"


def extracted(name: str) -> extract.Extracted:
    return extract.extract(page(name).read_bytes(), format="html")


@pytest.fixture
def original():
    """The wire story, stored as curated: its outlet and its text."""
    outlet = make_outlet(
        name="Northwind Wire", slug="northwind-wire", kind="wire_agency", domain="northwindwire.example"
    )
    return make_source(
        outlet=outlet,
        slug="northwind-port-velden",
        title="Harbour officials say cargo ship carried 400 containers of ammunition to Port Velden",
        kind="wire_story",
        url=ORIGINAL_URL,
        published="2023-11-01",
        text=extracted("wire_original").text,
    )


def intake(*args) -> dict:
    out = io.StringIO()
    call_command("intake", *map(str, args), "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Outlet, Source, Derivation, SourceSignatureBand, Revision)}


# --- Extraction ---------------------------------------------------------------------------


def test_html_extraction_reads_metadata_and_keeps_the_body_only():
    found = extracted("wire_original")
    assert found.title == "Harbour officials say cargo ship carried 400 containers of ammunition to Port Velden"
    assert found.authors == ["Maren Holt"]
    assert found.published == "2023-11-01T09:15:00Z"  # the day with the time the page gives, UTC as EDTF's Z
    assert found.site_name == "Northwind Wire"
    assert found.language == "en"
    assert found.url == ORIGINAL_URL
    assert found.text.startswith("PORT VELDEN (Northwind) — A cargo ship")  # the headline is the title, not the text
    assert found.text.endswith("handled at the port in October.")
    assert "All rights reserved" not in found.text and "Business" not in found.text


def test_html_extraction_drops_the_copy_s_navigation_link_lists_and_footer():
    copy, original = extracted("farm_copy"), extracted("wire_original")
    for words in BOILERPLATE:
        assert words not in copy.text, words
    assert copy.text == original.text
    assert copy.published == "2025-04-15T10:34:46Z"
    assert copy.site_name == "Trend Pulse Daily"
    assert copy.authors == []


def test_html_extraction_reads_the_page_s_declared_charset_and_language():
    page = (
        '<html lang="fr"><head><meta charset="iso-8859-1"><title>Café rouvert</title></head><body><article>'
        "<h1>Café rouvert</h1><p>Le café de la place a rouvert ses portes après trois ans de travaux, et les "
        "habitués sont revenus dès le premier matin.</p></article></body></html>"
    )
    found = extract.extract(page.encode("iso-8859-1"), format="html")
    assert found.title == "Café rouvert"
    assert found.text.startswith("Le café de la place a rouvert ses portes après trois ans")
    assert found.language == "fr"


def test_pdf_text_and_metadata_are_extracted():
    pdf = tiny_pdf(
        ["Port Velden harbour statistics for October", "Containers handled: 41,200"],
        title="Monthly cargo report",
        author="Port Velden Harbour Authority",
    )
    found = extract.extract(pdf, format="pdf")
    assert "Port Velden harbour statistics for October" in found.text
    assert "Containers handled: 41,200" in found.text
    assert found.title == "Monthly cargo report"
    assert found.authors == ["Port Velden Harbour Authority"]
    assert found.published == "2023-11-08"


def test_malformed_dates_are_no_date_not_a_crash():
    pdf = tiny_pdf(["Port Velden harbour statistics"], title="Monthly cargo report", created="Tue May 1 2024")
    assert extract.extract(pdf, format="pdf").published == ""
    page = (
        '<html lang="en"><head><title>Harbour reopens</title>'
        '<meta property="article:published_time" content="2024-02-30T10:00:00Z"></head><body><article>'
        "<h1>Harbour reopens</h1><p>The harbour of Port Velden reopened on Tuesday after three weeks of repairs "
        '<time datetime="2024-02-30T10:00:00Z">today</time>, officials said at a briefing.</p></article></body></html>'
    )
    assert extract.extract(page.encode(), format="html").title == "Harbour reopens"


def test_a_file_larger_than_the_limit_is_refused_before_it_is_parsed(tmp_path, settings):
    settings.INTAKE_FETCH_MAX_BYTES = 1000
    path = tmp_path / "big.txt"
    path.write_text("word " * 300)
    with pytest.raises(CommandError, match="big.txt: larger than"):
        intake(path, "--save")
    assert not Source.objects.exists()


def test_the_migration_indexes_the_sources_already_stored(original):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("sources.migrations.0007_intake_signatures_raw_hash")
    SourceSignatureBand.objects.all()._raw_delete("default")
    migration.index_stored_texts(apps, connection.schema_editor())
    stored = sorted(SourceSignatureBand.objects.filter(source=original).values_list("band", "hash"))
    assert stored == sorted(bands_of(original.text)) and stored


def test_pdf_through_the_command_is_proposed_as_a_report(tmp_path, original):
    path = tmp_path / "report.pdf"
    path.write_bytes(tiny_pdf(["Port Velden harbour statistics for October"], title="Monthly cargo report"))
    data = intake(path, "--url", "https://northwindwire.example/reports/october.pdf")
    assert data["format"] == "pdf"
    assert data["source"]["kind"] == "report"
    assert data["source"]["title"] == "Monthly cargo report"
    assert data["outlet"]["id"] == original.outlet_id


# --- Proposals -----------------------------------------------------------------------------


def test_copy_in_another_site_s_boilerplate_is_proposed_as_republishing_with_its_later_date_flagged(original):
    data = intake(page("farm_copy"))
    [derivation] = data["derivations"]
    assert derivation["kind"] == "republishes"
    assert derivation["derived_from_slug"] == original.slug
    assert derivation["score"] >= settings.INTAKE_REPUBLISHES_MIN_CONTAINMENT
    assert derivation["new_in_stored"] >= 0.9 and derivation["stored_in_new"] >= 0.9
    assert derivation["estimated_similarity"] > 0.9
    assert derivation["passages"]
    for passage in derivation["passages"]:
        assert original.text[passage["stored_start"] : passage["stored_end"]] == passage["text"]
        assert data["source"]["text"][passage["new_start"] : passage["new_end"]] == passage["text"]
    [flag] = [f for f in data["flags"] if f["code"] == "date_later_than_original"]
    assert flag["source_slug"] == original.slug
    assert "2025-04-15" in flag["message"]
    source = data["source"]
    assert source["published"] == "2025-04-15T10:34:46Z"
    assert not any(words in source["text"] for words in BOILERPLATE)  # the snapshot is the story alone
    assert data["outlet"] == {
        "name": "Trend Pulse Daily",
        "slug": "trend-pulse-daily",
        "domain": "trendpulsedaily.example",
        "kind": "other",
        "id": None,
        "new": True,
    }


def test_summary_is_proposed_as_summarising_with_its_passages(original):
    data = intake(page("summary"))
    [derivation] = data["derivations"]
    assert derivation["kind"] == "summarises"
    assert derivation["derived_from_slug"] == original.slug
    assert (
        settings.INTAKE_SUMMARISES_MIN_CONTAINMENT <= derivation["score"] < settings.INTAKE_REPUBLISHES_MIN_CONTAINMENT
    )
    texts = [p["text"] for p in derivation["passages"]]
    assert "every shipment passing through Port Velden is inspected in line with national law" in " ".join(texts)
    assert len(texts) >= 4  # passages given in another order than the original's are found too
    assert all(p["words"] >= settings.INTAKE_PASSAGE_MIN_WORDS for p in derivation["passages"])
    assert not [f for f in data["flags"] if f["code"] == "date_later_than_original"]  # a summary is dated after
    assert data["source"]["authors"] == ["Tomas Reyes"]


def test_unrelated_article_derives_from_nothing(original):
    data = intake(page("unrelated"))
    assert data["derivations"] == []
    for candidate in data["candidates"]:
        assert candidate["kind"] == ""
        assert candidate["score"] < settings.INTAKE_SUMMARISES_MIN_CONTAINMENT
    assert data["flags"] == []


def test_text_quoting_one_passage_is_proposed_as_quoting(original, monkeypatch):
    quoted = (
        "Port Velden is back in the news. Ten days ago Northwind reported that armed guards stood at the quay "
        "throughout the unloading of a ship, and today the harbour workers' union asked for an inquiry into "
        "safety at the port. The union's leader said her members had not been told what they were handling "
        "and that nobody had explained the rules for the restricted quay. The harbour authority said it "
        "would meet the union next week."
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(quoted.encode())))
    data = intake("-")
    [derivation] = data["derivations"]
    assert derivation["kind"] == "quotes"
    assert [p["text"] for p in derivation["passages"]] == [
        "that armed guards stood at the quay throughout the unloading"
    ]
    assert derivation["score"] < settings.INTAKE_SUMMARISES_MIN_CONTAINMENT
    source = data["source"]
    assert data["format"] == "text" and data["outlet"] is None and source["kind"] == "other"
    assert source["title"] == quoted.split("\n")[0][:500]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")
def test_the_seed_s_content_farm_page_pasted_whole_republishes_the_ap_story(monkeypatch):
    """Pasted text keeps the farm's boilerplate (breadcrumbs, "Related", "Ranking"), which
    extraction removes from a page: the copy still carries the whole story."""
    farm = (SEEDS / "003_91ed6d654b37923c.txt").read_text(encoding="utf-8")
    story = farm[farm.index("SEOUL, South Korea (AP)") : farm.index("veryGood!")].strip()
    ap = make_source(slug="ap-story", title="South Korea’s spy agency says ...", published="2023-11-01", text=story)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(farm.encode())))
    [derivation] = intake("-")["derivations"]
    assert (derivation["kind"], derivation["derived_from_slug"]) == ("republishes", ap.slug)
    assert derivation["stored_in_new"] == derivation["score"] >= settings.INTAKE_REPUBLISHES_MIN_CONTAINMENT
    assert settings.INTAKE_REPUBLISHES_MIN_SHARE <= derivation["new_in_stored"] < 0.7


def test_outlet_is_matched_by_the_domain_or_a_parent_of_it(original):
    data = intake(page("unrelated"), "--url", "https://www.World.Northwindwire.example/a/b?utm_source=x")
    assert data["outlet"]["id"] == original.outlet_id and data["outlet"]["new"] is False
    assert data["source"]["url"] == "https://www.world.northwindwire.example/a/b"


def test_already_stored_document_is_flagged(original):
    data = intake(page("wire_original"))
    assert [(f["code"], f["source_slug"]) for f in data["flags"]] == [("already_stored", original.slug)]
    assert data["derivations"] == []  # a document does not derive from itself


# --- Writing -------------------------------------------------------------------------------


def test_nothing_is_written_without_save(original):
    before = counts()
    intake(page("farm_copy"))
    call_command("intake", str(page("farm_copy")), stdout=io.StringIO())  # the readable summary too
    assert counts() == before


def test_save_writes_the_outlet_source_and_derivation_in_one_revision(original):
    before = counts()
    out, err = io.StringIO(), io.StringIO()
    call_command("intake", str(page("farm_copy")), "--json", "--save", stdout=out, stderr=err)
    json.loads(out.getvalue())  # stdout stays JSON; what was written is said on stderr
    copy = Source.objects.get(url="https://trendpulsedaily.example/scams/harbour-officials-cargo-ship-ammunition-2025")
    assert copy.outlet.domain == "trendpulsedaily.example" and copy.outlet.name == "Trend Pulse Daily"
    assert copy.published_edtf == "2025-04-15T10:34:46Z"
    assert copy.raw_sha256 == extracted("farm_copy").raw_sha256 and len(copy.raw_sha256) == 64
    assert copy.text == original.text and copy.text_sha256 == original.text_sha256
    derivation = copy.derivations.get()
    assert (derivation.derived_from, derivation.kind) == (original, "republishes")
    assert "score 1.00" in derivation.note
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "Outlet": 1,
        "Source": 1,
        "Derivation": 1,
        "SourceSignatureBand": signatures.BANDS,  # the new text is indexed as it is saved
        "Revision": 1,
    }
    assert Revision.objects.latest("pk").reason == "intake"
    assert f"source {copy.slug!r}" in err.getvalue()


def test_a_failing_save_writes_nothing(original):
    make_source(url="https://newsite.example/story", outlet=make_outlet(domain="elsewhere.example"))
    before = counts()
    with pytest.raises(CommandError, match="nothing was saved. url: Another source already has this URL"):
        intake(page("summary"), "--url", "https://newsite.example/story", "--save")
    assert counts() == before  # the new outlet, written first, is rolled back too
    assert not Outlet.objects.filter(domain="newsite.example").exists()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["missing.html"], "", "cannot read it"),
        (["notes.docx"], "", "give an .html, .htm, .pdf or .txt file"),
        (["-"], "  \n ", "No text found"),
        (["ftp://example.org/story"], "", "only http:// and https:// addresses can be fetched"),
        (["http://127.0.0.1:9/story"], "", "127.0.0.1 is a loopback address"),
        (["-", "--url", "ftp://example.org/x"], "Some text.", "give an http:// or https:// address"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(args, stdin, message, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    before = counts()
    with pytest.raises(CommandError, match=message):
        intake(*args, "--save")
    assert counts() == before


def test_unreadable_pdf_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 this is not a PDF")
    with pytest.raises(CommandError, match="broken.pdf: "):
        intake(path)


# --- The band index ------------------------------------------------------------------------


def bands_of(text: str):
    return signatures.bands(signatures.minhash(text))


def test_bands_follow_a_source_s_text_as_it_is_edited(original):
    story = original.text
    assert [pk for pk, _ in signatures.candidates(bands_of(story), limit=5)] == [original.pk]
    original.text = extracted("unrelated").text
    original.save()
    assert signatures.candidates(bands_of(story), limit=5) == []
    assert [pk for pk, _ in signatures.candidates(bands_of(original.text), limit=5)] == [original.pk]
    original.text = ""
    original.save()
    assert not SourceSignatureBand.objects.filter(source=original).exists()
    original.text = story
    original.save()
    assert signatures.candidates(bands_of(story), limit=5) == [(original.pk, signatures.BANDS)]


def test_index_sources_rebuilds_the_bands_of_rows_loaded_without_saves(original):
    expected = sorted(SourceSignatureBand.objects.values_list("source", "band", "hash"))
    SourceSignatureBand.objects.all().delete()
    make_source(text="")  # no text, no bands
    call_command("index_sources", stdout=io.StringIO())
    assert sorted(SourceSignatureBand.objects.values_list("source", "band", "hash")) == expected
    assert SourceSignatureBand.derived_rebuild == "sources.intake.signatures.rebuild_all_bands"


def test_candidate_lookup_is_one_query_whatever_the_table_size(original):
    probe = bands_of(original.text)

    def lookup():
        with CaptureQueriesContext(connection) as queries:
            found = signatures.candidates(probe, limit=settings.INTAKE_CANDIDATES)
        return len(queries), found[0]

    small = lookup()
    outlet = make_outlet()
    for n in range(60):
        make_source(outlet=outlet, text=f"Filler story {n} about the weather in town number {n} and its {n} parks.")
    assert lookup() == small == (1, (original.pk, signatures.BANDS))


def test_signatures_are_fixed_by_the_text_alone():
    """Stored bands must not change between processes or versions: the same text gives
    the same values, its words normalised (case, punctuation, typographic quotes)."""
    assert signatures.minhash("The ship’s cargo, said the officials, was AMMUNITION.") == signatures.minhash(
        "the ship's cargo said the officials was ammunition"
    )
    assert signatures.bands(signatures.minhash("a b c d e f"))[0] == (0, 9106140275451435874)
    assert signatures.minhash("") == () and signatures.bands(()) == []


# --- A PDF made by hand ------------------------------------------------------------------------


def tiny_pdf(lines: list[str], *, title: str = "", author: str = "", created: str = "D:20231108120000Z") -> bytes:
    """A one-page PDF with `lines` of Helvetica text and an Info dictionary."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) /Author ({author}) /CreationDate ({created}) >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
