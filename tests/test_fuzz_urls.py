"""Every public URL pattern (config.urls walked, less admin/ and the API, which
test_fuzz_api.py covers), its path converters filled with the demo's real slugs and with
hostile values, asked with hostile query strings for the parameters its view reads:
wrong types, unicode digits, NUL, invalid UTF-8 escapes, 10,000-character and 10**30
values, negative numbers, repeated parameters, impossible dates and page markers. No
answer may be a 5xx. Asked with valid but odd query strings (unknown parameters, empty
values, a parameter repeated with the same value), the pages answer 200, not 400.

The requests are a deterministic list, so a failure names the URL to replay. Views that
share their parameters (the claims list and its exports share ClaimFilter) form a
family; each (parameter, hostile value) pair is asked once per family, on its paths in
turn, which keeps the run to about a thousand requests. Slow all the same, so it runs on
PostgreSQL only (CI's second pass); the SQLite suite covers the same views."""

import re
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass

import pytest
import yaml
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.export_world import DEMO, MILLION, TOPIC, load_demo

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="slow URL fuzzing runs on PostgreSQL only (CI); the SQLite suite covers the same views",
    ),
    pytest.mark.django_db,  # the test in a savepoint of the module's transaction
]

EXCLUDED_PREFIXES = ("admin/", "api/")  # the admin needs a login; the API has its own fuzz test

# A route's <slug> is filled from the demo file's section named by the route's first segment.
SECTIONS = ("claims", "denials", "actors", "topics", "materiel", "sources", "outlets")
PREFERRED = {"claims": MILLION, "topics": TOPIC, "actors": "national-intelligence-service"}  # the richest records
ACTOR = "north-korea"
EXPORT_FORMATS = {
    "sources": ["bib", "ris", "csl.json", "txt", "html"],
    "cite": ["bib", "ris", "csl.json", "txt", "html"],
    "data": ["csv", "json", "ndjson"],
}
STYLED = (".txt", ".html")  # the formatted bibliographies, which read ?style=

HUGE = "9" * 10_000
BIG = str(10**30)
# Bad values for any parameter ...
CORE_VALUES = ["abc", "²", "①", "٣", "%00", "a%00b", "%ff%fe", "%C0%AF", "x" * 10_000, BIG, "-1"]
# ... and for parameters of each kind.
DATES = ["2023-13-45", "2023-02-30", "0000-00-00", "99999-01-01", "2023-11-01T25:61:00", "20231101"]
NUMBERS = ["0", "-" + BIG, "1.5", "1e309", "NaN", HUGE]
CHOICES = ["REPORTED", "reported%00", "-made%20", "made;drop"]
RECORDS = [f"{TOPIC}%00", "NORTH-KOREA", "north_korea"]
EXTRA_VALUES = {
    "made_after": DATES,
    "made_before": DATES,
    "after": ["none~1", "none~-1", f"2023-11-01~{BIG}", "2023-11-01~²", "2023-11-01~١", "~", "~~", "2023-13-45~1"],
    "page": NUMBERS,
    "p": NUMBERS,
    "q": ["%E2%80%AE%3Cscript%3E", "%27%20OR%201%3D1--", "%", "%zz", "%ED%A0%80", "*", "%5C", "x" * 201],
    "has_denial": ["maybe", "TRUE", "2", "yes%00"],
    "status": CHOICES,
    "certainty": CHOICES,
    "sort": CHOICES,
    "style": ["APA", "apa%00", "..%2F..%2Fetc%2Fpasswd", "chicago"],
    "section": ["claims%00", "../claims", "CLAIMS"],
    "topic": RECORDS,
    "claimant": RECORDS,
    "subject": RECORDS,
    "materiel": RECORDS,
}
# Hostile query strings as a whole, whatever the view.
HOSTILE_QUERIES = [
    "page=1&page=2",
    "topic=a&topic=b",
    "status=reported&status=bogus",
    "sort=made&sort=%00",
    "%ff%fe=%ff%fe",
    "%00=%00",
    "a%00b",
    "&&&=&=",
    "=",
    "x" * 10_000,
    "q=" + "%ff" * 3000,
    "&".join(f"f{i}=1" for i in range(1500)),  # more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS
]
# Page markers of the other sort orders (dates and times in and out of range, offsets).
MARKERS = [
    "sort=recorded&after=9999-12-31T23:59:59%2B00:00~1",
    "sort=recorded&after=0001-01-01T00:00:00%2B01:00~1",
    "sort=-recorded&after=2023-11-01T00:00:00~1",
    "sort=recorded&after=2023-11-01T00:00:00%2B99:00~1",
    "sort=-recorded&after=2023-11-01~1",
    "sort=made&after=2023-11-01T00:00:00%2B00:00~1",
]
# Path converter values that are not the demo's.
HOSTILE_SEGMENTS = {
    "slug": ["does-not-exist", "0", "-", "x" * 300, "a%00b", "%ff%fe", "%C2%B2", "북한"],
    "int": ["0", "2", "00001", BIG, HUGE, "-1", "%D9%A3", "%00"],
    "str": ["exe", "BIB", "json.", "%00", "bib%00", "%ff%fe", "x" * 10_000, "csv%2F.."],
}

