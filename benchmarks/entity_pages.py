"""What a big topic's and a big actor's pages cost: the lists are keyset pages and the
timeline counts events per period, so the cost should barely grow with the number of
claims. Run:

    .venv/bin/python benchmarks/entity_pages.py [N]          # SQLite in a temp file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claims_bench .venv/bin/python benchmarks/entity_pages.py

It builds N published claims (default 20,000) in one topic, all made by one actor and
one in ten denied by it, in a throwaway database, and prints the median time of each
page, its queries and its size.
"""

import datetime as dt
import os
import statistics
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from claims.models import Actor, Attribution, Claim, Denial, Topic  # noqa: E402


def build(n: int) -> tuple[Topic, Actor]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for model in (Denial, Claim, Topic, Actor):
        model.objects.all().delete()
    topic = Topic.objects.create(slug="bench-topic", name="Benchmark topic")
    actor = Actor.objects.create(slug="bench-actor", name="Benchmark actor", kind="agency")
    start = dt.date(2016, 1, 1)
    claims = Claim.objects.bulk_create(
        Claim(
            slug=f"bench-{i}",
            proposition=f"Benchmark claim {i}.",
            made=start + dt.timedelta(days=i % 3650),
            state="published",
        )
        for i in range(n)
    )
    Claim.topics.through.objects.bulk_create(Claim.topics.through(claim=c, topic=topic) for c in claims)
    Attribution.objects.bulk_create(Attribution(claim=c, actor=actor, role="originator", position=1) for c in claims)
    denials = Denial.objects.bulk_create(
        Denial(slug=f"bench-d-{i}", statement=f"Denial {i}.", kind="dismissal", made=c.made, state="published")
        for i, c in enumerate(claims[::10])
    )
    Denial.claims.through.objects.bulk_create(
        Denial.claims.through(denial=d, claim=c) for d, c in zip(denials, claims[::10], strict=True)
    )
    Denial.deniers.through.objects.bulk_create(Denial.deniers.through(denial=d, actor=actor) for d in denials)
    if connection.vendor == "postgresql":  # fresh statistics, or the planner guesses six rows
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return topic, actor


def measure(client: Client, url: str, repeat: int = 7) -> tuple[float, int, int]:
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times), len(queries), len(response.content)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    setup_test_environment()
    topic, actor = build(n)
    client = Client()
    print(f"{connection.vendor}, {n:,} published claims in one topic, by one actor")
    for label, url in [
        ("topic page", topic.get_absolute_url()),
        ("topic page, one month", f"{topic.get_absolute_url()}?from=2020-03-01&to=2020-03-31"),
        ("topic page, one week", f"{topic.get_absolute_url()}?from=2020-03-01&to=2020-03-07"),
        ("actor page", actor.get_absolute_url()),
    ]:
        ms, queries, size = measure(client, url)
        print(f"  {label:28} {ms:7.1f} ms  {queries:2} queries  {size / 1000:6.1f} KB")


if __name__ == "__main__":
    main()
