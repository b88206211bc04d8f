"""Claims as data (CSV, JSON, NDJSON): twins of the claim, topic, actor and filtered list
pages, with figures, relay chains, quotes and denials; streamed in a constant number of
queries; read back with csv and json."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, PublicationState
from tests.export_world import (
    AP_TITLE,
    AP_URL,
    KOREAN,
    MILLION,
    RUSSIAN,
    TOPIC,
    build_world,
    make_multilingual,
)
from tests.factories import (
    make_attribution,
    make_claim,
    make_claim_citation,
    make_denial,
    make_quantity,
    make_source,
)
from web.export import data, records
from web.export.data import CSV_COLUMNS
from web.export.spec import CLAIM, record_keys

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.streaming, "data exports are streamed"
    return b"".join(response.streaming_content).decode("utf-8")


def fetch(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300] if not response.streaming else "")
    return response


def read_csv(client, url) -> list[dict]:
    response = fetch(client, url)
    assert response["Content-Type"] == "text/csv; charset=utf-8; header=present"
    text = body(response)
    assert text.startswith("\ufeff"), "a byte-order mark, so that spreadsheets read UTF-8"
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    return rows


def read_json(client, url) -> list[dict]:
    response = fetch(client, url)
    assert response["Content-Type"] == "application/json"
    return json.loads(body(response))


def read_ndjson(client, url) -> list[dict]:
    response = fetch(client, url)
    assert response["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in body(response).splitlines()]


def test_csv_columns_are_the_documented_ones_in_order(client, export_demo):
    text = body(fetch(client, "/claims/data.csv"))

    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert header == CSV_COLUMNS
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for column in CSV_COLUMNS:
        assert f"`{column}`" in readme, f"column {column} is documented in README"


# The columns as released: a column may be added at the end, never renamed or moved.
RELEASED_COLUMNS = [
    "slug",
    "url",
    "proposition",
    "made",
    "made_precision",
    "period_start",
    "period_start_precision",
    "period_end",
    "period_end_precision",
    "certainty",
    "hedge",
    "status",
    "likelihood",
    "confidence",
    "credibility",
    "topics",
    "subjects",
    "materiel",
    "relay_chain",
    "quantities",
    "citation_count",
    "citations",
    "denial_count",
    "denials",
    "links",
    "notes",
    "version",
    "recorded",
    "revised",
    "made_earliest",
    "made_latest",
    "made_as_worded",
    "made_inferred",
    "period_start_earliest",
    "period_start_latest",
    "period_start_as_worded",
    "period_start_inferred",
    "period_end_earliest",
    "period_end_latest",
    "period_end_as_worded",
    "period_end_inferred",
]


def test_csv_columns_from_the_record_declaration_keep_the_released_order():
    assert CSV_COLUMNS[: len(RELEASED_COLUMNS)] == RELEASED_COLUMNS


def test_every_exported_record_has_the_declared_keys_in_order(client, export_demo):
    """The records web.export.records assembles are the ones web.export.spec declares
    (and so the API's schema describes), nested parts included."""
    exported = read_json(client, "/claims/data.json")

    assert exported
    for record in exported:
        assert record_keys(CLAIM, record) == [], record["slug"]


def test_claim_csv_carries_figures_relay_chain_quotes_and_denials(client, export_demo):
    [row] = read_csv(client, f"/claims/{MILLION}/data.csv")

    assert row["slug"] == MILLION and row["url"] == f"http://testserver/claims/{MILLION}/"
    assert (row["made"], row["made_precision"]) == ("2023-11-01", "day")
    assert (row["period_start"], row["period_start_precision"]) == ("2023-08", "month")
    assert row["quantities"] == "more than 1,000,000 artillery shells (“more than a million”)"
    assert row["relay_chain"].startswith("National Intelligence Service (originator; closed-door briefing")
    assert "→ Yoo Sang-bum (relay; told reporters" in row["relay_chain"]
    assert f"{AP_TITLE}, Associated Press, 2023-11-01, para. 1, {AP_URL})" in row["citations"]
    assert int(row["citation_count"]) == len(row["citations"].split(" | "))
    assert "North Korea and Russia deny US and South Korean claims" in row["denials"]
    assert int(row["denial_count"]) == 2
    assert (row["status"], row["certainty"], row["hedge"]) == ("reported", "probable", "believes")


def test_json_and_ndjson_give_the_same_nested_records(client, export_demo):
    as_json = read_json(client, f"/topics/{TOPIC}/data.json")
    as_ndjson = read_ndjson(client, f"/topics/{TOPIC}/data.ndjson")

    assert as_json == as_ndjson
    record = next(r for r in as_json if r["slug"] == MILLION)
    figure = {"comparator": "more_than", "low": 1000000, "high": None, "as_worded": "more than a million"}
    assert record["quantities"][0].items() >= figure.items()
    assert [link["actor"]["slug"] for link in record["relay_chain"]] == [
        "national-intelligence-service",
        "yoo-sang-bum",
    ]
    ap_citation = next(c for c in record["citations"] if c["source"]["url"] == AP_URL)
    assert ap_citation["quote"].startswith("South Korea’s top spy agency believes")
    assert (ap_citation["locator"], ap_citation["quote_found"]) == ("para. 1", True)
    assert ap_citation["source"]["published"] == "2023-11-01"
    denial = next(d for d in record["denials"] if d["slug"] == "nk-russia-deny-arms-transfers")
    assert {a["slug"] for a in denial["deniers"]} == {"north-korea", "russia"}
    assert len(denial["citations"]) == 3
    made = {key.removeprefix("made"): value for key, value in denial.items() if key.startswith("made")}
    assert made == {
        "": "[..2023-11-01]",
        "_precision": None,
        "_earliest": None,
        "_latest": "2023-11-01",
        "_as_worded": "have denied",
        "_inferred": True,
    }


def test_the_list_twins_take_the_pages_filters(client, export_demo):
    query = f"topic={TOPIC}&status=reported&claimant=yoo-sang-bum&sort=made"
    html = client.get(f"/claims/?{query}").content.decode()

    slugs = [r["slug"] for r in read_json(client, f"/claims/data.json?{query}")]

    assert slugs and all(f"/claims/{slug}/" in html for slug in slugs)
    assert slugs.index(MILLION) < len(slugs)
    made = [r["made"] for r in read_json(client, f"/claims/data.json?{query}")]
    assert made == sorted(made, key=lambda d: (d is None, d or ""))


def test_topic_and_actor_twins_list_the_pages_claims(client, export_demo):
    topic = {r["slug"] for r in read_ndjson(client, f"/topics/{TOPIC}/data.ndjson")}
    lavrov = {r["slug"] for r in read_csv(client, "/actors/yoo-sang-bum/data.csv")}

    assert MILLION in topic and "kim-space-reconnaissance-crucial" not in topic
    assert MILLION in lavrov and "yoo-shells-two-months-of-supplies" in lavrov


def test_only_published_claims_and_denials_are_exported(client):
    published = make_claim()
    draft = make_claim(state=PublicationState.DRAFT)
    make_denial(claims=[published], statement="Draft denial.", state=PublicationState.DRAFT)

    records = read_json(client, "/claims/data.json")

    assert [r["slug"] for r in records] == [published.slug]
    assert records[0]["denials"] == []
    assert fetch(client, draft.get_absolute_url() + "data.csv", status=404)


def test_month_precision_travels_as_year_and_month(client):
    claim = make_claim(made="2023-08")

    [row] = read_csv(client, claim.get_absolute_url() + "data.csv")
    [record] = read_json(client, claim.get_absolute_url() + "data.json")

    assert (row["made"], row["made_precision"]) == ("2023-08", "month")
    assert (record["made"], record["made_precision"]) == ("2023-08", "month")


# EDTF -> precision, earliest and latest day, as the exports give them (None: empty in CSV).
DATE_FORMS = {
    "2023-11-01": ("day", "2023-11-01", "2023-11-01"),
    "2023-08": ("month", "2023-08-01", "2023-08-31"),
    "2023": ("year", "2023-01-01", "2023-12-31"),
    "2022-06~": (None, "2022-05-01", "2022-07-31"),
    "2023-10-19/2023-10-25": (None, "2023-10-19", "2023-10-25"),
    "2022/..": (None, "2022-01-01", None),
    "[..2023-10-25]": (None, None, "2023-10-25"),
}


@pytest.mark.parametrize("edtf", DATE_FORMS)
def test_a_date_travels_as_its_edtf_with_its_days_words_and_inference(client, edtf):
    precision, earliest, latest = DATE_FORMS[edtf]
    claim = make_claim(made=edtf, made_as_worded="days before", made_inferred=True, period_start=edtf)

    [row] = read_csv(client, claim.get_absolute_url() + "data.csv")
    [record] = read_json(client, claim.get_absolute_url() + "data.json")

    expected = {
        "made": edtf,
        "made_precision": precision,
        "made_earliest": earliest,
        "made_latest": latest,
        "made_as_worded": "days before",
        "made_inferred": True,
    }
    assert {key: record[key] for key in expected} == expected
    csv_cells = {key: "" if value is None else value for key, value in expected.items()} | {"made_inferred": "true"}
    assert {key: row[key] for key in expected} == csv_cells
    assert (record["period_start"], record["period_start_earliest"]) == (edtf, earliest)
    assert (row["period_start_as_worded"], row["period_start_inferred"]) == ("", "false")
    assert (record["period_end"], record["period_end_latest"], record["period_end_inferred"]) == (None, None, False)


def test_the_columns_added_with_edtf_dates_come_after_the_older_ones(client):
    claim = make_claim()

    response = fetch(client, claim.get_absolute_url() + "data.csv")
    header = next(csv.reader(io.StringIO(body(response).removeprefix("\ufeff"))))

    assert header[: header.index("revised") + 1] == [
        "slug", "url", "proposition", "made", "made_precision", "period_start", "period_start_precision",
        "period_end", "period_end_precision", "certainty", "hedge", "status", "likelihood", "confidence",
        "credibility", "topics", "subjects", "materiel", "relay_chain", "quantities", "citation_count",
        "citations", "denial_count", "denials", "links", "notes", "version", "recorded", "revised",
    ]  # fmt: skip
    assert header[header.index("revised") + 1 :] == [
        f"{date}_{part}"
        for date in ("made", "period_start", "period_end")
        for part in ("earliest", "latest", "as_worded", "inferred")
    ]


def test_dates_in_the_chain_figures_sources_and_denials_carry_the_same_keys(client):
    claim = make_claim(made="2023-10-26")
    make_attribution(claim=claim, date="2023-10-2X", date_as_worded="late October")
    make_quantity(claim=claim, as_worded="more than a million", as_of="2022-06~", as_of_as_worded="around June")
    source = make_source(published="2023-10-26T14:30:00+09:00", published_as_worded="26.10.2023 14:30")
    make_claim_citation(claim=claim, source=source)
    make_denial(claims=[claim], made="2023-10-16/2023-10-24", made_as_worded="days before", made_inferred=True)

    [record] = read_json(client, claim.get_absolute_url() + "data.json")
    [row] = read_csv(client, claim.get_absolute_url() + "data.csv")

    def date_keys(obj, name):
        return {key: value for key, value in obj.items() if key == name or key.startswith(f"{name}_")}

    assert date_keys(record["relay_chain"][0], "date") == {
        "date": "2023-10-2X",
        "date_precision": None,
        "date_earliest": "2023-10-20",
        "date_latest": "2023-10-29",
        "date_as_worded": "late October",
        "date_inferred": False,
    }
    figure = record["quantities"][0]
    assert (figure["as_of"], figure["as_of_earliest"], figure["as_of_latest"]) == (
        "2022-06~",
        "2022-05-01",
        "2022-07-31",
    )
    assert (figure["as_of_as_worded"], figure["as_worded"]) == ("around June", "more than a million")
    published = date_keys(record["citations"][0]["source"], "published")
    assert published == {
        "published": "2023-10-26T14:30:00+09:00",
        "published_precision": None,
        "published_earliest": "2023-10-26",
        "published_latest": "2023-10-26",
        "published_as_worded": "26.10.2023 14:30",
        "published_inferred": False,
    }
    denial = record["denials"][0]
    assert (denial["made"], denial["made_earliest"], denial["made_latest"]) == (
        "2023-10-16/2023-10-24",
        "2023-10-16",
        "2023-10-24",
    )
    assert (denial["made_as_worded"], denial["made_inferred"]) == ("days before", True)
    assert "2023-10-2X" in row["relay_chain"] and "2023-10-16/2023-10-24" in row["denials"]
    assert "2023-10-26T14:30:00+09:00" in row["citations"]


def test_korean_and_russian_names_survive_csv_json_and_ndjson(client):
    world = make_multilingual()
    base = world["topic"].get_absolute_url()

    [row] = read_csv(client, base + "data.csv")
    [record] = read_json(client, base + "data.json")
    [line] = read_ndjson(client, base + "data.ndjson")

    assert record == line
    assert KOREAN in row["proposition"] and row["relay_chain"].startswith(f"{RUSSIAN} (originator; пресс-конференция")
    assert f"{KOREAN}이 포탄을 보냈다" in row["citations"] and f"{RUSSIAN} отрицает." in row["denials"]
    assert record["relay_chain"][0]["actor"]["name"] == RUSSIAN
    assert record["subjects"] == [{"slug": "bukhan", "name": f"{KOREAN} (North Korea)"}]
    assert record["denials"][0]["deniers"] == [{"slug": "lavrov-ru", "name": RUSSIAN}]
    assert record["quantities"][0]["as_worded"] == "более миллиона"


def test_spreadsheet_formulas_in_untrusted_text_are_defused(client):
    claim = make_claim(proposition='=HYPERLINK("http://evil.example","click")')
    make_claim_citation(claim=claim, source=make_source(title="+cmd|' /C calc'!A0"))

    [row] = read_csv(client, claim.get_absolute_url() + "data.csv")
    [record] = read_json(client, claim.get_absolute_url() + "data.json")

    assert row["proposition"].startswith("'=HYPERLINK")
    assert record["proposition"].startswith("=HYPERLINK"), "JSON keeps the text as it is"


FORMATS = ["csv", "json", "ndjson"]
PAGES = ["list", "filtered list", "topic", "actor"]


def count_export_queries(world, case) -> tuple[int, int]:
    """The queries an export of the world's claims takes, and how often the newest claim
    appears in it."""
    fmt, page = case
    url = {
        "list": f"/claims/data.{fmt}",
        "filtered list": f"/claims/data.{fmt}?topic={world['topic'].slug}&has_denial=true&status=reported",
        "topic": world["topic"].get_absolute_url() + f"data.{fmt}",
        "actor": world["actor"].get_absolute_url() + f"data.{fmt}",
    }[page]
    with CaptureQueriesContext(connection) as queries:
        response = fetch(Client(), url)
        rows = body(response)
    return len(queries), rows.count(world["claims"][-1].slug)


@pytest.fixture(scope="module")
def export_queries(measure_at_sizes):
    """Every case below measured with 3 claims, then with 40 more (tests/conftest.py)."""
    cases = [(fmt, page) for page in PAGES for fmt in FORMATS]
    return measure_at_sizes(build_world, (3, 40), cases, count_export_queries)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("page", PAGES)
def test_exporting_n_claims_takes_a_constant_number_of_queries(export_queries, fmt, page):
    def count(measured):
        queries, newest = measured.get()
        assert newest >= 1
        return queries

    few, many = (count(measured) for measured in export_queries[fmt, page])
    assert few == many, f"{few} queries for 3 claims, {many} for 40"
    assert few <= 16


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/claims/data.xlsx", "Unknown format 'xlsx'"),
        ("/claims/data.bib", "Unknown format 'bib'"),
        ("/claims/data.csv?status=bogus", "Invalid filters: status:"),
        ("/claims/data.json?certainty=sure", "Invalid filters: certainty:"),
        ("/claims/data.ndjson?made_before=yesterday", "Invalid filters: made_before:"),
        ("/claims/data.csv?q=" + "x" * 300, "Invalid filters: q:"),
        ("/topics/no-such-topic/data.csv", None),
    ],
)
def test_malformed_data_request_is_answered_with_a_message_never_a_500(client, url, message):
    make_claim()

    response = client.get(url)

    if message is None:
        assert response.status_code == 404
        return
    assert response.status_code == 400
    text = response.content.decode()
    if response["Content-Type"] == "application/json":
        text = json.loads(text)["error"]
    assert message in text


