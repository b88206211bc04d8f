"""Speed and memory of the streamed data exports (CSV, NDJSON, JSON) of the claims list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claims_export_bench \\
        .venv/bin/python benchmarks/export_speed.py 100000 [--reuse] [--formats csv,ndjson] [--profile]

Without DATABASE_URL it runs on SQLite in a temporary file. It builds N published claims
(unless --reuse finds N already there), each with topics, subjects, materiel, a two-link
relay chain spoken through a document, two figures, three citations (one worded figure
each), links to other claims, and denials that answer 50 claims each with their own
kinds and citations; bulk-created, no history. Then, for each format, it streams
/claims/data.<format> through the test client one piece at a time, as a WSGI server
would, and prints claims/s, the bytes sent, the queries and the growth of the process's
peak RSS (ru_maxrss) during the export. --profile writes a pyinstrument profile of the
first format's export to export-profile.html when pyinstrument is installed, else prints
cProfile's top entries.
"""

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from claims.models import (  # noqa: E402
    Actor,
    Attribution,
    CitationFigure,
    Claim,
    ClaimCitation,
    ClaimLink,
    Denial,
    DenialCitation,
    DenialOtherKind,
    Materiel,
    Quantity,
    Topic,
)
from sources.models import Outlet, Source  # noqa: E402

BATCH = 5_000
DENIAL_SPAN = 50  # claims answered by one denial


def build(n: int) -> None:
    """N published claims, bulk-created in batches (the admin's per-row work is not measured)."""
    call_command("migrate", verbosity=0)
    for model in (Denial, Claim, Source, Outlet, Actor, Topic, Materiel):
        model.objects.all().delete()
    outlet = Outlet.objects.create(name="Bench wire", slug="bench-wire", kind="wire_agency", domain="bench.example")
    text = "North Korea shipped more than a million artillery shells to Russia. " * 40
    sources = [
        Source.objects.create(
            outlet=outlet if i % 10 else None,
            kind="article" if i % 10 else "briefing",
            issuer="" if i % 10 else "National Intelligence Service",
            title=f"Bench story {i}",
            slug=f"bench-story-{i}",
            url=f"https://bench.example/story-{i}",
            published_edtf="2023-11-01",
            published_earliest=dt.date(2023, 11, 1),
            published_latest=dt.date(2023, 11, 1),
            text=text,
        )
        for i in range(200)
    ]
    actors = Actor.objects.bulk_create(
        Actor(name=f"Bench actor {i}", slug=f"bench-actor-{i}", kind="person") for i in range(500)
    )
    topics = Topic.objects.bulk_create(Topic(name=f"Bench topic {i}", slug=f"bench-topic-{i}") for i in range(50))
    materiel = Materiel.objects.bulk_create(
        Materiel(name=f"Bench shell {i}", slug=f"bench-shell-{i}", category="artillery_ammunition") for i in range(20)
    )
    start = dt.date(2015, 1, 1)
    for first in range(0, n, BATCH):
        with transaction.atomic():
            _build_batch(range(first, min(n, first + BATCH)), start, sources, actors, topics, materiel)
        print(f"  built {min(n, first + BATCH):,} claims", end="\r", flush=True)
    print()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would soon after a bulk load


