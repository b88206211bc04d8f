"""The intake page of the Source admin (sources/admin_intake.py): an address (fetched by
the task, at once under the suite's immediate backend, from the local server of
tests/test_intake_fetch.py), a file or a text becomes a review page with the proposal,
the content farm's copy shown republishing the stored wire story with its later date
flagged; "Save source" writes the source, its outlet and derivations, or shows what is
wrong and writes nothing; the page needs the add-source permission and makes the same
queries whatever the proposal holds."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from history.models import Revision
from sources.models import Derivation, IntakeRequest, Outlet, Source
from tests.factories import make_source
from tests.test_intake import ORIGINAL_URL, original, page  # noqa: F401 - original is a fixture
from tests.test_intake_fetch import site  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

INTAKE = "/admin/sources/source/intake/"
REVIEW = re.compile(r"^/admin/sources/source/intake/(\d+)/$")


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Outlet, Source, Derivation, Revision)}


@pytest.fixture
def private_allowed(settings):
    settings.INTAKE_ALLOW_PRIVATE_ADDRESSES = True
    return settings


def submit(client, **data):
    """Post the intake form; the review page's path."""
    response = client.post(INTAKE, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert REVIEW.match(response["Location"]), response["Location"]
    return response["Location"]


def review_data(response, **changes) -> dict:
    """The review form as shown (every field's value, the derivations ticked), changed."""
    data = {}
    for form in (response.context["source_form"], response.context["outlet_form"]):
        if form is None:
            continue
        for field in form:
            value = field.value()
            data[field.html_name] = "" if value is None else value
    data["derivations"] = [str(d.derived_from_id) for d, checked in response.context["derivations"] if checked]
    data.update(changes)
    return data


# --- Access ------------------------------------------------------------------------------


def test_the_page_needs_staff_and_the_add_source_permission(client, django_user_model):
    assert client.get(INTAKE).status_code == 302  # to the login page
    assert client.get(INTAKE)["Location"].startswith("/admin/login/")
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_source"))
    client.force_login(viewer)
    assert client.get(INTAKE).status_code == 403
    assert client.post(INTAKE, {"text": "Some words."}).status_code == 403
    entry = IntakeRequest.objects.create(input="text", format="text", content=b"Some words.", status="done")
    assert client.get(f"{INTAKE}{entry.pk}/").status_code == 403
    assert not Source.objects.exists()


def test_the_source_list_links_the_page_and_the_form_has_its_three_inputs(analyst_client):
    changelist = analyst_client.get("/admin/sources/source/").content.decode()
    assert f'<a href="{INTAKE}" class="addlink">Add from a page, file or text</a>' in changelist
    html = analyst_client.get(INTAKE).content.decode()
    assert '<label for="id_url">Address:</label>' in html and 'name="url"' in html
    assert '<label for="id_file">File:</label>' in html and 'type="file" name="file"' in html
    assert '<label for="id_text">Text:</label>' in html and 'name="text"' in html
    assert '<input type="submit" value="Read it"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "<script>" not in html and "style=" not in html  # nothing inline (CSP)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give an address, a file or a text."),
        ({"url": "https://example.org/a", "text": "Some words."}, "Give exactly one of an address, a file or a text."),
        ({"url": "ftp://example.org/a"}, "only http:// and https:// addresses can be fetched"),
    ],
)
def test_none_or_two_inputs_or_a_bad_address_is_a_form_error(analyst_client, data, message):
    response = analyst_client.post(INTAKE, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not IntakeRequest.objects.exists()


def test_a_file_and_a_text_at_once_is_a_form_error(analyst_client):
    upload = SimpleUploadedFile("farm_copy.html", page("farm_copy").read_bytes(), content_type="text/html")
    response = analyst_client.post(INTAKE, {"file": upload, "text": "Some words."})
    assert "Give exactly one of an address, a file or a text." in response.content.decode()
    assert not IntakeRequest.objects.exists()


def test_a_file_that_is_neither_html_nor_pdf_is_a_form_error(analyst_client):
    upload = SimpleUploadedFile("notes.docx", b"PK\x03\x04 not a page", content_type="application/octet-stream")
    response = analyst_client.post(INTAKE, {"file": upload})
    assert "Give an HTML page (.html, .htm) or a PDF file." in response.content.decode()


def test_a_file_over_the_limit_is_a_form_error(analyst_client, settings):
    settings.INTAKE_FETCH_MAX_BYTES = 1000
    upload = SimpleUploadedFile("farm_copy.html", page("farm_copy").read_bytes(), content_type="text/html")
    response = analyst_client.post(INTAKE, {"file": upload})
    assert "The file is larger than 1,000 bytes, the most intake reads." in response.content.decode()
    assert not IntakeRequest.objects.exists()


# --- From each input to the review page -----------------------------------------------------


def assert_farm_copy_reviewed(html: str, stored) -> None:
    assert "<h2>Source</h2>" in html
    assert "Harbour officials say cargo ship carried 400 containers of ammunition to Port Velden" in html
    assert "<strong>republishes</strong>" in html
    assert f'name="derivations" value="{stored.pk}" id="derivation-{stored.pk}" checked' in html
    assert "<blockquote>“PORT VELDEN (Northwind)" in html  # a shared passage, quoted
    assert "Check before saving" in html
    assert "Dated 2025-04-15T10:34:46Z, after the original it copies (2023-11-01)" in html
    assert '<input type="submit" value="Save source"' in html


def test_an_address_is_fetched_and_reviewed(analyst_client, site, private_allowed, original):  # noqa: F811
    review = submit(analyst_client, url=f"{site}/pages/farm_copy.html")

    entry = IntakeRequest.objects.get()
    assert (entry.input, entry.status, entry.format) == ("url", "done", "html")
    assert entry.final_url == f"{site}/pages/farm_copy.html"
    assert bytes(entry.content) == page("farm_copy").read_bytes()
    response = analyst_client.get(review)
    assert response.status_code == 200
    html = response.content.decode()
    assert_farm_copy_reviewed(html, original)
    assert '<meta http-equiv="refresh"' not in html
    assert response.context["source_form"]["url"].value() == f"{site}/pages/farm_copy.html"
    assert response.context["outlet_form"]["domain"].value() == "127.0.0.1"


def test_a_failed_fetch_shows_why(analyst_client, site, settings):  # noqa: F811
    settings.INTAKE_ALLOW_PRIVATE_ADDRESSES = False
    review = submit(analyst_client, url=f"{site}/pages/farm_copy.html")

    entry = IntakeRequest.objects.get()
    assert entry.status == "failed"
    html = analyst_client.get(review).content.decode()
    assert '<div class="errornote" role="alert">127.0.0.1 is a loopback address' in html
    assert "Save source" not in html


def test_a_fetch_under_way_says_so_and_refreshes_itself(analyst_client):
    entry = IntakeRequest.objects.create(input="url", url="https://news.example/story", status="queued")
    html = analyst_client.get(f"{INTAKE}{entry.pk}/").content.decode()
    assert "Fetching https://news.example/story ..." in html
    assert '<meta http-equiv="refresh" content="2">' in html


def test_a_fetch_whose_worker_is_gone_fails_instead_of_refreshing_for_ever(analyst_client, settings):
    entry = IntakeRequest.objects.create(input="url", url="https://news.example/story", status="fetching")
    long_ago = timezone.now() - dt.timedelta(seconds=settings.INTAKE_FETCH_TIMEOUT + 61)
    IntakeRequest.objects.filter(pk=entry.pk).update(updated_at=long_ago)

    html = analyst_client.get(f"{INTAKE}{entry.pk}/").content.decode()

    assert "the task worker may have stopped" in html
    assert 'http-equiv="refresh"' not in html
    assert IntakeRequest.objects.get(pk=entry.pk).status == "failed"


def test_an_uploaded_file_is_reviewed(analyst_client, original):  # noqa: F811
    upload = SimpleUploadedFile("farm_copy.html", page("farm_copy").read_bytes(), content_type="text/html")
    review = submit(analyst_client, file=upload)

    entry = IntakeRequest.objects.get()
    assert (entry.input, entry.status, entry.format, entry.file_name) == ("file", "done", "html", "farm_copy.html")
    response = analyst_client.get(review)
    assert_farm_copy_reviewed(response.content.decode(), original)
    assert response.context["outlet_form"]["domain"].value() == "trendpulsedaily.example"  # the page's own address


def test_pasted_text_is_reviewed(analyst_client, original):  # noqa: F811
    review = submit(analyst_client, text=original.text)

    entry = IntakeRequest.objects.get()
    assert (entry.input, entry.status, entry.format) == ("text", "done", "text")
    html = analyst_client.get(review).content.decode()
    assert "<strong>republishes</strong>" in html
    assert "None: the document has no address" in html


def test_documents_older_than_the_keeping_days_go_when_the_next_is_given(analyst_client, settings):
    settings.INTAKE_KEEP_DAYS = 7
    old, recent = (IntakeRequest.objects.create(input="text", format="text", content=b"Old.") for _ in range(2))
    IntakeRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    IntakeRequest.objects.filter(pk=recent.pk).update(created_at=timezone.now() - dt.timedelta(days=6))

    submit(analyst_client, text="Some words of a new document.")

    assert not IntakeRequest.objects.filter(pk=old.pk).exists()
    assert IntakeRequest.objects.filter(pk=recent.pk).exists() and IntakeRequest.objects.count() == 2


# --- Saving ---------------------------------------------------------------------------------


def test_save_writes_the_source_outlet_and_derivation_and_goes_on(analyst_client, original):  # noqa: F811
    upload = SimpleUploadedFile("farm_copy.html", page("farm_copy").read_bytes(), content_type="text/html")
    review = submit(analyst_client, file=upload)
    shown = analyst_client.get(review)
    before = counts()

    response = analyst_client.post(review, review_data(shown, **{"source-title": "Trend Pulse copy of the AP story"}))

    source = Source.objects.get(title="Trend Pulse copy of the AP story")
    assert response.status_code == 302
    # On to INTAKE_NEXT_URL_NAME: the claims app's quote page, quoting the new source.
    assert response["Location"] == f"/admin/claims/claim/quote/{source.pk}/"
    assert source.outlet.domain == "trendpulsedaily.example" and source.outlet.name == "Trend Pulse Daily"
    assert source.published_edtf == "2025-04-15T10:34:46Z"
    assert source.raw_sha256 and source.text.startswith("PORT VELDEN (Northwind)")
    [derivation] = source.derivations.all()
    assert (derivation.kind, derivation.derived_from) == ("republishes", original)
    assert counts() == {**before, "Outlet": 2, "Source": 2, "Derivation": 1, "Revision": before["Revision"] + 1}
    assert Revision.objects.latest("pk").reason == "intake"
    assert IntakeRequest.objects.get().source == source
    page_after = analyst_client.get(review).content.decode()
    assert f'<a href="/admin/sources/source/{source.pk}/change/">' in page_after  # saved: the change page linked


def test_a_derivation_that_is_not_a_number_is_left_out(analyst_client, original):  # noqa: F811
    review = submit(analyst_client, text=original.text + "\n\nA line of our own.")
    data = review_data(analyst_client.get(review), **{"derivations": ["²", "9" * 5000]})

    response = analyst_client.post(review, data)

    assert response.status_code == 302
    assert not Source.objects.exclude(pk=original.pk).get().derivations.exists()


def test_save_goes_to_the_named_next_page_with_the_source(analyst_client, original, settings):  # noqa: F811
    settings.INTAKE_NEXT_URL_NAME = "admin:sources_source_history"
    review = submit(analyst_client, text=original.text + "\n\nA line of our own.")
    shown = analyst_client.get(review)
    data = review_data(shown, **{"derivations": []})  # no derivation ticked: none written

    response = analyst_client.post(review, data)

    source = Source.objects.latest("pk")
    assert response["Location"] == f"/admin/sources/source/{source.pk}/history/"
    assert not source.derivations.exists()
    assert source.outlet is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("source-published_edtf", "last Friday", "EDTF"),
        ("source-url", "javascript:alert(1)", "Enter a valid URL."),
        ("source-title", "", "This field is required."),
        ("outlet-domain", "Trend/Pulse", "lower case"),
    ],
)
def test_a_bad_field_is_a_form_error_and_nothing_is_written(analyst_client, original, field, value, message):  # noqa: F811
    upload = SimpleUploadedFile("farm_copy.html", page("farm_copy").read_bytes(), content_type="text/html")
    review = submit(analyst_client, file=upload)
    shown = analyst_client.get(review)
    before = counts()

    response = analyst_client.post(review, review_data(shown, **{field: value}))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html, (response.context["source_form"].errors, response.context["outlet_form"].errors)
    assert "Please correct the errors below. Nothing was saved." in html
    assert counts() == before
    assert IntakeRequest.objects.get().source is None


