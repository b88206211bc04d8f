"""Memory and time of the streamed CSV export of the claims list, for 1,000 and 10,000
claims: peak memory should stay flat as the number of rows grows. Run:

    .venv/bin/python benchmarks/export_memory.py [N ...]        # SQLite in a temp file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claims_bench .venv/bin/python benchmarks/export_memory.py

For each N (default 1000 10000) it builds N published claims, each with a two-link relay
chain, a figure, two citations and a denial, in a throwaway database, then streams
/claims/data.csv through the test client as a WSGI server would, one piece at a time,
and prints the time, the peak Python memory the export allocated (tracemalloc, in a
second run), the bytes sent and the number of queries. Memory is bounded by the chunk
(web.export.data.CHUNK_SIZE claims and their prefetched rows), not by N; queries are
one for the claims plus one per prefetch per chunk.
"""

import datetime as dt
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from claims.models import Actor, Attribution, Claim, ClaimCitation, Denial, Quantity  # noqa: E402
from sources.models import Outlet, Source  # noqa: E402


def build(n: int) -> None:
    """N published claims, bulk-created (the admin's per-row work is not measured)."""
    call_command("migrate", verbosity=0)
    for model in (Denial, Claim, Source, Outlet, Actor):
        model.objects.all().delete()
    outlet = Outlet.objects.create(name="Bench wire", slug="bench-wire", kind="wire_agency", domain="bench.example")
    sources = [
        Source.objects.create(
            outlet=outlet,
            title=f"Bench story {i}",
            slug=f"bench-story-{i}",
            url=f"https://bench.example/story-{i}",
            published="2023-11-01",
            text="North Korea shipped more than a million artillery shells to Russia. " * 40,
        )
        for i in range(20)
    ]
    nis = Actor.objects.create(name="National Intelligence Service", slug="bench-nis", kind="agency")
    yoo = Actor.objects.create(name="Yoo Sang-bum", slug="bench-yoo", kind="person")
    start = dt.date(2020, 1, 1)
    claims = Claim.objects.bulk_create(
        Claim(
            slug=f"bench-{i}",
            proposition=f"Benchmark claim {i}: North Korea shipped more than a million artillery shells.",
            made=start + dt.timedelta(days=i % 1500),
            state="published",
        )
        for i in range(n)
    )
    Attribution.objects.bulk_create(
        Attribution(claim=c, actor=a, position=p, role=r, channel="briefing")
        for c in claims
        for p, a, r in ((1, nis, "originator"), (2, yoo, "relay"))
    )
    Quantity.objects.bulk_create(
        Quantity(
            claim=c, comparator="more_than", low=1_000_000, item="artillery shells", as_worded="more than a million"
        )
        for c in claims
    )
    ClaimCitation.objects.bulk_create(
        ClaimCitation(
            claim=c, source=sources[(i + k) % 20], position=k + 1, quote="more than a million artillery shells"
        )
        for i, c in enumerate(claims)
        for k in range(2)
    )
    denial = Denial.objects.create(slug="bench-denial", statement="Denied.", kind="dismissal", state="published")
    denial.deniers.add(nis)
    denial.claims.add(*claims)


def measure(n: int) -> None:
    build(n)
    client = Client()
    # Warm up: the first request imports the URLconf and its modules, which is not the
    # export's memory. An empty export (no refuted claim) runs every code path once.
    b"".join(client.get("/claims/data.csv?status=refuted").streaming_content)
    # Time without tracemalloc, which slows allocation-heavy code several times over.
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    began = time.perf_counter()
    with connection.execute_wrapper(count):
        response = client.get("/claims/data.csv")
        size = sum(len(piece) for piece in response.streaming_content)  # one piece at a time
    elapsed = time.perf_counter() - began
    assert response.status_code == 200
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    for _piece in client.get("/claims/data.csv").streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    print(
        f"  {n:>7,} claims  {elapsed:6.2f} s  peak {peak / 2**20:6.1f} MiB  "
        f"{size / 2**20:6.1f} MiB of CSV  {len(queries)} queries"
    )


def main():
    sizes = [int(arg) for arg in sys.argv[1:]] or [1_000, 10_000]
    setup_test_environment()
    print(f"{connection.vendor}: streamed CSV export of the claims list (/claims/data.csv)")
    for n in sizes:
        measure(n)


if __name__ == "__main__":
    main()