def _build_batch(numbers, start, sources, actors, topics, materiel):
    claims = Claim.objects.bulk_create(
        Claim(
            slug=f"bench-{i}",
            proposition=f"Benchmark claim {i}: North Korea shipped more than a million artillery shells.",
            made_edtf=(start + dt.timedelta(days=i % 3650)).isoformat(),
            made_earliest=start + dt.timedelta(days=i % 3650),
            made_latest=start + dt.timedelta(days=i % 3650),
            hedge="believes" if i % 3 else "",
            state="published",
            notes="Bench." if i % 5 == 0 else "",
        )
        for i in numbers
    )
    Claim.topics.through.objects.bulk_create(
        Claim.topics.through(claim=c, topic=topics[c.pk % len(topics)]) for c in claims
    )
    Claim.subjects.through.objects.bulk_create(
        Claim.subjects.through(claim=c, actor=actors[(c.pk * 7) % len(actors)]) for c in claims
    )
    Claim.materiel.through.objects.bulk_create(
        Claim.materiel.through(claim=c, materiel=materiel[c.pk % len(materiel)]) for c in claims
    )
    Attribution.objects.bulk_create(
        Attribution(
            claim=c,
            actor=actors[(c.pk + p) % len(actors)],
            position=p,
            role=r,
            channel="briefing",
            document=sources[c.pk % len(sources)] if p == 1 else None,
        )
        for c in claims
        for p, r in ((1, "originator"), (2, "relay"))
    )
    quantities = Quantity.objects.bulk_create(
        Quantity(
            claim=c,
            position=p,
            comparator="more_than",
            low=1_000_000 * p,
            item="artillery shells",
            as_worded="more than a million",
            materiel=materiel[c.pk % len(materiel)] if p == 1 else None,
        )
        for c in claims
        for p in (1, 2)
    )
    citations = ClaimCitation.objects.bulk_create(
        ClaimCitation(
            claim=c,
            source=sources[(c.pk + k) % len(sources)],
            position=k + 1,
            quote="more than a million artillery shells",
            locator=f"para. {k + 1}",
        )
        for c in claims
        for k in range(3)
    )
    first_quantity = {q.claim_id: q for q in quantities if q.position == 1}
    CitationFigure.objects.bulk_create(
        CitationFigure(citation=c, quantity=first_quantity[c.claim_id], as_worded="over a million") for c in citations
    )
    ClaimLink.objects.bulk_create(
        ClaimLink(from_claim=claims[k], to_claim=claims[k - 1], kind="derived_from") for k in range(1, len(claims), 4)
    )
    denials = Denial.objects.bulk_create(
        Denial(
            slug=f"bench-denial-{c.pk}",
            statement=f"Denied {c.pk}.",
            kind="dismissal",
            state="published",
            made_edtf="2023-11",
            made_earliest=dt.date(2023, 11, 1),
            made_latest=dt.date(2023, 11, 30),
        )
        for c in claims[::DENIAL_SPAN]
    )
    DenialOtherKind.objects.bulk_create(DenialOtherKind(denial=d, kind="counter_claim") for d in denials)
    Denial.deniers.through.objects.bulk_create(
        Denial.deniers.through(denial=d, actor=actors[d.pk % len(actors)]) for d in denials
    )
    DenialCitation.objects.bulk_create(
        DenialCitation(denial=d, source=sources[d.pk % len(sources)], quote="baseless") for d in denials
    )
    Denial.claims.through.objects.bulk_create(
        Denial.claims.through(denial=d, claim=c)
        for k, d in enumerate(denials)
        for c in claims[k * DENIAL_SPAN : (k + 1) * DENIAL_SPAN]
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure(client, fmt: str, n: int, profile: bool) -> None:
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    rss_before = peak_rss_mib()
    began = time.perf_counter()
    with connection.execute_wrapper(count):
        response = client.get(f"/claims/data.{fmt}")
        assert response.status_code == 200
        size = sum(len(piece) for piece in response.streaming_content)  # one piece at a time
    elapsed = time.perf_counter() - began
    print(
        f"  {fmt:>6}: {n:>9,} claims  {elapsed:7.2f} s  {n / elapsed:9,.0f} claims/s  "
        f"{size / 2**20:8.1f} MiB  {len(queries)} queries  peak RSS +{peak_rss_mib() - rss_before:.1f} MiB"
    )
    if profile:
        run_profiled(client, fmt)


def run_profiled(client, fmt: str) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: sum(len(p) for p in client.get(f"/claims/data.{fmt}").streaming_content))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return
    profiler = Profiler()
    with profiler:
        sum(len(p) for p in client.get(f"/claims/data.{fmt}").streaming_content)
    Path("export-profile.html").write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep the claims already built when there are N")
    parser.add_argument("--formats", default="csv,ndjson,json")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    if not (args.reuse and Claim.objects.filter(slug__startswith="bench-").count() == args.n):
        build(args.n)
    client = Client()
    # Warm up: the first request imports the URLconf and its modules.
    b"".join(client.get("/claims/data.csv?status=refuted").streaming_content)
    print(f"{connection.vendor}: streamed exports of the claims list, peak RSS {peak_rss_mib():.0f} MiB before")
    for k, fmt in enumerate(args.formats.split(",")):
        measure(client, fmt, args.n, args.profile and k == 0)


if __name__ == "__main__":
    main()