FILTERS = [
    "topic",
    "claimant",
    "involving",
    "subject",
    "materiel",
    "status",
    "certainty",
    "has_denial",
    "made_after",
    "made_before",
    "q",
    "sort",
    "after",
]
GENERIC = ["page", "q", "sort", "after", "format"]  # parameters a reader might try anywhere
FAMILY_PARAMETERS = {
    "claims list": FILTERS,
    "filtered exports": [*FILTERS, "style"],
    "claim exports": ["style"],
    "search": ["q"],
    "sitemap": ["p", "section"],
    "other pages": GENERIC,
}
COMMON_ODD = ["utm_source=newsletter&utm_medium=email", "fbclid=IwAR0x", "unknown=1&unknown=2", "&", "&&x=1&&"]
FILTER_ODD = [
    f"topic={TOPIC}&topic={TOPIC}",
    "status=reported&status=reported",
    "sort=made&sort=made",
    f"topic={TOPIC}&status=reported&sort=-recorded",
    "has_denial=true",
    "has_denial=false&certainty=probable",
    "made_after=2023-01-01&made_before=2023-12-31",
    "q=shells&q=shells",
    "q=+shells+",
    f"claimant={ACTOR}&subject={ACTOR}",
]
# The one valid-but-odd request that is not answered 200: Django's own sitemap view
# answers an empty page number with 404 ("No page ''").
ODD_NOT_200 = {"/sitemap.xml?p=", "/sitemap.xml?p"}


@dataclass(frozen=True)
class Route:
    route: str  # "claims/<slug:slug>/sources.<str:fmt>"
    name: str
    kind: str | None  # the export scope, for an export view

    @property
    def family(self) -> str:
        if self.name == "claim_list":
            return "claims list"
        if self.kind in ("list", "topic", "actor"):
            return "filtered exports"
        if self.name == "claim_cite" or self.kind == "claim":
            return "claim exports"
        if self.name in ("search", "sitemap"):
            return self.name
        return "other pages"


def public_routes() -> list[Route]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield Route(route, pattern.name, pattern.default_args.get("kind"))

    return [r for r in walk(get_resolver().url_patterns) if not r.route.startswith(EXCLUDED_PREFIXES)]


CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def demo_slugs() -> dict[str, list[str]]:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    slugs = {}
    for section in SECTIONS:
        found = [record["slug"] for record in data[section]]
        preferred = PREFERRED.get(section)
        slugs[section] = [preferred, *(s for s in found if s != preferred)] if preferred else found
    return slugs


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + CONVERTER.sub(lambda m: values[m.group(2)], route)


def converters(route: Route) -> dict[str, str]:
    return {m.group(2): m.group(1) or "str" for m in CONVERTER.finditer(route.route)}


# Real values of the other path segments: a sitemap file's section, a suggestion's kind.
OTHER_SEGMENTS = {"section": "claims", "kind": "actors"}


def formats(route: Route) -> list[str]:
    return EXPORT_FORMATS[route.route.rsplit("/", 1)[-1].split(".")[0]] if "fmt" in converters(route) else [""]


def real_paths(route: Route, slugs) -> list[str]:
    """The route filled with the demo's records: every export format, two slugs in turn."""
    section = route.route.split("/")[0]
    records = slugs.get(section, [""])
    return [
        fill(route.route, {**OTHER_SEGMENTS, "slug": records[index % 2], "fmt": fmt, "version": "1"})
        for index, fmt in enumerate(formats(route))
    ]


def hostile_paths(route: Route, slugs) -> list[str]:
    """The route with each converter in turn given hostile values, the others real."""
    names = converters(route)
    real = {
        **OTHER_SEGMENTS,
        "slug": slugs.get(route.route.split("/")[0], [""])[0],
        "fmt": formats(route)[0],
        "version": "1",
    }
    return [
        fill(route.route, {**real, name: value}) for name, kind in names.items() for value in HOSTILE_SEGMENTS[kind]
    ]


def hostile_pairs(parameters: list[str]) -> list[str]:
    return [f"{name}={value}" for name in parameters for value in [*CORE_VALUES, *EXTRA_VALUES.get(name, [])]]