# --- a client that goes away ------------------------------------------------------------


def open_cursors() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]


@pytest.fixture
def one_claim_a_batch(monkeypatch):
    """Batches of one claim, each sent at once: a stream has several pieces to stop between."""
    monkeypatch.setattr(records, "BATCH_SIZE", 1)
    monkeypatch.setattr(data, "_FLUSH_AT", 1)
    assembled = []
    assemble = records.RecordAssembler.records

    def counting(self, rows):
        assembled.append(len(rows))
        return assemble(self, rows)

    monkeypatch.setattr(records.RecordAssembler, "records", counting)
    return assembled


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
def test_a_client_that_disconnects_stops_the_export(client, one_claim_a_batch, fmt):
    for n in range(4):
        make_claim(slug=f"claim-{n}")
    response = fetch(client, f"/claims/data.{fmt}")
    pieces = iter(response.streaming_content)
    next(pieces)
    read = list(one_claim_a_batch)
    assert len(read) <= 1  # at most the first claim's batch

    response.close()  # what the WSGI server does when the client goes away

    assert list(pieces) == []
    assert one_claim_a_batch == read, "no claim is read after the client has gone"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_cursors is PostgreSQL's")
def test_closing_a_stream_early_closes_its_server_side_cursor(one_claim_a_batch):
    for n in range(3):
        make_claim(slug=f"claim-{n}")
    stream = records.stream_records(Claim.objects.published().order_by("pk"), lambda path: path)
    assert next(stream)["slug"] == "claim-0"
    assert open_cursors() == 1  # the claims are read through one server-side cursor

    stream.close()

    assert open_cursors() == 0