def test_a_url_stored_already_is_a_form_error(analyst_client, original):  # noqa: F811
    review = submit(analyst_client, text="A statement of our own about the harbour.\nIt has a few words.")
    shown = analyst_client.get(review)
    before = counts()
    response = analyst_client.post(review, review_data(shown, **{"source-url": ORIGINAL_URL}))
    assert response.status_code == 200
    assert counts() == before
    assert response.context["source_form"].errors


# --- Queries --------------------------------------------------------------------------------


def test_the_review_page_makes_the_same_queries_whatever_the_proposal_holds(analyst_client, original):  # noqa: F811
    upload = SimpleUploadedFile("farm_copy.html", page("farm_copy").read_bytes(), content_type="text/html")
    one = submit(analyst_client, file=upload)
    analyst_client.get(one)  # the session and permissions warmed alike for both

    with CaptureQueriesContext(connection) as first:
        response = analyst_client.get(one)
    assert len(response.context["derivations"]) == 1
    for n in range(3):  # more stored copies of the story: more derivations on the same page
        make_source(slug=f"copy-{n}", url=f"https://copies.example/{n}", title=f"Copy {n}", text=original.text)
    with CaptureQueriesContext(connection) as second:
        response = analyst_client.get(one)
    assert len(response.context["derivations"]) == 4
    assert len(second) == len(first), [q["sql"] for q in second]