def odd_pairs(parameters: list[str]) -> list[str]:
    return [query for name in parameters for query in (f"{name}=", name)]


@dataclass(frozen=True)
class Ask:
    url: str
    kind: str  # "plain" (real path, no query), "odd" (valid but odd query), "hostile"
    family: str


def requests_to_make() -> list[Ask]:
    slugs = demo_slugs()
    asks = []
    family_paths: dict[str, list[str]] = defaultdict(list)
    for route in public_routes():
        paths = real_paths(route, slugs)
        family_paths[route.family] += paths
        asks += [Ask(path, "plain", route.family) for path in paths]
        asks += [Ask(f"{paths[0]}?{query}", "odd", route.family) for query in COMMON_ODD]
        asks += [Ask(path, "hostile", route.family) for path in hostile_paths(route, slugs)]

    def in_turn(family: str, kind: str, queries: list[str]):
        """Each query once, on the family's paths in turn (?style= only on formatted ones)."""
        paths = family_paths[family]
        styled = [p for p in paths if p.endswith(STYLED)]
        plain = [p for p in paths if not p.endswith(STYLED)] or paths
        for index, query in enumerate(queries):
            choice = styled if query.startswith("style") and styled else plain
            asks.append(Ask(f"{choice[index % len(choice)]}?{query}", kind, family))

    for family, parameters in FAMILY_PARAMETERS.items():
        hostile = hostile_pairs(parameters)
        if family == "filtered exports":  # the claims list asks ClaimFilter every pair already
            hostile = hostile[::3]
        filtered = "topic" in parameters
        in_turn(family, "hostile", [*hostile, *HOSTILE_QUERIES, *(MARKERS if filtered else [])])
        in_turn(family, "odd", [*odd_pairs(parameters), *(FILTER_ODD if filtered else [])])
    return asks


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, loaded once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def exceptions():
    """The traceback of every exception a request raised, as Django logs it for a 500."""
    caught = []

    def record(sender, request=None, **kwargs):
        caught.append((request.get_full_path()[:200] if request else "?", traceback.format_exc()))

    got_request_exception.connect(record)
    yield caught
    got_request_exception.disconnect(record)


def ask(client, url: str):
    """GET url in a savepoint rolled back afterwards (one request's database error cannot
    poison the next), a streamed body read inside it: (status, error while streaming)."""
    with transaction.atomic():
        response = client.get(url)  # the client closes the response (at the stream's end)
        error = None
        try:
            if response.streaming:
                b"".join(response.streaming_content)
        except Exception:
            error = traceback.format_exc()
        transaction.set_rollback(True)
    return response.status_code, error


def shares(counts: Counter) -> str:
    total = sum(counts.values())
    return ", ".join(f"{name} {counts[name]} ({counts[name] / total:.1%})" for name in sorted(counts))


def test_every_public_url_survives_hostile_input(demo, exceptions):
    client = Client(raise_request_exception=False)
    asks = requests_to_make()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    by_family: dict[str, Counter] = defaultdict(Counter)
    server_errors, odd_not_200 = [], []
    started = time.perf_counter()
    for item in asks:
        status, stream_error = ask(client, item.url)
        by_kind[item.kind][f"{status // 100}xx"] += 1
        by_family[item.family][f"{status // 100}xx"] += 1
        if status >= 500 or stream_error:
            server_errors.append((status, item.url[:200], stream_error))
        elif item.kind != "hostile" and status != 200:
            odd_not_200.append((status, item.url[:200]))
    elapsed = time.perf_counter() - started

    print(f"\n{len(asks)} requests to {len(public_routes())} URL patterns in {elapsed:.1f} s")
    for kind in ("plain", "odd", "hostile"):
        print(f"  {kind}: {shares(by_kind[kind])}")
    print(f"  all: {shares(sum(by_kind.values(), Counter()))}")
    for family, counts in sorted(by_family.items()):
        print(f"  {family}: {shares(counts)}")
    for status, url in odd_not_200:
        print(f"  {status} for a valid request: {url}")

    details = "\n".join(f"{status} {url}\n{error or ''}" for status, url, error in server_errors[:20])
    tracebacks = "\n".join(f"{url}\n{trace}" for url, trace in exceptions[:5])
    assert not server_errors, f"{len(server_errors)} server errors:\n{details}\n{tracebacks}"
    assert by_kind["plain"] == Counter({"2xx": by_kind["plain"].total()}), odd_not_200
    assert {url for _, url in odd_not_200} <= ODD_NOT_200, odd_not_200
    assert by_kind["odd"]["2xx"] / by_kind["odd"].total() >= 0.98
